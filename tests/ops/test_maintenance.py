"""Reminders, purges, retention and the schedules that run them."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from tests.conftest import make_participant, make_programme
from wagtail_buddy import tasks
from wagtail_buddy.models import (
    CheckIn,
    Feedback,
    Intake,
    IntakeStats,
    Match,
    OutboundEmail,
    Participant,
)
from wagtail_buddy.services import maintenance
from wagtail_buddy.services.emails import queue_email

UNCONFIRMED = Participant.Status.UNCONFIRMED


def aged(participant: Participant, days: float) -> Participant:
    """Pretend ``participant`` signed up ``days`` ago (created_at is auto_now_add)."""
    created = timezone.now() - timedelta(days=days)
    Participant.objects.filter(pk=participant.pk).update(created_at=created)
    participant.created_at = created
    return participant


def unconfirmed(factory, days: float, **fields) -> Participant:
    return aged(factory(status=UNCONFIRMED, confirmed_at=None, **fields), days)


@pytest.fixture
def signups(participant_factory):
    return {
        "due": unconfirmed(participant_factory, 3),
        "too_recent": unconfirmed(participant_factory, 1),
        "already_reminded": unconfirmed(participant_factory, 3,
                                        reminder_sent_at=timezone.now()),
        "to_purge": unconfirmed(participant_factory, 8),
        "confirmed": aged(participant_factory(), 30),
    }


def test_remind_unconfirmed_once(signups, settings):
    from wagtail_buddy.services.tokens import confirmation_url

    assert maintenance.remind_unconfirmed(dry_run=True) == 1
    assert not OutboundEmail.objects.exists()
    assert maintenance.remind_unconfirmed() == 1
    email = OutboundEmail.objects.get()
    due = signups["due"]
    assert (email.participant_id, email.purpose) == (due.pk, "confirm_reminder")
    assert email.context == {"confirm_url": confirmation_url(due)}
    due.refresh_from_db()
    assert due.reminder_sent_at is not None
    # Once only, however often the hourly schedule runs.
    assert tasks.remind_unconfirmed() == 0
    assert OutboundEmail.objects.count() == 1


def test_reminder_template_renders(signups):
    """The student journey's 'confirm_reminder' template renders with our context."""
    from wagtail_buddy.services.email_rendering import render_email

    maintenance.remind_unconfirmed()
    message = render_email(OutboundEmail.objects.get())
    assert message.to == [signups["due"].email]
    assert OutboundEmail.objects.get().context["confirm_url"] in message.body


def test_purge_unconfirmed(signups, settings):
    queue_email(signups["to_purge"], "confirm", context={})
    assert maintenance.purge_unconfirmed(dry_run=True) == 1
    assert Participant.objects.filter(pk=signups["to_purge"].pk).exists()
    assert tasks.purge_unconfirmed() == 1
    remaining = set(Participant.objects.values_list("pk", flat=True))
    assert remaining == {p.pk for k, p in signups.items() if k != "to_purge"}
    assert not OutboundEmail.objects.exists()  # its emails went with it
    settings.WAGTAIL_BUDDY_UNCONFIRMED_PURGE_DAYS = 2
    assert maintenance.purge_unconfirmed() == 2  # "due" and "already_reminded"


@pytest.fixture
def old_intake(programme):
    today = timezone.localdate()
    return Intake.objects.create(
        programme=programme, name="Spring 2024", starts_on=today - timedelta(days=560),
        ends_on=today - timedelta(days=400), signup_open=False,
    )


@pytest.fixture
def old_people(old_intake, interests):
    mentees = [make_participant(old_intake, "international", nationality=c,
                                interests=interests[:2], status="matched")
               for c in ("ES", "ES", "IT")]
    mentor = make_participant(old_intake, "local", capacity=3, status="matched")
    withdrawn = make_participant(old_intake, "international", nationality="DE",
                                 status="withdrawn")
    matches = [Match.objects.create(intake=old_intake, mentee=m, mentor=mentor,
                                    status="confirmed", score=s)
               for m, s in zip(mentees, (0.5, 0.7, 0.9), strict=True)]
    CheckIn.objects.create(match=matches[0], participant=mentees[0], answer="met", rating=5)
    CheckIn.objects.create(match=matches[1], participant=mentees[1], answer="met", rating=4)
    CheckIn.objects.create(match=matches[2], participant=mentor, answer="no_contact")
    queue_email(mentees[0], "introduction", context={"match_id": matches[0].pk})
    # Two feedback answers and one request never answered (no answer to delete).
    Feedback.objects.create(match=matches[0], participant=mentees[0], met="yes", overall=5,
                            answered_at=timezone.now())
    Feedback.objects.create(match=matches[0], participant=mentor, met="yes", overall=4,
                            comment="<b>great</b>", answered_at=timezone.now())
    Feedback.objects.create(match=matches[1], participant=mentees[1], sent_at=timezone.now())
    return [*mentees, mentor, withdrawn]


