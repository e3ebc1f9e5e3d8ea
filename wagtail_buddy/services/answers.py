"""The "both accept" lifecycle: ask both students, record their answers, expire, remind.

Confirming a proposal in a programme whose ``pairing_mode`` is ``both_accept`` does not
introduce the pair: the proposal stays ``proposed`` (and locked, so a re-run keeps it) with
``answers = waiting`` until ``answers_due_at``. Both accepting confirms the pair and hands it
to ``introductions``. A decline or the deadline passing rejects it, which makes the pair
forbidden for later runs (``pool.ENDED_BY_COORDINATOR``) and puts both students back in the
pool. Every write is a conditional ``UPDATE`` on the waiting state, so two answers, an answer
racing the expiry, or two clusters running the schedule change a proposal once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import BuddyProgrammePage, Match, Participant
from . import introductions
from .audit import audit_matches
from .emails import queue_emails
from .statuses import people_of, refresh_statuses

ASK, REMIND = "proposal", "proposal_reminder"
REASON_MAX = 1000


class AnswerError(Exception):
    """The answer cannot be taken; ``str(exc)`` is a translated message for the student."""


def asks_students(programme: BuddyProgrammePage) -> bool:
    """"Both accept", or "mixed" with both accept (after the buddies chose)."""
    mode, modes = programme.pairing_mode, BuddyProgrammePage.PairingMode
    return mode == modes.BOTH_ACCEPT or (mode == modes.MIXED and programme.mixed_both_accept)


def ask(matches: Sequence[Match], user, note: str = "", now: datetime | None = None) -> int:
    """Put proposals in "waiting for answers" and email both students (once per proposal)."""
    targets = [m for m in matches
               if m.status == Match.Status.PROPOSED and m.answers != Match.Answers.WAITING]
    if not targets:
        return 0
    now = now or timezone.now()
    programme = targets[0].intake.programme
    due = now + timedelta(days=programme.answer_days)
    changes = {"answers": Match.Answers.WAITING, "answers_due_at": due, "locked": True,
               "mentee_answer": "", "mentor_answer": "", "reminded_at": None,
               "confirmed_by": user if getattr(user, "pk", None) else None}
    if note:
        changes["coordinator_note"] = note
    with transaction.atomic():
        # Locked and re-read: a second coordinator confirming the same rows asks once.
        open_ids = set(Match.objects.select_for_update(of=("self",)).filter(
            pk__in=[m.pk for m in targets], status=Match.Status.PROPOSED,
        ).exclude(answers=Match.Answers.WAITING).values_list("pk", flat=True))
        targets = [m for m in targets if m.pk in open_ids]
        if not targets:
            return 0
        Match.objects.filter(pk__in=open_ids).update(**changes)
        queue_emails(
            (person, ASK, str(m.pk), {"match_id": m.pk, "links": ["answer_url"]})
            for m in targets for person in (m.mentee, m.mentor))
        audit_matches(targets, "wagtail_buddy.match_ask", user, due=due.isoformat())
    return len(targets)


def side_of(match: Match, participant: Participant) -> str | None:
    if participant.pk == match.mentee_id:
        return "mentee"
    if participant.pk == match.mentor_id:
        return "mentor"
    return None


def proposal_for(participant: Participant, match_id: int | None) -> Match | None:
    """The proposal a link names, if the participant is (still) one of its two people."""
    if not match_id:
        return None
    return (Match.objects.select_related("mentee", "mentor", "intake__programme")
            .filter(Q(mentee=participant) | Q(mentor=participant), pk=match_id).first())


def awaiting_answer(participant: Participant) -> Match | None:
    """The open proposal still waiting for this participant's own answer, if any."""
    return (Match.objects.filter(status=Match.Status.PROPOSED, answers=Match.Answers.WAITING,
                                 answers_due_at__gt=timezone.now())
            .filter(Q(mentee=participant, mentee_answer="")
                    | Q(mentor=participant, mentor_answer="")).first())


def other_profile(match: Match, participant: Participant) -> dict:
    """What a student may see of the other before accepting: never email, phone or age."""
    other = match.mentor if participant.pk == match.mentee_id else match.mentee
    mine = {i.pk for i in participant.interests.all()}
    theirs = {i.pk: str(i) for i in other.interests.all()}
    return {
        "first_name": other.first_name,
        "country": other.nationality.name if other.nationality else "",
        "university": other.home_university or other.university
        if other.role == Participant.Role.INTERNATIONAL else other.university,
        "faculty": other.faculty,
        "arrival_date": other.arrival_date,
        "languages": sorted(str(lang) for lang in other.languages.all()),
        "shared_interests": sorted(name for pk, name in theirs.items() if pk in mine),
    }


def check_answerable(match: Match | None, participant: Participant,
                     now: datetime | None = None) -> str:
    """The participant's side of a proposal still open to their answer, or ``AnswerError``."""
    now = now or timezone.now()
    side = side_of(match, participant) if match else None
    if side is None:
        raise AnswerError(str(_("You are no longer part of this proposal.")))
    if match.answers in (Match.Answers.DECLINED, Match.Answers.EXPIRED) or (
            match.answers == Match.Answers.WAITING and match.answers_due_at
            and match.answers_due_at <= now):
        raise AnswerError(str(_("This proposal has ended: it is no longer open to answers.")))
    if match.answers != Match.Answers.WAITING or match.status != Match.Status.PROPOSED:
        raise AnswerError(str(_("This proposal is not waiting for your answer.")))
    if getattr(match, f"{side}_answer"):
        raise AnswerError(str(_("You have already answered this proposal.")))
    return side


