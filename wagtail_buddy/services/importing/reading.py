"""A spreadsheet upload -> a header row and data rows of strings, or a clear refusal.

CSV in any common dialect (comma, semicolon or tab, sniffed; UTF-8 with or without BOM, or
Windows-1252) and XLSX (openpyxl, read-only). Every limit is checked before the expensive
step it protects: the byte size before decoding, an XLSX's unpacked size before openpyxl
opens it (a zip bomb is refused unread), the row count while reading.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import load_workbook

from ...conf import buddy_settings

DELIMITERS = ",;\t"
SNIFF_BYTES = 64 * 1024


class UnreadableFile(Exception):
    """The file cannot be imported; the message says why, in words, translated."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # each as long as ``headers``
    numbers: list[int]  # each row's number in the spreadsheet (the header row is 1)

    def __len__(self) -> int:
        return len(self.rows)


def read_table(data: bytes, filename: str) -> Table:
    """Read an uploaded file; raises ``UnreadableFile`` with the reason."""
    check_size(len(data))
    if not data.strip():
        raise UnreadableFile(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data)
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableFile(_("This file is not a valid Excel (.xlsx) workbook."))
    else:
        rows = _csv_rows(_decode(data))
    return _table(rows)


def check_size(size: int) -> None:
    """Refuse a file over ``IMPORT_MAX_BYTES`` (callers check before reading it in)."""
    limit = int(buddy_settings.IMPORT_MAX_BYTES)
    if size > limit:
        raise UnreadableFile(_("The file is %(size)s MB; files up to %(limit)s MB can be "
                               "imported. Split it or remove columns you do not need.")
                             % {"size": _mb(size), "limit": _mb(limit)})


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else Windows-1252; binary is refused, not decoded as junk."""
    if b"\x00" in data[:SNIFF_BYTES]:
        raise UnreadableFile(_("This file is not a spreadsheet: it looks like binary data. "
                               "Export it from your spreadsheet as CSV or XLSX."))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(_("This file is not a text spreadsheet we can read. Save it "
                                   "as CSV (UTF-8) or XLSX.")) from exc
    sample = text[:SNIFF_BYTES]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\r\n\t")
    if controls > max(8, len(sample) // 100):
        raise UnreadableFile(_("This file is not a spreadsheet: it looks like binary data. "
                               "Export it from your spreadsheet as CSV or XLSX."))
    return text


def _delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max(DELIMITERS, key=first.count)


def _csv_rows(text: str):
    sample = text[:SNIFF_BYTES]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(sample))
    try:
        yield from reader
    except csv.Error as exc:
        raise UnreadableFile(_("The file is not valid CSV (line %(line)s).")
                             % {"line": reader.line_num}) from exc


def _xlsx_rows(data: bytes):
    """Rows of the first worksheet, after checking what the zip would unpack to."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UnreadableFile(_("This file is not a valid Excel (.xlsx) workbook.")) from exc
    limit = int(buddy_settings.IMPORT_MAX_UNPACKED_BYTES)
    if unpacked > limit:
        raise UnreadableFile(_("This workbook unpacks to %(size)s MB, more than the %(limit)s "
                               "MB we accept. Save it as CSV, or remove what you do not need.")
                             % {"size": _mb(unpacked), "limit": _mb(limit)})
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in row]
        workbook.close()
    except UnreadableFile:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise UnreadableFile(_("This file is not a valid Excel (.xlsx) workbook.")) from exc


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table(rows) -> Table:
    """Header = first non-empty row; blank rows dropped; the row limit counted as we go."""
    limit = int(buddy_settings.IMPORT_MAX_ROWS)
    headers: list[str] | None = None
    body: list[list[str]] = []
    numbers: list[int] = []
    for number, row in enumerate(rows, start=1):
        cells = [(cell or "").strip() for cell in row]
        if not any(cells):
            continue
        if headers is None:
            headers = cells
            continue
        if len(body) >= limit:
            raise UnreadableFile(ngettext(
                "The file has more than %(limit)s row; import it in parts.",
                "The file has more than %(limit)s rows; import it in parts.", limit)
                % {"limit": limit})
        body.append(cells)
        numbers.append(number)
    if headers is None:
        raise UnreadableFile(_("The file is empty."))
    width = max([len(headers), *(len(r) for r in body)])
    headers = headers + [""] * (width - len(headers))
    headers = [h or _("Column %(n)s") % {"n": i + 1} for i, h in enumerate(headers)]
    return Table(headers, [r + [""] * (width - len(r)) for r in body], numbers)
