"""A participant's way through the intakes: moved to another intake, withdrawn, erased.

``move_intake`` is the coordinator's move of people without an open match. Leaving the
programme has the one ``withdraw`` and the one ``erase``.

The student's private link and the coordinator's bulk action call the same two functions,
so both cancel the open matches, put the buddies left alone back in the pool, tell the
buddies who were introduced, revoke every private link sent so far, and write the audit log
(``user`` is None when the student acted themselves).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from ..models import Match, Participant
from . import arrivals
from .audit import audit, audit_matches
from .emails import queue_emails
from .statuses import refresh_statuses

BY_PARTICIPANT = "Withdrawn by the participant"
BY_COORDINATOR = "Withdrawn by a coordinator"


def _open_matches(ids: list[int]) -> list[Match]:
    return list(Match.objects.active().select_related("mentee", "mentor")
                .filter(Q(mentee_id__in=ids) | Q(mentor_id__in=ids)))


def _counterparts(matches: list[Match], leaving: set[int]) -> set[int]:
    return {pk for m in matches for pk in (m.mentee_id, m.mentor_id)} - leaving


def tell_buddies_left(matches: list[Match], leaving: set[int]) -> None:
    """Buddies who were introduced learn that their buddy left (``buddy_left`` email);
    a proposal they were never told about ends silently."""
    queue_emails(
        (person, "buddy_left", str(match.pk), {"match_id": match.pk})
        for match in matches if match.status == Match.Status.CONFIRMED and match.introduced_at
        for person in (match.mentee, match.mentor) if person.pk not in leaving
    )


def withdraw(participants: Sequence[Participant], user=None, reason: str = "") -> int:
    """Withdraw people (already withdrawn ones are skipped); returns how many.

    Their open matches are cancelled and every link they hold stops working; the new
    access key is set on the given instances, so the caller can hand out a fresh link
    (one that can only view, download and delete: a withdrawn profile is read-only).
    """
    targets = [p for p in participants if p.status != Participant.Status.WITHDRAWN]
    if not targets:
        return 0
    ids = [p.pk for p in targets]
    now = timezone.now()
    reason = reason or (BY_PARTICIPANT if user is None else BY_COORDINATOR)
    with transaction.atomic():
        matches = _open_matches(ids)
        Match.objects.filter(pk__in=[m.pk for m in matches]).update(
            status=Match.Status.CANCELLED, ended_at=now, end_reason=reason, locked=False)
        for participant in targets:
            participant.status, participant.withdrawn_at = Participant.Status.WITHDRAWN, now
            participant.rejoin_asked_at = None  # a withdrawn buddy is not invited back
            participant.updated_at = now
            participant.rotate_access_key()
        Participant.objects.bulk_update(
            targets, ["status", "withdrawn_at", "access_key", "updated_at", "rejoin_asked_at"],
            batch_size=500)
        refresh_statuses(_counterparts(matches, set(ids)))
        arrivals.release(ids)  # pick-ups they covered go back on the board
        audit(targets, "wagtail_buddy.participant_withdraw", user)
        if matches:
            audit_matches(matches, "wagtail_buddy.match_cancel", user, reason=reason)
            tell_buddies_left(matches, set(ids))
    return len(targets)


def erase(participants: Sequence[Participant], user=None) -> int:
    """Right to erasure: delete people with their matches, check-ins and emails.

    The audit entry is written first and names no one ("participant #id"). Introduced
    buddies are told, without the name: the match is gone when the email is rendered.
    """
    participants = list(participants)
    if not participants:
        return 0
    ids = [p.pk for p in participants]
    with transaction.atomic():
        audit(participants, "wagtail_buddy.participant_erase", user)
        matches = _open_matches(ids)
        Participant.objects.filter(pk__in=ids).delete()
        refresh_statuses(_counterparts(matches, set(ids)))
        tell_buddies_left(matches, set(ids))
    return len(participants)


def move_intake(participants: Sequence[Participant], intake, user) -> tuple[int, int]:
    """Move people without an open match to ``intake``; returns ``(moved, skipped)``.

    Skipped: people in an open match, and people already signed up there with the same
    email and role.
    """
    ids = [p.pk for p in participants if p.intake_id != intake.pk]
    busy = set(Match.objects.filter(Q(mentee_id__in=ids) | Q(mentor_id__in=ids),
                                    status__in=Match.ACTIVE)
               .values_list("mentee_id", "mentor_id").iterator())
    busy_ids = {pk for pair in busy for pk in pair}
    taken = set(Participant.objects.filter(intake=intake).annotate(e=Lower("email"))
                .values_list("e", "role"))
    movable = [p for p in participants if p.pk in ids and p.pk not in busy_ids
               and (p.email.lower(), p.role) not in taken]
    if movable:
        with transaction.atomic():
            Participant.objects.filter(pk__in=[p.pk for p in movable]).update(
                intake=intake, updated_at=timezone.now())
            audit(movable, "wagtail_buddy.participant_move", user, data={"intake": intake.pk})
    return len(movable), len(participants) - len(movable)
