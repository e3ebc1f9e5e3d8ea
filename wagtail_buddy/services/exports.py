"""CSV and XLSX exports of a participant queryset (the admin's current filter).

Rows are streamed from the database in chunks with languages and interests prefetched, so
an export of 20,000 people costs a handful of queries. A student's input is data, never
code (CSV injection):

- CSV: every cell is quoted, and a formula character (``=``, ``+``, ``-``, ``@``, tab, CR) at
  the start of a cell *or after any separator or line break inside it* gets a ``'`` before
  it. A spreadsheet that splits on ``;`` or tab (the default list separator in much of
  Europe) ignores the quoting, so "Semi;=2+5" must not leave a cell starting with ``=``.
- XLSX: cells are written as typed strings (never formulas), so nothing needs the
  apostrophe and phone numbers stay "+49...".
- Times carry their zone (ISO 8601 in the site's time zone), not a bare UTC clock time.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..models import Interest, Language, Participant

COLUMNS = [
    ("id", _("ID")), ("role", _("Role")), ("status", _("Status")),
    ("first_name", _("First name")), ("last_name", _("Last name")), ("email", _("Email")),
    ("phone", _("Phone")), ("birth_year", _("Year of birth")), ("gender", _("Gender")),
    ("nationality", _("Nationality")), ("languages", _("Languages")),
    ("interests", _("Interests")), ("university", _("University")), ("faculty", _("Faculty")),
    ("home_university", _("Home university")), ("arrival_date", _("Arrival date")),
    ("available_from", _("Available from")), ("available_until", _("Available until")),
    ("capacity", _("Capacity")), ("preferred_language", _("Email language")),
    ("created_at", _("Signed up at")), ("confirmed_at", _("Email confirmed at")),
    ("intake", _("Intake")),
]
# A formula character at the start of the cell or of anything a reader may split off:
# after a field separator (, ; tab) or a line break, past spaces and double quotes.
FORMULA = re.compile(r'(?:^|(?<=[,;\t\r\n]))([ "]*)([=+\-@\t\r])')
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def safe(value: object) -> object:
    """A CSV cell's text with every formula start neutralised by a ``'`` before it."""
    if not isinstance(value, str):
        return value
    return FORMULA.sub(lambda m: f"{m[1]}'{m[2]}", value)


def with_zone(value: datetime | None) -> str | None:
    """``2027-02-01T10:30:00+01:00``: the time in the site's zone, the offset included."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def rows(queryset: QuerySet, chunk_size: int = 2000) -> Iterator[list]:
    """One list of cell values per participant, in ``COLUMNS`` order."""
    queryset = queryset.select_related("intake").prefetch_related(None).prefetch_related(
        Prefetch("languages", queryset=Language.objects.only("code")),
        Prefetch("interests", queryset=Interest.objects.only("pk", "name")),
    )
    for p in queryset.iterator(chunk_size=chunk_size):
        values = {
            "id": p.pk, "role": str(p.get_role_display()), "status": str(p.get_status_display()),
            "first_name": p.first_name, "last_name": p.last_name, "email": p.email,
            "phone": p.phone, "birth_year": p.birth_year, "gender": str(p.get_gender_display()),
            "nationality": str(p.nationality.code or ""),
            "languages": ", ".join(sorted(lang.code for lang in p.languages.all())),
            "interests": ", ".join(sorted(i.name for i in p.interests.all())),
            "university": p.university, "faculty": p.faculty,
            "home_university": p.home_university, "arrival_date": p.arrival_date,
            "available_from": p.available_from, "available_until": p.available_until,
            "capacity": p.capacity if p.role == Participant.Role.LOCAL else None,
            "preferred_language": p.preferred_language,
            "created_at": with_zone(p.created_at), "confirmed_at": with_zone(p.confirmed_at),
            "intake": p.intake.name,
        }
        yield [values[key] for key, _label in COLUMNS]


def headers() -> list[str]:
    return [str(label) for _key, label in COLUMNS]


def to_csv(queryset: QuerySet) -> bytes:
    return csv_bytes([headers(), *rows(queryset)])


class _Line:
    """A file-like target for ``csv.writer`` that hands back what was written."""

    def write(self, text: str) -> str:
        return text


def stream_csv(queryset: QuerySet, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """The same CSV as :func:`csv_bytes`, yielded in chunks as rows come from the database:
    the first bytes leave before the last row is read, and memory stays flat."""
    writer = csv.writer(_Line(), quoting=csv.QUOTE_ALL)
    yield ("\ufeff" + writer.writerow(headers())).encode("utf-8")
    lines = []
    for row in rows(queryset):
        lines.append(writer.writerow(["" if v is None else safe(v) for v in row]))
        if len(lines) >= rows_per_chunk:
            yield "".join(lines).encode("utf-8")
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


def csv_bytes(table) -> bytes:
    """Rows as CSV: every cell quoted and neutralised; a BOM so Excel reads UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    for row in table:
        writer.writerow(["" if v is None else safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(queryset: QuerySet) -> bytes:
    return xlsx_table(str(_("Participants")), headers(), rows(queryset))


def xlsx_table(title: str, header: list[str], table: Iterable[list]) -> bytes:
    """One sheet of ``header`` and rows, streamed (write-only), text never a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for row in table:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value: object):
    """Text as a typed string cell: openpyxl would store "=..." as a formula otherwise."""
    if not isinstance(value, str):
        return value

    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def export(queryset: QuerySet, fmt: str) -> tuple[bytes, str]:
    """``(content, content_type)`` of the export of ``queryset`` as ``csv`` or ``xlsx``."""
    if fmt == "xlsx":
        return to_xlsx(queryset), CONTENT_TYPES["xlsx"]
    return to_csv(queryset), CONTENT_TYPES["csv"]
