"""Import people from a spreadsheet into one intake and role, as invited participants.

The one service behind the admin's import screens and ``manage.py buddy_import``:
``read`` (file -> table, or ``UnreadableFile``), ``guess`` (the column mapping, from the
programme's remembered choices and the headers), ``preview`` (the report of what would
happen, nothing written) and ``run`` (preview, then the write, in one transaction).
"""

from __future__ import annotations

from ...models import ImportMapping, Intake
from .mapping import FIELDS, IGNORE, fold, guess_mapping, parse_map_options
from .reading import Table, UnreadableFile, check_size, read_table
from .report import CREATE, SKIP, UNCHANGED, UPDATE, ImportReport, build_report
from .writing import INVITATION, ImportConflict, ImportResult, apply, invite

__all__ = [
    "CREATE", "FIELDS", "IGNORE", "INVITATION", "SKIP", "UNCHANGED", "UPDATE",
    "ImportConflict", "ImportReport", "ImportResult", "Table", "UnreadableFile", "apply",
    "check_size", "guess", "invite", "parse_map_options", "preview", "read", "remember",
    "run",
]

read = read_table


def remembered(intake: Intake) -> dict[str, str]:
    row = ImportMapping.objects.filter(programme_id=intake.programme_id).first()
    return row.columns if row else {}


def guess(table: Table, intake: Intake, overrides: dict[str, str] | None = None) -> list[str]:
    """One field per column: ``overrides`` ({folded header: field}), else what the
    programme chose last time, else a guess from the header."""
    return guess_mapping(table.headers, {**remembered(intake), **(overrides or {})})


def remember(intake: Intake, table: Table, fields: list[str]) -> None:
    """Keep the chosen mapping for the programme's next import (merged, newest wins)."""
    columns = {**remembered(intake),
               **{fold(h): f for h, f in zip(table.headers, fields, strict=False)}}
    ImportMapping.objects.update_or_create(programme_id=intake.programme_id,
                                           defaults={"columns": columns})


def preview(table: Table, fields: list[str], intake: Intake, role: str) -> ImportReport:
    return build_report(table, fields, intake, role)


def run(table: Table, fields: list[str], intake: Intake, role: str,
        user=None) -> tuple[ImportReport, ImportResult]:
    """Check again (the intake may have changed since the preview) and write."""
    report = build_report(table, fields, intake, role)
    result = apply(report, user=user)
    remember(intake, table, fields)
    return report, result
