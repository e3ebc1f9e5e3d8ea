"""Spreadsheet fixtures: messy CSVs and workbooks written the way real tools write them."""

from __future__ import annotations

import io

import pytest

GOOGLE_FORMS_HEADERS = ["Timestamp", "Email address", "First name", "Last name",
                        "Which languages do you speak?", "Nationality", "Home university",
                        "Arrival date", "Year of birth"]


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8",
              bom: bool = False) -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def google_forms_rows(n: int = 3, start: int = 0) -> list[list[str]]:
    rows = [GOOGLE_FORMS_HEADERS]
    for i in range(start, start + n):
        rows.append([f"2027/01/{(i % 28) + 1:02d} 10:00:00 AM GMT+1", f"Student{i}@Example.org",
                     f"Ana{i}", f"García{i}", "Spanish, English", "Spain",
                     "Universidad de Sevilla", "01/02/2027", "2003"])
    return rows


@pytest.fixture
def google_forms_csv():
    return csv_bytes(google_forms_rows())


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; a test client request to a /fr/ link leaves
    French active in the thread."""
    from django.utils import translation

    with translation.override("en"):
        yield
