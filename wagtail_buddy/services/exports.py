"""CSV and XLSX exports of a participant queryset (the admin's current filter).

Rows are streamed from the database in chunks with languages and interests prefetched, so
an export of 20,000 people costs a handful of queries. Cells that a spreadsheet would run
as a formula (``=``, ``+``, ``-``, ``@`` ...) are prefixed with a quote: a student's name is
data, never code (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

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
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def safe(value: object) -> object:
    """Neutralise spreadsheet formulas in text cells."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


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
            "created_at": p.created_at.replace(tzinfo=None) if p.created_at else None,
            "confirmed_at": p.confirmed_at.replace(tzinfo=None) if p.confirmed_at else None,
            "intake": p.intake.name,
        }
        yield [safe(values[key]) for key, _label in COLUMNS]


def headers() -> list[str]:
    return [str(label) for _key, label in COLUMNS]


def to_csv(queryset: QuerySet) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers())
    for row in rows(queryset):
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8


def to_xlsx(queryset: QuerySet) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("Participants")))
    sheet.append(headers())
    for row in rows(queryset):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export(queryset: QuerySet, fmt: str) -> tuple[bytes, str]:
    """``(content, content_type)`` of the export of ``queryset`` as ``csv`` or ``xlsx``."""
    if fmt == "xlsx":
        return to_xlsx(queryset), CONTENT_TYPES["xlsx"]
    return to_csv(queryset), CONTENT_TYPES["csv"]
