"""The write: a checked report applied in one transaction, in bulk, idempotently.

New rows are inserted as *invited* participants with no consent recorded, their languages
in one bulk insert, and one invitation each queued in the outbox under a fixed dedup key,
so importing the same file again creates nobody and emails nobody a second time.
Invited people already in the intake get the changed fields with one bulk update.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from ...models import Participant
from ..audit import audit
from ..emails import queue_emails
from .report import CREATE, ROW_FIELDS, UPDATE, ImportReport, RowResult

INVITATION = "invitation"
INVITATION_CONTEXT = {"links": ["invite_url"]}
BATCH = 500


class ImportConflict(Exception):
    """Someone else added the same people while this import ran: preview again."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    invitations: int = 0


def apply(report: ImportReport, user=None) -> ImportResult:
    """Write what ``report`` previewed; returns the counts."""
    creates, updates = report.of(CREATE), report.of(UPDATE)
    result = ImportResult()
    try:
        with transaction.atomic():
            people = _create(report, creates)
            changed = _update(updates)
            invited = people + [row.existing for row in report.rows
                                if row.existing is not None
                                and row.existing.status == Participant.Status.INVITED]
            result.invitations = invite(invited)
            audit(people, "wagtail_buddy.participant_import", user)
            audit(changed, "wagtail_buddy.participant_import_update", user)
    except IntegrityError as exc:  # a concurrent sign-up or import took one of the addresses
        raise ImportConflict(str(exc)) from exc
    result.created, result.updated = len(people), len(changed)
    return result


def invite(people: list[Participant]) -> int:
    """Queue each invited person's invitation once, ever (the dedup key is fixed)."""
    return queue_emails((p, INVITATION, "0", INVITATION_CONTEXT) for p in people)


def _create(report: ImportReport, rows: list[RowResult]) -> list[Participant]:
    people = [Participant(intake=report.intake, role=report.role,
                          status=Participant.Status.INVITED, consent_at=None,
                          consent_version="",
                          **{k: v for k, v in row.data.items() if k in ROW_FIELDS})
              for row in rows]
    for person in people:
        person.email = person.email.lower()
    people = Participant.objects.bulk_create(people, batch_size=BATCH)
    if any(p.pk is None for p in people):  # a backend that returns no ids: read them back
        ids = dict(Participant.objects.filter(
            intake=report.intake, role=report.role,
            email__in=[p.email for p in people]).values_list("email", "pk"))
        for person in people:
            person.pk = ids[person.email]
    links = Participant.languages.through
    links.objects.bulk_create(
        [links(participant_id=p.pk, language_id=code)
         for p, row in zip(people, rows, strict=True) for code in row.data.get("languages", ())],
        batch_size=BATCH)
    return people


def _update(rows: list[RowResult]) -> list[Participant]:
    """Changed fields of invited people; their languages replaced where the file says."""
    people, names, now = [], set(), timezone.now()
    for row in rows:
        person = row.existing
        for name, value in row.data.items():
            if name in ROW_FIELDS and name != "email":
                setattr(person, name, value)
                names.add(name)
        person.updated_at = now
        people.append(person)
    if not people:
        return []
    if names:
        Participant.objects.bulk_update(people, sorted(names | {"updated_at"}),
                                        batch_size=BATCH)
    relang = [row for row in rows if "languages" in row.data]
    links = Participant.languages.through
    links.objects.filter(participant_id__in=[r.existing.pk for r in relang]).delete()
    links.objects.bulk_create(
        [links(participant_id=r.existing.pk, language_id=code)
         for r in relang for code in r.data["languages"]], batch_size=BATCH)
    return people
