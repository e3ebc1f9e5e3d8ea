"""The preview: what importing a table into one intake and role would do, row by row.

Nothing is written here. Each row becomes a ``RowResult``: *create* (a new invited
person), *update* (an invited person already in the intake, with what would change),
*unchanged*, or *skip* with the reasons in words per field. The same report is what the
write applies, so the preview is exactly what happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django_countries import countries

from ...models import Intake, Language, Participant
from ...vocabulary import language_name
from . import values
from .mapping import FIELDS, IGNORE, REQUIRED
from .reading import Table

CREATE, UPDATE, UNCHANGED, SKIP = "create", "update", "unchanged", "skip"
ROLE_ONLY = {
    Participant.Role.INTERNATIONAL: ("home_university", "arrival_date"),
    Participant.Role.LOCAL: ("available_from", "available_until", "capacity",
                             "exchange_country"),
}
# Fields stored on the participant row (languages is the many-to-many; full_name is split).
NAMED = ("email", "first_name", "last_name", "preferred_language")  # shown elsewhere
ROW_FIELDS = tuple(f for f in FIELDS if f not in ("languages", "full_name"))


@dataclass
class RowResult:
    number: int
    action: str
    email: str = ""
    name: str = ""
    data: dict = field(default_factory=dict)  # field -> value to store
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # label, old, new
    problems: list[tuple[str, str]] = field(default_factory=list)  # label, reason
    existing: Participant | None = None
    note: str = ""

    def summary(self) -> str:
        """What a new row will store besides the name (for the rows the preview shows)."""
        return "; ".join(f"{FIELDS[name]}: {shown(name, value)}"
                         for name, value in self.data.items() if name not in NAMED)


@dataclass
class ImportReport:
    intake: Intake
    role: str
    headers: list[str]
    fields: list[str]
    rows: list[RowResult]
    notes: list[str] = field(default_factory=list)

    def of(self, action: str) -> list[RowResult]:
        return [row for row in self.rows if row.action == action]

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys((CREATE, UPDATE, UNCHANGED, SKIP), 0)
        for row in self.rows:
            out[row.action] += 1
        return out

    def as_json(self) -> dict:
        return {
            "intake": self.intake.pk, "role": self.role, "counts": self.counts,
            "mapping": dict(zip(self.headers, self.fields, strict=True)),
            "notes": self.notes,
            "rows": [{"row": r.number, "action": r.action, "email": r.email,
                      "changes": [{"field": f, "old": o, "new": n} for f, o, n in r.changes],
                      "problems": [{"field": f, "reason": m} for f, m in r.problems]}
                     for r in self.rows],
        }


def default_language(intake: Intake) -> str:
    """Emails go out in the programme page's language unless the file says otherwise."""
    site = [code for code, _name in settings.LANGUAGES]
    page_language = intake.programme.locale.language_code if intake.programme.locale_id \
        else ""
    return page_language if page_language in site else settings.LANGUAGE_CODE


def build_report(table: Table, fields: list[str], intake: Intake, role: str) -> ImportReport:
    """Parse and check every row against the intake; nothing is written."""
    fields = list(fields) + [IGNORE] * (len(table.headers) - len(fields))
    report = ImportReport(intake, role, table.headers, fields, [])
    other = ROLE_ONLY[Participant.Role.LOCAL if role == Participant.Role.INTERNATIONAL
                      else Participant.Role.INTERNATIONAL]
    columns = []
    for index, name in enumerate(fields):
        if name in other:
            report.notes.append(_("Column %(header)s (%(field)s) does not apply to this role "
                                  "and is ignored.") % {"header": values.quoted(
                                      table.headers[index]), "field": FIELDS[name]})
        elif name:
            columns.append((index, name))
    missing = [FIELDS[f] for f in REQUIRED if f not in fields]
    if missing:
        report.notes.append(_("No column is mapped to %(fields)s: no row can be imported.")
                            % {"fields": ", ".join(str(m) for m in missing)})
    existing = _existing(intake, role)
    seen: dict[str, int] = {}
    language = default_language(intake)
    labels = {name: str(label) for name, label in FIELDS.items()}  # translated once
    for number, cells in zip(table.numbers, table.rows, strict=True):
        row = _parse_row(number, cells, columns, labels)
        if not row.problems:
            _check_duplicate(row, seen, labels)
        if not row.problems:
            _decide(row, existing.get(row.email), language, labels)
        if row.problems:
            row.action = SKIP
        report.rows.append(row)
    return report


def _existing(intake: Intake, role: str) -> dict[str, Participant]:
    people = (Participant.objects.filter(intake=intake, role=role)
              .annotate(email_lower=Lower("email"))
              .prefetch_related(Prefetch("languages", queryset=Language.objects.only("code"))))
    return {p.email_lower: p for p in people}


def _parse_row(number: int, cells: list[str], columns, labels: dict[str, str]) -> RowResult:
    row = RowResult(number, SKIP)
    for index, name in columns:
        label = labels[name]
        try:
            value = values.parse(name, cells[index])
        except values.BadValue as problem:
            row.problems.append((label, str(problem)))
            continue
        if value is None:
            continue
        if name == "full_name":
            first, last = values.split_full_name(value)
            row.data.setdefault("first_name", first)
            row.data.setdefault("last_name", last)
        else:
            row.data[name] = value
    row.email = row.data.get("email", "")
    row.name = " ".join(filter(None, (row.data.get("first_name"), row.data.get("last_name"))))
    if not row.problems:
        for name in ("email", "first_name", "last_name"):
            if not row.data.get(name):
                row.problems.append((labels[name], _("is empty")))
    return row


def _check_duplicate(row: RowResult, seen: dict[str, int], labels: dict[str, str]) -> None:
    first = seen.setdefault(row.email, row.number)
    if first != row.number:
        row.problems.append((labels["email"],
                             _("%(email)s is already on row %(row)s of this file")
                             % {"email": values.quoted(row.email), "row": first}))


def _decide(row: RowResult, person: Participant | None, language: str,
            labels: dict[str, str]) -> None:
    """Create, update an invited person with what changes, or leave a registered one be."""
    if person is None:
        row.data.setdefault("preferred_language", language)
        row.action = CREATE
        return
    row.existing = person
    if person.status != Participant.Status.INVITED:
        row.action = UNCHANGED
        row.problems = []
        row.changes = []
        row.name = person.full_name
        row.data = {}
        row.note = _("signed up already: their own answers are kept")
        return
    for name, new in row.data.items():
        if name == "email":
            continue
        old = sorted(lang.code for lang in person.languages.all()) if name == "languages" \
            else getattr(person, name)
        if (sorted(new) if name == "languages" else new) != old:
            row.changes.append((labels[name], shown(name, old), shown(name, new)))
    row.action = UPDATE if row.changes else UNCHANGED


def shown(name: str, value) -> str:
    """A value as the preview shows it (language and country names, ISO dates)."""
    if value in (None, "", []):
        return "—"
    if name == "languages":
        return ", ".join(language_name(code) for code in value)
    if name in ("nationality", "exchange_country"):
        return str(countries.name(str(value)) or value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
