"""The feedback schedule on two clusters at once, and one student pressing twice at once, on
PostgreSQL, each in its own process with its own connection."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.ops.conftest import django_process
from wagtail_buddy.models import Feedback, Match, OutboundEmail
from wagtail_buddy.services import feedback

RUN_SCHEDULE = """
import sys
from datetime import datetime, timedelta, timezone
from wagtail_buddy.services import feedback
now = datetime(2027, 7, 1, 12, 0, tzinfo=timezone.utc) + timedelta(microseconds=int(sys.argv[1]))
print("READY", flush=True)
sys.stdin.readline()
print("QUEUED", feedback.send_due_feedback(now), flush=True)
"""

HELD_ANSWER = """
import sys
from django.db import transaction
from wagtail_buddy.models import Participant
from wagtail_buddy.services import feedback
row_id, person_id = int(sys.argv[1]), int(sys.argv[2])
person = Participant.objects.get(pk=person_id)
print("READY", flush=True)
with transaction.atomic():
    try:
        feedback.record(row_id, person, met="yes", frequency="weekly", overall=int(sys.argv[3]),
                        recommend="yes")
        print("ANSWERED", flush=True)
    except feedback.FeedbackError as exc:
        print("REFUSED", exc, flush=True)
    sys.stdin.readline()
"""


def ready(process):
    assert process.stdout.readline().startswith("READY"), process.stderr.read()[-3000:]
    return process


def go(process) -> None:
    process.stdin.write("\n")
    process.stdin.flush()


@pytest.fixture
def pairs(postgres_db, participant_factory, intake):
    made = []
    for _ in range(20):
        mentee = participant_factory("international", status="matched")
        mentor = participant_factory("local", status="matched")
        made.append(Match.objects.create(
            intake=intake, mentee=mentee, mentor=mentor, status="confirmed",
            confirmed_at=timezone.now(), introduced_at=timezone.now()))
    return made


@pytest.mark.postgres
def test_two_clusters_email_every_side_exactly_once(pairs):
    runs = [ready(django_process(RUN_SCHEDULE, str(n))) for n in (1, 2)]
    for process in runs:
        go(process)
    queued = []
    for process in runs:
        line = process.stdout.readline()
        process.wait(timeout=120)
        assert line.startswith("QUEUED"), process.stderr.read()[-3000:]
        queued.append(int(line.split()[1]))
    assert sum(queued) == 40
    assert Feedback.objects.count() == 40
    assert OutboundEmail.objects.filter(purpose="feedback").count() == 40


@pytest.mark.postgres
def test_two_presses_at_once_store_one_answer(pairs):
    feedback.send_due_feedback()  # today is before the fixture's intake ends: nothing due
    match = pairs[0]
    row = Feedback.objects.create(match=match, participant=match.mentee, sent_at=timezone.now())
    first = ready(django_process(HELD_ANSWER, str(row.pk), str(match.mentee_id), "5"))
    assert first.stdout.readline().startswith("ANSWERED"), first.stderr.read()[-3000:]
    # The second press waits for the first one's row lock, then sees its answer.
    second = ready(django_process(HELD_ANSWER, str(row.pk), str(match.mentee_id), "1"))
    go(first)
    first.wait(timeout=60)
    line = second.stdout.readline()
    go(second)
    second.wait(timeout=60)
    assert line.startswith("REFUSED") and "already answered" in line
    row.refresh_from_db()
    assert row.overall == 5
