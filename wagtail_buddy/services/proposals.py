"""What a coordinator does with pairs: confirm, reject, lock, swap, pair by hand, cancel.

Every change is written in bulk, recomputes the statuses of the people involved
(``refresh_statuses``) and is recorded in Wagtail's audit log (``audit``), so the
participant's history shows who did what and when.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import BuddyLogEntry, Intake, Match, Participant


class ProposalError(Exception):
    """An action on a pair is not possible; ``str(exc)`` is a translated message."""


# --------------------------------------------------------------------------- audit log


def audit(instances: Iterable, action: str, user=None, data: dict | None = None) -> int:
    """Record ``action`` for each instance in the buddy audit log with one insert.

    Labels are ``"<model> #<pk>"``, never a name, so the log keeps no personal data once
    retention has anonymised the participant. Each entry carries its programme, so only
    that programme's coordinators see it (``models.audit``).
    """
    from wagtail.log_actions import log
    from wagtail.models import Page

    instances = list(instances)
    if not instances:
        return 0
    batch = uuid.uuid4()
    now = timezone.now()
    user_id = getattr(user, "pk", None)
    programmes = _programme_ids(instances)
    rows = []
    for instance in instances:
        if isinstance(instance, Page):  # pages have their own log model
            log(instance, action, user=user, data=data or {}, uuid=batch)
            continue
        content_type = ContentType.objects.get_for_model(instance, for_concrete_model=False)
        rows.append(BuddyLogEntry(
            content_type=content_type, label=f"{instance._meta.verbose_name} #{instance.pk}",
            action=action, timestamp=now, data=data or {}, uuid=batch, user_id=user_id,
            object_id=str(instance.pk), programme_id=programmes.get(id(instance)),
        ))
    BuddyLogEntry.objects.bulk_create(rows, batch_size=500)
    return len(instances)


def _programme_ids(instances: list) -> dict[int, int | None]:
    """id(instance) -> its programme's pk, from ``programme_id`` or ``intake_id`` (1 query)."""
    intake_ids = {getattr(i, "intake_id", None) for i in instances} - {None}
    by_intake = dict(Intake.objects.filter(pk__in=intake_ids).values_list("pk", "programme_id"))
    return {id(i): getattr(i, "programme_id", None) or by_intake.get(getattr(i, "intake_id", None))
            for i in instances}


def audit_matches(matches: Sequence[Match], action: str, user, **data) -> None:
    """Log ``action`` on the matches and on both people of each (their history shows it)."""
    people = [Participant(pk=pk, intake_id=m.intake_id)
              for m in matches for pk in (m.mentee_id, m.mentor_id)]
    for match in matches:
        audit([match], action, user, data={"match": match.pk, "mentee": match.mentee_id,
                                           "mentor": match.mentor_id, **data})
    audit(people, action, user, data={"matches": [m.pk for m in matches], **data})


# --------------------------------------------------------------------------- statuses


def refresh_statuses(participant_ids: Iterable[int]) -> None:
    """Recompute waiting/proposed/matched from the active matches (3 queries + updates).

    Matched if the person has a confirmed match, proposed if only proposals, waiting
    otherwise. Withdrawn, ended and unconfirmed people are left alone.
    """
    ids = list(set(participant_ids))
    if not ids:
        return
    movable = [Participant.Status.WAITING, Participant.Status.PROPOSED,
               Participant.Status.MATCHED]
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        rows = (
            Participant.objects.filter(pk__in=chunk, status__in=movable)
            .annotate(
                confirmed=Count("pk", filter=Q(mentor_matches__status=Match.Status.CONFIRMED))
                + Count("pk", filter=Q(mentee_matches__status=Match.Status.CONFIRMED)),
                proposed=Count("pk", filter=Q(mentor_matches__status=Match.Status.PROPOSED))
                + Count("pk", filter=Q(mentee_matches__status=Match.Status.PROPOSED)),
            )
            .values_list("pk", "status", "confirmed", "proposed")
        )
        target: dict[str, list[int]] = {s: [] for s in movable}
        for pk, status, confirmed, proposed in rows:
            new = (Participant.Status.MATCHED if confirmed else
                   Participant.Status.PROPOSED if proposed else Participant.Status.WAITING)
            if new != status:
                target[new].append(pk)
        for status, pks in target.items():
            if pks:
                Participant.objects.filter(pk__in=pks).update(
                    status=status, updated_at=timezone.now())


def _people(matches: Iterable[Match]) -> list[int]:
    return [pk for m in matches for pk in (m.mentee_id, m.mentor_id)]


# --------------------------------------------------------------------------- actions


def confirm(matches: Sequence[Match], user, note: str = "") -> int:
    """Confirm proposed matches (the introduction email can then go out)."""
    targets = [m for m in matches if m.status == Match.Status.PROPOSED]
    if not targets:
        return 0
    now = timezone.now()
    changes = {"status": Match.Status.CONFIRMED, "confirmed_at": now,
               "confirmed_by": user if getattr(user, "pk", None) else None}
    if note:
        changes["coordinator_note"] = note
    with transaction.atomic():
        Match.objects.filter(pk__in=[m.pk for m in targets],
                             status=Match.Status.PROPOSED).update(**changes)
        refresh_statuses(_people(targets))
        audit_matches(targets, "wagtail_buddy.match_confirm", user)
    return len(targets)


def reject(matches: Sequence[Match], user) -> int:
    """Reject proposals: the pair becomes forbidden for later runs; the mentee waits again."""
    targets = [m for m in matches if m.status == Match.Status.PROPOSED]
    if not targets:
        return 0
    with transaction.atomic():
        Match.objects.filter(pk__in=[m.pk for m in targets]).update(
            status=Match.Status.REJECTED, locked=False, ended_at=timezone.now())
        refresh_statuses(_people(targets))
        audit_matches(targets, "wagtail_buddy.match_reject", user)
    return len(targets)


