"""Both students of a pair pressing the same task at once, on PostgreSQL: one tick, one
audit entry, and the second press is told the task is done. Each press runs in its own
process with its own connection, as two web workers would."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from tests.ops.conftest import held_process, release
from wagtail_buddy.models import BuddyLogEntry, ChecklistTick, Match
from wagtail_buddy.services import checklist

# Ticks one task for one student and holds the transaction open until a line arrives.
HELD_TICK = """
import sys
from django.db import transaction
from wagtail_buddy.models import Participant
from wagtail_buddy.services import checklist
match_id, person_id, task_id = map(int, sys.argv[1:4])
person = Participant.objects.get(pk=person_id)
print("READY", flush=True)
with transaction.atomic():
    try:
        checklist.tick(person, match_id, task_id)
        print("TICKED", flush=True)
    except checklist.ChecklistError as exc:
        print("REFUSED", exc, flush=True)
    sys.stdin.readline()
"""


def start(match, person, task_id):
    process = held_process(HELD_TICK, str(match.pk), str(person.pk), str(task_id))
    return process


@pytest.mark.postgres
def test_both_press_the_same_task_at_once_and_it_is_ticked_once(postgres_db, programme,
                                                                participant_factory, intake):
    mentee = participant_factory("international", status="matched")
    mentor = participant_factory("local", status="matched")
    match = Match.objects.create(intake=intake, mentee=mentee, mentor=mentor,
                                 status=Match.Status.CONFIRMED, confirmed_at=timezone.now(),
                                 introduced_at=timezone.now())
    task = checklist.tasks(programme.pk, "en")[0].pk
    first = start(match, mentee, task)
    second = None
    try:
        assert first.stdout.readline().startswith("TICKED"), first.stderr.read()[-3000:]
        second = start(match, mentor, task)
        time.sleep(1.5)
        assert second.poll() is None  # waits for the first press's row lock
        release(first)
        line = second.stdout.readline()
        assert line.startswith("REFUSED") and "already marked as done" in line
        release(second)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()  # only the processes this test started
                process.wait(timeout=30)
    assert list(ChecklistTick.objects.values_list("ticked_by_id", flat=True)) == [mentee.pk]
    assert BuddyLogEntry.objects.filter(action=checklist.TICK).count() == 2  # pair + student