def test_apply_retention(old_intake, old_people, intake, participant_factory):
    current = participant_factory()
    plan = maintenance.retention_plan()
    assert [(i.intake, i.participants, i.matches, i.checkins, i.feedback, i.emails)
            for i in plan.items] == [(old_intake, 5, 3, 3, 2, 1)]
    assert maintenance.apply_retention(dry_run=True) == 5
    assert Participant.objects.filter(intake=old_intake).count() == 5

    assert tasks.apply_retention() == 5
    assert not Participant.objects.filter(intake=old_intake).exists()
    assert not Match.objects.filter(intake=old_intake).exists()
    assert not CheckIn.objects.exists() and not OutboundEmail.objects.exists()
    assert not Feedback.objects.exists()
    assert list(Participant.objects.values_list("pk", flat=True)) == [current.pk]
    stats = IntakeStats.objects.get(intake=old_intake)
    assert stats.personal_data_deleted_at is not None
    assert stats.counts == {
        "participants": {"international": 4, "local": 1},
        "participants_by_status": {"international": {"matched": 3, "withdrawn": 1},
                                   "local": {"matched": 1}},
        "nationalities": {"ES": 2, "IT": 1, "DE": 1},
        "matches_by_status": {"confirmed": 3},
        "average_match_score": 0.7,
        "checkin_answers": {"met": 2, "no_contact": 1},
        "average_checkin_rating": 4.5,
        "feedback_met": {"yes": 2},
        "average_feedback_overall": 4.5,
    }
    assert maintenance.apply_retention() == 0  # nothing left to do


def test_retention_merges_a_late_straggler(old_intake, old_people):
    maintenance.apply_retention()
    make_participant(old_intake, "international", nationality="ES", status="waiting")
    assert maintenance.apply_retention() == 1
    counts = IntakeStats.objects.get(intake=old_intake).counts
    assert counts["participants"] == {"international": 5, "local": 1}
    assert counts["nationalities"]["ES"] == 3
    assert counts["participants_by_status"]["international"]["waiting"] == 1


def test_retention_days_setting(old_intake, old_people, settings):
    settings.WAGTAIL_BUDDY_RETENTION_DAYS = 500
    assert maintenance.apply_retention() == 0
    settings.WAGTAIL_BUDDY_RETENTION_DAYS = 30
    assert maintenance.apply_retention() == 5


def test_retention_is_per_programme_intake(home_page, old_intake, old_people):
    other = make_programme(home_page, "Other")
    recent = Intake.objects.create(programme=other, name="Autumn", starts_on=date(2026, 9, 1),
                                   ends_on=timezone.localdate() - timedelta(days=10))
    keep = make_participant(recent)
    assert maintenance.apply_retention() == 5
    assert Participant.objects.filter(pk=keep.pk).exists()


def test_buddy_purge_dry_run_and_real(signups, old_intake, old_people):
    out = StringIO()
    call_command("buddy_purge", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Would delete 1 unconfirmed sign-up(s) older than 7 day(s)." in text
    assert "Would delete the personal data of intake “Spring 2024”" in text
    assert ("5 participant(s), 3 match(es), 3 check-in(s), 2 feedback answer(s), 1 email(s)"
            in text)
    assert "Dry run: nothing was changed." in text
    assert Participant.objects.count() == 10

    out = StringIO()
    call_command("buddy_purge", stdout=out)
    assert "Deleted 1 unconfirmed sign-up(s) and 5 participant(s) past retention." \
        in out.getvalue()
    assert Participant.objects.count() == 4
    out = StringIO()
    call_command("buddy_purge", "--dry-run", stdout=out)
    assert "Would delete 0 unconfirmed" in out.getvalue()
    assert "No intake is past its retention period." in out.getvalue()


def test_buddy_schedules_is_idempotent(db, settings):
    out = StringIO()
    call_command("buddy_schedules", stdout=out)
    assert "8 schedule(s) created, 0 updated." in out.getvalue()
    schedules = {s.name: s for s in Schedule.objects.all()}
    assert {s.func for s in schedules.values()} == {
        "wagtail_buddy.tasks.send_due_checkins", "wagtail_buddy.tasks.remind_unconfirmed",
        "wagtail_buddy.tasks.purge_unconfirmed", "wagtail_buddy.tasks.apply_retention",
        "wagtail_buddy.tasks.fail_stuck_runs", "wagtail_buddy.tasks.flush_outbox",
        "wagtail_buddy.tasks.expire_and_remind_answers", "wagtail_buddy.tasks.send_due_feedback",
    }
    stuck = schedules["wagtail-buddy: fail stuck matching runs"]
    assert (stuck.schedule_type, stuck.minutes, stuck.repeats) == (Schedule.MINUTES, 1, -1)
    assert schedules["wagtail-buddy: confirmation reminders"].schedule_type == Schedule.HOURLY
    assert schedules["wagtail-buddy: retention"].schedule_type == Schedule.DAILY

    # A second deploy changes nothing and keeps the pending next runs.
    later = timezone.now() + timedelta(hours=5)
    Schedule.objects.filter(name="wagtail-buddy: retention").update(next_run=later)
    out = StringIO()
    call_command("buddy_schedules", stdout=out)
    assert "0 schedule(s) created, 0 updated." in out.getvalue()
    assert Schedule.objects.count() == 8
    assert Schedule.objects.get(name="wagtail-buddy: retention").next_run == later

    # A hand-edited schedule is put back; a queue setting reaches every schedule.
    Schedule.objects.filter(name="wagtail-buddy: fail stuck matching runs").update(minutes=60)
    settings.WAGTAIL_BUDDY_TASK_QUEUE = "buddy"
    assert maintenance.ensure_schedules() == (0, 8)
    assert Schedule.objects.get(name="wagtail-buddy: fail stuck matching runs").minutes == 1
    assert all("'queue': 'buddy'" in s.kwargs for s in Schedule.objects.all())

    call_command("buddy_schedules", "--remove", stdout=StringIO())
    assert not Schedule.objects.exists()


def test_every_scheduled_function_is_importable():
    from django.utils.module_loading import import_string

    for spec in maintenance.SCHEDULES:
        assert callable(import_string(spec.func)), spec.func