def set_locked(matches: Sequence[Match], user, locked: bool = True) -> int:
    """Lock proposals so re-running keeps them (or unlock them)."""
    targets = [m for m in matches if m.status == Match.Status.PROPOSED and m.locked != locked]
    if not targets:
        return 0
    with transaction.atomic():
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
        raise ProposalError(str(_("A pair is one international student and one local buddy.")))
    if mentor.intake_id != mentee.intake_id:
        raise ProposalError(str(_("Both people must belong to the same intake.")))
    if mentor.status in (Participant.Status.WITHDRAWN, Participant.Status.ENDED,
                         Participant.Status.UNCONFIRMED, Participant.Status.INVITED):
        raise ProposalError(str(_("This buddy is not available (withdrawn or unconfirmed).")))
    if not override and Match.objects.filter(
            mentee=mentee, mentor=mentor,
            status__in=(Match.Status.REJECTED, Match.Status.CANCELLED)).exists():
        raise ProposalError(str(_("This pair was rejected or cancelled before.")))
    active = Match.objects.filter(mentor=mentor, status__in=Match.ACTIVE).count()
    if active >= mentor.capacity:
        raise ProposalError(str(_("This buddy has no spare capacity left.")))


def swap(match: Match, mentor: Participant, user, score: float = 0.0,
         breakdown: dict | None = None) -> Match:
    """Give a proposed match another mentor (chosen among the ranked alternatives)."""
    if match.status != Match.Status.PROPOSED:
        raise ProposalError(str(_("Only proposed pairs can be swapped.")))
    if mentor.pk == match.mentor_id:
        raise ProposalError(str(_("This is already the pair's buddy.")))
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

    ``override_reason`` pairs them although a hard rule blocks the pair or a coordinator
    ended it before; the reason is recorded in the audit log.
    """
    if Match.objects.filter(mentee=mentee, status__in=Match.ACTIVE).exists():
        raise ProposalError(str(_("This student already has a buddy or a proposal.")))
    if mentee.status not in (Participant.Status.WAITING, Participant.Status.PROPOSED):
        raise ProposalError(str(_("This student is not waiting for a buddy.")))
    override_reason = (override_reason or "").strip()
    _check_mentor(mentee, mentor, override=bool(override_reason))
    extra = {"override_reason": override_reason} if override_reason else {}
    try:
        with transaction.atomic():
            match = Match.objects.create(
                intake_id=mentee.intake_id, mentee=mentee, mentor=mentor,
                status=Match.Status.CONFIRMED, source=Match.Source.MANUAL, score=score,
                breakdown=breakdown or {}, confirmed_at=timezone.now(),
                confirmed_by=user if getattr(user, "pk", None) else None,
                coordinator_note=note,
            )
            refresh_statuses([mentee.pk, mentor.pk])
            audit_matches([match], "wagtail_buddy.match_manual", user, **extra)
    except IntegrityError:  # paired concurrently by another coordinator
        raise ProposalError(str(_("This student already has a buddy or a proposal."))) from None
    return match


def cancel(match: Match, user, reason: str, notify: bool = True, message: str = "") -> Match:
    """Cancel an active match; the mentee waits again and the pair is never proposed again.

    ``reason`` is the coordinators' internal note (kept on the match and in the audit log,
    never emailed); ``message`` is what both students read, if they were introduced and
    ``notify`` is set.
    """
    if match.status not in Match.ACTIVE:
        raise ProposalError(str(_("Only proposed or confirmed pairs can be cancelled.")))
    reason = (reason or "").strip()
    if not reason:
        raise ProposalError(str(_("Please give a reason.")))
    was_introduced = match.status == Match.Status.CONFIRMED and match.introduced_at
    with transaction.atomic():
        Match.objects.filter(pk=match.pk).update(
            status=Match.Status.CANCELLED, ended_at=timezone.now(), end_reason=reason,
            locked=False)
        match.status, match.end_reason = Match.Status.CANCELLED, reason
        refresh_statuses([match.mentee_id, match.mentor_id])
        audit_matches([match], "wagtail_buddy.match_cancel", user, reason=reason)
        if notify and was_introduced:
            from .emails import queue_emails

            queue_emails(
                (person, "cancelled", str(match.pk), cancel_email_context(match, message))
                for person in (match.mentee, match.mentor)
            )
    return match


def cancel_email_context(match: Match, message: str = "") -> dict:
    """The outbox context of the cancellation email: the match and the students' message."""
    message = (message or "").strip()
    return {"match_id": match.pk, **({"message": message} if message else {})}


# --------------------------------------------------------------------------- participants


def confirm_emails(participants: Sequence[Participant], user) -> int:
    """Confirm unconfirmed sign-ups by hand (a student lost the email): they start waiting."""
    targets = [p for p in participants if p.status == Participant.Status.UNCONFIRMED]
    if not targets:
        return 0
    now = timezone.now()
    with transaction.atomic():
        Participant.objects.filter(pk__in=[p.pk for p in targets],
                                   status=Participant.Status.UNCONFIRMED).update(
            status=Participant.Status.WAITING, confirmed_at=now, updated_at=now)
        audit(targets, "wagtail_buddy.participant_confirm_email", user)
    return len(targets)


def move_intake(participants: Sequence[Participant], intake, user) -> tuple[int, int]:
    """Move people without an open match to ``intake``; returns ``(moved, skipped)``.

    Skipped: people in an open match, and people already signed up there with the same
    email and role.
    """
    from django.db.models.functions import Lower

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
