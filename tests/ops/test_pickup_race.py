"""Two buddies covering one pick-up at once, on PostgreSQL: one wins, the other is told.

Each cover runs in its own process with its own connection, as two web workers would.
"""

from __future__ import annotations

import time as clock
from datetime import time, timedelta

import pytest
from django.utils import timezone

from tests.ops.conftest import held_process, release
from wagtail_buddy.models import BuddyLogEntry, OutboundEmail
from wagtail_buddy.services import arrivals

# Covers the pick-up and holds the transaction open until a line arrives.
HELD_COVER = """
import sys
from django.db import transaction
from wagtail_buddy.models import Participant
from wagtail_buddy.services import arrivals
arrival_id, buddy_id, version = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
buddy = Participant.objects.get(pk=buddy_id)
print("READY", flush=True)
with transaction.atomic():
    try:
        arrivals.cover(arrival_id, buddy, version)
        print("COVERED", flush=True)
    except arrivals.ArrivalError as exc:
        print("REFUSED", exc, flush=True)
    sys.stdin.readline()
"""


def start(arrival, buddy):
    process = held_process(HELD_COVER, str(arrival.pk), str(buddy.pk), str(arrival.version))
    return process


@pytest.mark.postgres
def test_two_buddies_cover_one_pickup_at_once(postgres_db, participant_factory):
    student = participant_factory("international", first_name="Ana")
    first_buddy = participant_factory("local", first_name="First")
    second_buddy = participant_factory("local", first_name="Second")
    arrival = arrivals.save_arrival(student, day=timezone.localdate() + timedelta(days=3),
                                    at=time(10, 0), how="bus", place="Perrache", pickup=True)
    assert arrival.pickup == "open"
    first = start(arrival, first_buddy)
    second = None
    try:
        assert first.stdout.readline().startswith("COVERED"), first.stderr.read()[-3000:]
        second = start(arrival, second_buddy)
        clock.sleep(1.5)
        assert second.poll() is None  # its conditional UPDATE waits for the first's row lock
        release(first)
        line = second.stdout.readline()
        assert line.startswith("REFUSED") and "just taken" in line, line
        release(second)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()  # only the processes this test started
                process.wait(timeout=30)
    arrival.refresh_from_db()
    assert (arrival.pickup, arrival.covered_by_id, arrival.version) == (
        "covered", first_buddy.pk, 2)
    assert OutboundEmail.objects.filter(purpose="pickup_covered").count() == 1
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.pickup_cover").count() == 2
