"""Exports: a student's input is data in every spreadsheet (issue 14, finding 6)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagtail_buddy.services import exports

FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = [",", ";", "\t"]


def fields_read_with(content: bytes, delimiter: str) -> list[str]:
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            for cell in row]


def assert_no_formula(content: bytes) -> None:
    for delimiter in DELIMITERS:
        for cell in fields_read_with(content, delimiter):
            if not cell.strip(' "\r\n'):
                continue  # nothing but quoting and the row's line break
            start = cell.lstrip(' "\n')
            assert not start.startswith(FORMULA_CHARS), (delimiter, cell)


@pytest.mark.parametrize("value", ["Semi;=2+5", "Comma,=2+5", "Tab\t=2+5", "=1+1", "@SUM(A1)",
                                   "+49 170 1234567", "-2+3", 'Quote";=1', "x\n=cmd|' /C calc'!A0",
                                   'a;"=1"', "a; =1", ";;;@x"])
def test_known_payloads_are_neutralised_for_every_delimiter(value):
    content = exports.csv_bytes([["id", "name"], [1, value]])
    assert_no_formula(content)
    assert content.decode("utf-8-sig").startswith('"id","name"'), "every cell is quoted"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("=+-@\t\r\n;,\" 'ab1")), max_size=12),
                min_size=1, max_size=4))
def test_no_cell_starts_a_formula_whatever_the_delimiter(cells):
    content = exports.csv_bytes([cells])
    assert_no_formula(content)
    # Read with the file's own delimiter, each cell is one field: quoting keeps them apart.
    assert len(fields_read_with(content, ",")) == len(cells)


@pytest.fixture
def hostile(participant_factory):
    return participant_factory(first_name="=1+1", last_name="Semi;=2+5", phone="+49 170 1234567",
                               university="@SUM(A1)")


def test_csv_export_of_real_participants(hostile, participant_factory):
    content, _type = exports.export(type(hostile).objects.filter(pk=hostile.pk), "csv")
    assert_no_formula(content)
    text = content.decode("utf-8-sig")
    assert "'+49 170 1234567" in text
    header, row = csv.reader(io.StringIO(text, newline=""))
    cells = dict(zip(header, row, strict=True))
    for column in ("Signed up at", "Email confirmed at"):
        written = datetime.fromisoformat(cells[column])  # whatever its separator
        assert written.utcoffset() is not None, (column, cells[column])


def test_xlsx_export_keeps_text_as_typed_strings_and_times_with_zone(hostile):
    from openpyxl import load_workbook

    content, _type = exports.export(type(hostile).objects.filter(pk=hostile.pk), "xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["Phone"].value == "+49 170 1234567", "no guard apostrophe in XLSX"
    assert row["First name"].value == "=1+1" and row["First name"].data_type == "s"
    assert row["Last name"].value == "Semi;=2+5"
    signed_up = row["Signed up at"].value
    assert isinstance(signed_up, str) and signed_up[-6] in "+-" and signed_up[-3] == ":", \
        signed_up
