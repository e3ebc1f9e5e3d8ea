"""What a coordinator decides about pairs: confirm, reject, lock, swap, pair by hand, cancel.

Every change is written in bulk, recomputes the statuses of the people involved
(``services.statuses``) and is recorded in the audit log (``services.audit``), so the
participant's history shows who did what and when.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Match, Participant
from . import answers
from .audit import audit, audit_matches
from .emails import queue_emails
from .statuses import people_of, refresh_statuses


class DecisionError(Exception):
    """A decision on a pair is not possible; ``str(exc)`` is a translated message."""


def confirm(matches: Sequence[Match], user, note: str = "") -> int:
    """Confirm proposed matches (the introduction email can then go out).

    In a "both accept" programme, confirming asks both students instead (``answers.ask``).
    """
    targets = [m for m in matches if m.status == Match.Status.PROPOSED
               and m.answers != Match.Answers.WAITING]
    if not targets:
        return 0
    if answers.asks_students(targets[0].intake.programme):
        return answers.ask(targets, user, note)
    now = timezone.now()
    changes = {"status": Match.Status.CONFIRMED, "confirmed_at": now,
               "confirmed_by": user if getattr(user, "pk", None) else None}
    if note:
        changes["coordinator_note"] = note
    with transaction.atomic():
        targets = still_proposed(targets)
        Match.objects.filter(pk__in=[m.pk for m in targets]).update(**changes)
        refresh_statuses(people_of(targets))
        audit_matches(targets, "wagtail_buddy.match_confirm", user)
    return len(targets)


def still_proposed(matches: Sequence[Match], *conditions: Q) -> list[Match]:
    """The matches still proposed (and meeting ``conditions``) now, their rows locked.

    Call inside a transaction: the caller's list was read before, and a student's answer,
    the expiry schedule or another coordinator may have changed a row since. Locking and
    re-reading makes the decision apply to what the rows are, once."""
    ids = set(Match.objects.select_for_update(of=("self",)).filter(
        *conditions, pk__in=[m.pk for m in matches], status=Match.Status.PROPOSED)
        .values_list("pk", flat=True))
    return [m for m in matches if m.pk in ids]


def reject(matches: Sequence[Match], user) -> int:
    """Reject proposals: the pair becomes forbidden for later runs; the mentee waits again."""
    targets = [m for m in matches if m.status == Match.Status.PROPOSED]
    if not targets:
        return 0
    with transaction.atomic():
        targets = still_proposed(targets)
        Match.objects.filter(pk__in=[m.pk for m in targets]).update(
            status=Match.Status.REJECTED, locked=False, ended_at=timezone.now())
        refresh_statuses(people_of(targets))
        audit_matches(targets, "wagtail_buddy.match_reject", user)
    return len(targets)


def set_locked(matches: Sequence[Match], user, locked: bool = True) -> int:
    """Lock proposals so re-running keeps them (or unlock them)."""
    targets = [m for m in matches if m.status == Match.Status.PROPOSED and m.locked != locked
               and m.answers != Match.Answers.WAITING]
    if not targets:
        return 0
    with transaction.atomic():
        targets = still_proposed(targets, ~Q(answers=Match.Answers.WAITING))
        Match.objects.filter(pk__in=[m.pk for m in targets]).update(locked=locked)
        audit_matches(targets, "wagtail_buddy.match_lock" if locked
                      else "wagtail_buddy.match_unlock", user)
    return len(targets)


def set_note(match: Match, user, note: str) -> None:
    Match.objects.filter(pk=match.pk).update(coordinator_note=note)
    match.coordinator_note = note
    audit_matches([match], "wagtail_buddy.match_note", user)


def _check_mentor(mentee: Participant, mentor: Participant, override: bool = False) -> None:
    """Refuse impossible pairs; ``override`` allows a pair a coordinator ended before."""
    if mentor.role != Participant.Role.LOCAL or mentee.role != Participant.Role.INTERNATIONAL:
        raise DecisionError(str(_("A pair is one international student and one local buddy.")))
    if mentor.intake_id != mentee.intake_id:
        raise DecisionError(str(_("Both people must belong to the same intake.")))
    if mentor.status in (Participant.Status.WITHDRAWN, Participant.Status.ENDED,
                         Participant.Status.UNCONFIRMED, Participant.Status.INVITED):
        raise DecisionError(str(_("This buddy is not available (withdrawn or unconfirmed).")))
    if not override and Match.objects.filter(
            mentee=mentee, mentor=mentor,
            status__in=(Match.Status.REJECTED, Match.Status.CANCELLED)).exists():
        raise DecisionError(str(_("This pair was rejected or cancelled before.")))
    active = Match.objects.filter(mentor=mentor, status__in=Match.ACTIVE).count()
    if active >= mentor.capacity:
        raise DecisionError(str(_("This buddy has no spare capacity left.")))


def swap(match: Match, mentor: Participant, user, score: float = 0.0,
         breakdown: dict | None = None) -> Match:
    """Give a proposed match another mentor (chosen among the ranked alternatives)."""
    if match.status != Match.Status.PROPOSED:
        raise DecisionError(str(_("Only proposed pairs can be swapped.")))
    if match.answers == Match.Answers.WAITING:
        raise DecisionError(str(_("Both students were asked about this pair: reject it first.")))
    if mentor.pk == match.mentor_id:
        raise DecisionError(str(_("This is already the pair's buddy.")))
    _check_mentor(match.mentee, mentor)
    old_mentor = match.mentor_id
    with transaction.atomic():
        Match.objects.filter(pk=match.pk).update(
            mentor=mentor, score=score, breakdown=breakdown or {}, source=Match.Source.MANUAL)
        match.mentor, match.score, match.breakdown = mentor, score, breakdown or {}
        match.source = Match.Source.MANUAL
        refresh_statuses([old_mentor, mentor.pk, match.mentee_id])
        audit_matches([match], "wagtail_buddy.match_swap", user, previous_mentor=old_mentor)
        audit([Participant(pk=old_mentor, intake_id=match.intake_id)], "wagtail_buddy.match_swap",
              user,
              data={"match": match.pk, "mentor_removed": True})
    return match


def pair_manually(mentee: Participant, mentor: Participant, user, score: float = 0.0,
                  breakdown: dict | None = None, note: str = "",
                  override_reason: str = "") -> Match:
    """Pair a waiting mentee with a mentor by hand: a confirmed, manual match.

    In a "both accept" programme the hand-made pair is a proposal asked of both students
    (``answers.ask``), as a confirmed proposal would be: contact details still wait for
    both answers. ``override_reason`` pairs them although a hard rule blocks the pair or a
    coordinator ended it before; the reason is recorded in the audit log.
    """
    if Match.objects.filter(mentee=mentee, status__in=Match.ACTIVE).exists():
        raise DecisionError(str(_("This student already has a buddy or a proposal.")))
    if mentee.status not in (Participant.Status.WAITING, Participant.Status.PROPOSED):
        raise DecisionError(str(_("This student is not waiting for a buddy.")))
    override_reason = (override_reason or "").strip()
    _check_mentor(mentee, mentor, override=bool(override_reason))
    extra = {"override_reason": override_reason} if override_reason else {}
    asking = answers.asks_students(mentee.intake.programme)
    try:
        with transaction.atomic():
            match = Match.objects.create(
                intake_id=mentee.intake_id, mentee=mentee, mentor=mentor,
                status=Match.Status.PROPOSED if asking else Match.Status.CONFIRMED,
                source=Match.Source.MANUAL, score=score, breakdown=breakdown or {},
                confirmed_at=None if asking else timezone.now(),
                confirmed_by=user if getattr(user, "pk", None) else None,
                coordinator_note=note,
            )
            refresh_statuses([mentee.pk, mentor.pk])
            audit_matches([match], "wagtail_buddy.match_manual", user, **extra)
            if asking:
                answers.ask([match], user)
                match.refresh_from_db()
    except IntegrityError:  # paired concurrently by another coordinator
        raise DecisionError(str(_("This student already has a buddy or a proposal."))) from None
    return match


def cancel(match: Match, user, reason: str, notify: bool = True, message: str = "") -> Match:
    """Cancel an active match; the mentee waits again and the pair is never proposed again.

    ``reason`` is the coordinators' internal note (kept on the match and in the audit log,
    never emailed); ``message`` is what both students read, if they were introduced and
    ``notify`` is set.
    """
    if match.status not in Match.ACTIVE:
        raise DecisionError(str(_("Only proposed or confirmed pairs can be cancelled.")))
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError(str(_("Please give a reason.")))
    with transaction.atomic():
        # The row as it is now (a student's answer may have confirmed and introduced it).
        current = Match.objects.select_for_update(of=("self",)).filter(
            pk=match.pk, status__in=Match.ACTIVE).values("status", "introduced_at").first()
        if current is None:
            raise DecisionError(str(_("Only proposed or confirmed pairs can be cancelled.")))
        was_introduced = (current["status"] == Match.Status.CONFIRMED
                          and current["introduced_at"])
        Match.objects.filter(pk=match.pk).update(
            status=Match.Status.CANCELLED, ended_at=timezone.now(), end_reason=reason,
            locked=False)
        match.status, match.end_reason = Match.Status.CANCELLED, reason
        refresh_statuses([match.mentee_id, match.mentor_id])
        audit_matches([match], "wagtail_buddy.match_cancel", user, reason=reason)
        if notify and was_introduced:
            queue_emails(
                (person, "cancelled", str(match.pk), cancel_email_context(match, message))
                for person in (match.mentee, match.mentor)
            )
    return match


def cancel_email_context(match: Match, message: str = "") -> dict:
    """The outbox context of the cancellation email: the match and the students' message."""
    message = (message or "").strip()
    return {"match_id": match.pk, **({"message": message} if message else {})}
