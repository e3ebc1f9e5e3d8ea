"""Hostile and odd files: each gets a clear message and changes nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import override_settings

from wagtail_buddy.models import Participant
from wagtail_buddy.services import importing

from .conftest import csv_bytes, google_forms_rows, xlsx_bytes


def refused(data: bytes, name: str = "people.csv") -> str:
    with pytest.raises(importing.UnreadableFile) as caught:
        importing.read(data, name)
    return str(caught.value)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("cp1252", False)])
def test_common_dialects_read_the_same(delimiter, encoding, bom):
    rows = [["Email", "Prénom", "Nom"], ["zoë@example.org", "Zoë", "Müller, Jr."]]
    table = importing.read(csv_bytes(rows, delimiter=delimiter, encoding=encoding, bom=bom),
                           "x.csv")
    assert table.headers == ["Email", "Prénom", "Nom"]
    assert table.rows == [["zoë@example.org", "Zoë", "Müller, Jr."]]


def test_xlsx_is_read_with_dates_and_numbers_as_text():
    import datetime

    table = importing.read(xlsx_bytes([["Email", "Arrival", "Year of birth"],
                                       ["a@example.org", datetime.datetime(2027, 2, 1), 2003]]),
                           "x.xlsx")
    assert table.rows == [["a@example.org", "2027-02-01", "2003"]]


def test_a_file_over_the_size_limit_is_refused_before_reading():
    with override_settings(WAGTAIL_BUDDY_IMPORT_MAX_BYTES=1000):
        message = refused(b"a,b\n" * 1000)
    assert "files up to" in message


def test_a_hundred_megabyte_upload_is_refused_by_default():
    with pytest.raises(importing.UnreadableFile, match="100 MB; files up to 10 MB"):
        importing.check_size(100 * 1024 * 1024)


def test_too_many_rows_are_refused():
    with override_settings(WAGTAIL_BUDDY_IMPORT_MAX_ROWS=100):
        message = refused(csv_bytes(google_forms_rows(101)))
    assert "more than 100 rows" in message


def test_two_hundred_thousand_rows_are_refused_with_the_defaults():
    data = b"email\n" + b"a@example.org\n" * 200_000
    assert "more than 20000 rows" in refused(data)


def test_binary_garbage_named_csv_is_refused():
    import random

    rng = random.Random(1)
    garbage = bytes(rng.randrange(256) for _ in range(5000))
    assert "binary" in refused(garbage)
    printable_garbage = bytes(rng.choice(range(1, 32)) for _ in range(5000))  # no NUL byte
    assert "binary" in refused(printable_garbage)
    assert "binary" in refused(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200)


def test_not_a_workbook_named_xlsx_is_refused():
    assert "not a valid Excel" in refused(b"hello, world\n", "people.xlsx")
    assert "not a valid Excel" in refused(b"PK\x03\x04broken", "people.xlsx")


def test_a_zip_bomb_as_xlsx_is_refused_before_openpyxl_opens_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(200):
                part.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024  # small on disk, 200 MB unpacked
    assert "unpacks to 200 MB" in refused(data, "people.xlsx")


def test_empty_file_is_refused():
    assert "empty" in refused(b"  \r\n\r\n", "x.csv")


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://evil\",\"x\")", "@SUM(A1)",
                                  "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"])
def test_formulas_in_cells_are_refused_with_a_reason(intake, cell):
    rows = google_forms_rows(1)
    rows[1][2] = cell
    table = importing.read(csv_bytes(rows), "x.csv")
    report = importing.preview(table, importing.guess(table, intake), intake, "international")
    row = report.rows[0]
    assert row.action == "skip"
    assert "formula" in row.problems[0][1] or "not" in row.problems[0][1]
    importing.apply(report)
    assert not Participant.objects.exists()


def test_control_characters_in_cells_are_refused(intake):
    rows = google_forms_rows(1)
    rows[1][3] = "García\x1b[31m"
    table = importing.read(csv_bytes(rows), "x.csv")
    report = importing.preview(table, importing.guess(table, intake), intake, "international")
    assert report.rows[0].problems == [("Last name", "contains invisible control characters")]


def test_a_phone_number_with_a_plus_is_not_a_formula(intake):
    rows = [["Email", "First name", "Last name", "Phone"],
            ["a@example.org", "A", "B", "+33 6 12 34 56 78"]]
    table = importing.read(csv_bytes(rows), "x.csv")
    report = importing.preview(table, importing.guess(table, intake), intake, "international")
    assert report.rows[0].action == "create"
    assert report.rows[0].data["phone"] == "+33 6 12 34 56 78"


def test_html_in_names_is_stored_as_text(intake):
    rows = [["Email", "First name", "Last name"],
            ["a@example.org", "<script>alert(1)</script>", "<b>Bold</b>"]]
    table = importing.read(csv_bytes(rows), "x.csv")
    importing.run(table, importing.guess(table, intake), intake, "international")
    assert Participant.objects.get().first_name == "<script>alert(1)</script>"
