"""Scheduled housekeeping: remind, purge and retire personal data, all in bulk.

Each function returns how many participants it touched (or would touch, with
``dry_run=True``), so the schedules' results and ``buddy_purge --dry-run`` report figures.
Retention deletes participants (their matches, check-ins and emails go with them) after
saving an ``IntakeStats`` snapshot of aggregate counts: nothing personal survives, the
section's yearly report still has its numbers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Avg, Count, QuerySet
from django.utils import timezone

from ..conf import buddy_settings
from ..models import (
    CheckIn,
    Feedback,
    ImportUpload,
    Intake,
    IntakeStats,
    Match,
    OutboundEmail,
    Participant,
)
from .emails import queue_emails
from .queue import Schedule, Task, schedule_kwargs
from .tokens import confirmation_url, invitation_url

logger = logging.getLogger(__name__)

REMINDER_PURPOSE = "confirm_reminder"
UPLOAD_KEPT = timedelta(days=1)
INVITATION_REMINDER_PURPOSE = "invitation_reminder"
# Sign-ups nobody confirmed and imported people who did not accept their invitation: both
# reminded once, both purged after UNCONFIRMED_PURGE_DAYS (no consent to keep them).
NOT_CONFIRMED = (Participant.Status.UNCONFIRMED, Participant.Status.INVITED)


def reminder_candidates(now=None) -> QuerySet:
    """Unconfirmed sign-ups older than the reminder delay that were never reminded."""
    now = now or timezone.now()
    return Participant.objects.filter(
        status__in=NOT_CONFIRMED, confirmed_at__isnull=True,
        reminder_sent_at__isnull=True,
        created_at__lte=now - timedelta(days=buddy_settings.UNCONFIRMED_REMINDER_DAYS),
        created_at__gt=now - timedelta(days=buddy_settings.UNCONFIRMED_PURGE_DAYS),
    )


def remind_unconfirmed(dry_run: bool = False, now=None) -> int:
    """Send one 'confirm_reminder' email to each sign-up still unconfirmed after N days."""
    now = now or timezone.now()
    if dry_run:
        return reminder_candidates(now).count()
    with transaction.atomic():
        # skip_locked: two overlapping schedule runs (two clusters) remind each one once.
        candidates = list(
            reminder_candidates(now).select_for_update(skip_locked=True, of=("self",))
            .select_related("intake__programme")
        )
        if not candidates:
            return 0
        queue_emails(  # page URLs are resolved once per programme and language
            (p, INVITATION_REMINDER_PURPOSE, "", {"invite_url": invitation_url(p)})
            if p.status == Participant.Status.INVITED
            else (p, REMINDER_PURPOSE, "", {"confirm_url": confirmation_url(p)})
            for p in candidates
        )
        Participant.objects.filter(pk__in=[p.pk for p in candidates]).update(
            reminder_sent_at=now
        )
    logger.info("Reminded %s unconfirmed sign-up(s)", len(candidates))
    return len(candidates)


def unconfirmed_to_purge(now=None) -> QuerySet:
    now = now or timezone.now()
    return Participant.objects.filter(
        status__in=NOT_CONFIRMED, confirmed_at__isnull=True,
        created_at__lt=now - timedelta(days=buddy_settings.UNCONFIRMED_PURGE_DAYS),
    )


def purge_unconfirmed(dry_run: bool = False, now=None) -> int:
    """Delete sign-ups never confirmed within N days: we never had a valid consent to keep."""
    queryset = unconfirmed_to_purge(now)
    if dry_run:
        return queryset.count()
    with transaction.atomic():
        deleted = _delete_participants(queryset)
        # Spreadsheets uploaded for an import and left there: personal data, a day at most.
        ImportUpload.objects.filter(
            created_at__lt=(now or timezone.now()) - UPLOAD_KEPT).delete()
    if deleted:
        logger.info("Purged %s unconfirmed sign-up(s)", deleted)
    return deleted


def _delete_participants(queryset: QuerySet) -> int:
    """Delete participants and everything hanging off them; returns the participant count."""
    ids = list(queryset.values_list("pk", flat=True))
    if not ids:
        return 0
    _, per_model = Participant.objects.filter(pk__in=ids).delete()
    return per_model.get(Participant._meta.label, 0)


def intakes_past_retention(now=None) -> QuerySet:
    """Intakes that ended more than RETENTION_DAYS ago and still hold participants."""
    today = timezone.localdate(now or timezone.now())
    cutoff = today - timedelta(days=buddy_settings.RETENTION_DAYS)
    return Intake.objects.filter(ends_on__lt=cutoff, participants__isnull=False).distinct()


@dataclass
class RetentionItem:
    intake: Intake
    participants: int
    matches: int = 0
    checkins: int = 0
    emails: int = 0
    feedback: int = 0  # answers given (an unanswered request holds no personal answer)


@dataclass
class RetentionPlan:
    items: list[RetentionItem] = field(default_factory=list)

    @property
    def participants(self) -> int:
        return sum(item.participants for item in self.items)


def retention_plan(now=None) -> RetentionPlan:
    """What ``apply_retention`` would delete, per intake, with grouped counts (6 queries)."""
    intakes = list(intakes_past_retention(now).select_related("programme").order_by("ends_on"))
    ids = [i.pk for i in intakes]

    def per_intake(qs, key: str) -> dict[int, int]:
        return dict(qs.filter(**{f"{key}__in": ids}).order_by().values_list(key)
                    .annotate(n=Count("pk")).values_list(key, "n"))

    people = per_intake(Participant.objects, "intake_id")
    matches = per_intake(Match.objects, "intake_id")
    checkins = per_intake(CheckIn.objects, "participant__intake_id")
    emails = per_intake(OutboundEmail.objects, "participant__intake_id")
    feedback = per_intake(Feedback.objects.filter(answered_at__isnull=False),
                          "participant__intake_id")
    return RetentionPlan([
        RetentionItem(i, people.get(i.pk, 0), matches.get(i.pk, 0), checkins.get(i.pk, 0),
                      emails.get(i.pk, 0), feedback.get(i.pk, 0))
        for i in intakes
    ])


def intake_counts(intake: Intake) -> dict:
    """Aggregate, non-identifying figures of one intake (a handful of GROUP BY queries)."""
    participants = Participant.objects.filter(intake=intake).order_by()
    by_role_status: dict[str, dict[str, int]] = {}
    for role, status, n in participants.values_list("role", "status").annotate(n=Count("pk")):
        by_role_status.setdefault(role, {})[status] = n
    nationalities = dict(
        participants.filter(role=Participant.Role.INTERNATIONAL).values_list("nationality")
        .annotate(n=Count("pk")).values_list("nationality", "n")
    )
    matches = Match.objects.filter(intake=intake).order_by()
    match_status = dict(matches.values_list("status").annotate(n=Count("pk")).values_list(
        "status", "n"))
    score = matches.filter(status__in=[Match.Status.CONFIRMED, Match.Status.ENDED]).aggregate(
        avg=Avg("score"))["avg"]
    checkins = CheckIn.objects.filter(match__intake=intake).order_by()
    answers = dict(checkins.exclude(answer="").values_list("answer").annotate(
        n=Count("pk")).values_list("answer", "n"))
    rating = checkins.aggregate(avg=Avg("rating"))["avg"]
    feedback = Feedback.objects.filter(match__intake=intake, answered_at__isnull=False
                                       ).order_by()
    feedback_met = dict(feedback.values_list("met").annotate(n=Count("pk")).values_list(
        "met", "n"))
    overall = feedback.aggregate(avg=Avg("overall"))["avg"]
    return {
        "participants": {role: sum(v.values()) for role, v in by_role_status.items()},
        "participants_by_status": by_role_status,
        "nationalities": nationalities,
        "matches_by_status": match_status,
        "average_match_score": round(score, 4) if score is not None else None,
        "checkin_answers": answers,
        "average_checkin_rating": round(rating, 2) if rating is not None else None,
        "feedback_met": feedback_met,
        "average_feedback_overall": round(overall, 2) if overall is not None else None,
    }


def merge_counts(old: dict, new: dict) -> dict:
    """Sum two count snapshots (a late straggler purged after the first snapshot)."""
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, dict):
            merged[key] = merge_counts(old.get(key) or {}, value)
        elif isinstance(value, int) and isinstance(old.get(key), int):
            merged[key] = old[key] + value
        elif key not in old or old[key] is None:
            merged[key] = value
    return merged


def apply_retention(dry_run: bool = False, now=None) -> int:
    """Delete the personal data of intakes past retention, keeping an aggregate snapshot."""
    now = now or timezone.now()
    if dry_run:
        return retention_plan(now).participants
    total = 0
    for intake in intakes_past_retention(now):
        with transaction.atomic():
            counts = intake_counts(intake)
            stats, created = IntakeStats.objects.select_for_update().get_or_create(
                intake=intake, defaults={"counts": counts}
            )
            if not created:
                stats.counts = merge_counts(stats.counts, counts)
            stats.personal_data_deleted_at = now
            stats.save()
            deleted = _delete_participants(Participant.objects.filter(intake=intake))
        logger.info("Retention: deleted %s participant(s) of intake %s", deleted, intake.pk)
        total += deleted
    return total


# --- django-q2 schedules -------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    schedule_type: str  # django_q.models.Schedule.MINUTES / HOURLY / DAILY
    minutes: int | None = None

    def describe(self) -> str:
        if self.schedule_type == "I":
            return f"every {self.minutes} min"
        return {"H": "hourly", "D": "daily"}.get(self.schedule_type, self.schedule_type)


SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec("wagtail-buddy: check-in emails", "wagtail_buddy.tasks.send_due_checkins", "D"),
    ScheduleSpec("wagtail-buddy: end-of-semester feedback emails",
                 "wagtail_buddy.tasks.send_due_feedback", "D"),
    ScheduleSpec("wagtail-buddy: confirmation reminders",
                 "wagtail_buddy.tasks.remind_unconfirmed", "H"),
    ScheduleSpec("wagtail-buddy: purge unconfirmed sign-ups",
                 "wagtail_buddy.tasks.purge_unconfirmed", "D"),
    ScheduleSpec("wagtail-buddy: retention", "wagtail_buddy.tasks.apply_retention", "D"),
    ScheduleSpec("wagtail-buddy: fail stuck matching runs",
                 "wagtail_buddy.tasks.fail_stuck_runs", "I", 1),
    ScheduleSpec("wagtail-buddy: proposal answers (expire, remind)",
                 "wagtail_buddy.tasks.expire_and_remind_answers", "I", 15),
    ScheduleSpec("wagtail-buddy: email outbox sweep",
                 "wagtail_buddy.tasks.flush_outbox", "I", 5),
)


def ensure_schedules() -> tuple[int, int]:
    """Create or update the schedules by name; returns (created, updated). Idempotent."""
    kwargs = schedule_kwargs()
    created = updated = 0
    with transaction.atomic():
        existing = {s.name: s for s in Schedule.objects.select_for_update().filter(
            name__in=[spec.name for spec in SCHEDULES])}
        for spec in SCHEDULES:
            wanted = {"func": spec.func, "schedule_type": spec.schedule_type,
                      "minutes": spec.minutes, "repeats": -1, "kwargs": kwargs}
            schedule = existing.get(spec.name)
            if schedule is None:
                Schedule.objects.create(name=spec.name, next_run=timezone.now(), **wanted)
                created += 1
            elif any(getattr(schedule, k) != v for k, v in wanted.items()):
                for key, value in wanted.items():
                    setattr(schedule, key, value)
                schedule.save()
                updated += 1
    return created, updated


def remove_schedules() -> tuple[int, int]:
    """For removing the app: its schedules and the results of its finished tasks (which
    name participants and runs); the site's own django-q2 rows stay. Returns both counts."""
    schedules = Schedule.objects.filter(name__in=[spec.name for spec in SCHEDULES]).delete()[0]
    return schedules, Task.objects.filter(func__startswith="wagtail_buddy.").delete()[0]