def answer(match_id: int, participant: Participant, accept: bool, reason: str = "",
           now: datetime | None = None) -> Match:
    """Record one student's answer; both accepted -> confirmed and introduced."""
    now = now or timezone.now()
    with transaction.atomic():
        match = (Match.objects.select_for_update(of=("self",))
                 .select_related("intake__programme", "mentee", "mentor")
                 .filter(pk=match_id).first())
        side = check_answerable(match, participant, now)
        value = Match.Answer.ACCEPTED if accept else Match.Answer.DECLINED
        setattr(match, f"{side}_answer", value)
        if not accept:
            reason = (reason or "").strip()[:REASON_MAX]
            _end(match, Match.Answers.DECLINED, now, reason)
            audit_matches([match], "wagtail_buddy.match_decline", None, side=side,
                          **({"reason": reason} if reason else {}))
            return match
        Match.objects.filter(pk=match.pk).update(**{f"{side}_answer": value})
        audit_matches([match], "wagtail_buddy.match_accept", None, side=side)
        if match.mentee_answer == match.mentor_answer == Match.Answer.ACCEPTED:
            _both_accepted(match, now)
    return match


def _both_accepted(match: Match, now: datetime) -> None:
    Match.objects.filter(pk=match.pk).update(
        status=Match.Status.CONFIRMED, answers=Match.Answers.ACCEPTED, confirmed_at=now)
    match.status, match.answers, match.confirmed_at = (
        Match.Status.CONFIRMED, Match.Answers.ACCEPTED, now)
    refresh_statuses(people_of([match]))
    audit_matches([match], "wagtail_buddy.match_confirm", None, by="students")
    introductions.send([match], None)


def _end(match: Match, outcome: str, now: datetime, reason: str = "") -> None:
    """Reject the proposal: the pair is forbidden from now on, both students wait again."""
    Match.objects.filter(pk=match.pk).update(
        status=Match.Status.REJECTED, answers=outcome, locked=False, ended_at=now,
        end_reason=reason, mentee_answer=match.mentee_answer,
        mentor_answer=match.mentor_answer)
    match.status, match.answers, match.end_reason = Match.Status.REJECTED, outcome, reason
    refresh_statuses(people_of([match]))
    _mark_left_over(match, outcome, now)


def _mark_left_over(match: Match, outcome: str, now: datetime) -> None:
    """The student who did not end the proposal (the other side of a decline, whoever had
    accepted when it expired) goes first: an international student in the next run and on
    the waiting list, a buddy in the suggestions. Only if they are back to waiting (a buddy
    with another confirmed student is not), so the mark is spent when they are matched."""
    innocent = [getattr(match, f"{side}_id") for side in ("mentee", "mentor")
                if getattr(match, f"{side}_answer") != Match.Answer.DECLINED
                and (outcome == Match.Answers.DECLINED
                     or getattr(match, f"{side}_answer") == Match.Answer.ACCEPTED)]
    Participant.objects.filter(pk__in=innocent, left_over_at__isnull=True,
                               status=Participant.Status.WAITING).update(left_over_at=now)


def expire_and_remind(now: datetime | None = None) -> dict[str, int]:
    """The schedule's work: end overdue proposals, remind once the day before the deadline
    (12 hours before it when students have a single day).

    Rows are taken with ``select_for_update(skip_locked=True)`` and changed with conditional
    updates, so a second cluster running at the same time skips them instead of acting twice.
    """
    now = now or timezone.now()
    waiting = Match.objects.filter(status=Match.Status.PROPOSED, answers=Match.Answers.WAITING)
    expired = 0
    with transaction.atomic():
        overdue = list(waiting.filter(answers_due_at__lte=now)
                       .select_for_update(skip_locked=True, of=("self",)))
        for match in overdue:
            _end(match, Match.Answers.EXPIRED, now)
        if overdue:
            audit_matches(overdue, "wagtail_buddy.match_expire", None)
        expired = len(overdue)
    with transaction.atomic():
        due_soon = list(
            waiting.filter(answers_due_at__gt=now, answers_due_at__lte=now + timedelta(days=1),
                           reminded_at__isnull=True)
            # A one-day deadline is reminded half-way, not minutes after the question.
            .filter(Q(intake__programme__answer_days__gt=1)
                    | Q(answers_due_at__lte=now + timedelta(hours=12)))
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("mentee", "mentor"))
        if due_soon:
            Match.objects.filter(pk__in=[m.pk for m in due_soon]).update(reminded_at=now)
            queue_emails(
                (person, REMIND, str(m.pk), {"match_id": m.pk, "links": ["answer_url"]})
                for m in due_soon
                for person, mine in ((m.mentee, m.mentee_answer), (m.mentor, m.mentor_answer))
                if not mine)
            audit_matches(due_soon, "wagtail_buddy.match_remind", None)
    return {"expired": expired, "reminded": len(due_soon)}


def counts(intake) -> dict[str, int]:
    """Waiting / declined / expired proposals of an intake (one query), for the admin."""
    rows = (Match.objects.filter(intake=intake)
            .filter(Q(answers__in=[Match.Answers.DECLINED, Match.Answers.EXPIRED])
                    | Q(answers=Match.Answers.WAITING, status=Match.Status.PROPOSED))
            .order_by().values_list("answers").annotate(n=Count("pk")))
    return {state: 0 for state in ("waiting", "declined", "expired")} | dict(rows)

