"""An answer racing the expiry schedule or a coordinator, each in its own process, on
PostgreSQL: whoever takes the row first decides, the other is told and changes nothing.

The expiry (another django-q2 cluster) and the coordinator's reject run in separate
processes with their own connections, as a worker and a web server would; the test holds
the first actor's transaction open and waits until PostgreSQL reports the second one
blocked on the row's lock (``pg_stat_activity``) before letting the first commit.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection

from tests.ops.conftest import django_process, release
from tests.ops.test_answers_race import start, waiting_pair  # noqa: F401 (fixture)
from wagtail_buddy.models import BuddyLogEntry, OutboundEmail
from wagtail_buddy.services import answers

# The schedule's work at the deadline + argv[2] minutes (default 1: past it), its
# transaction held open until a line arrives.
HELD_EXPIRY = """
import sys
from datetime import timedelta
from django.db import transaction
from wagtail_buddy.models import Match
from wagtail_buddy.services import answers
due = Match.objects.get(pk=int(sys.argv[1])).answers_due_at
minutes = int(sys.argv[2]) if len(sys.argv) > 2 else 1
print("READY", flush=True)
with transaction.atomic():
    print("EXPIRY", answers.expire_and_remind(now=due + timedelta(minutes=minutes)), flush=True)
    sys.stdin.readline()
"""

# A coordinator's reject from a proposals list read before the students answered.
STALE_REJECT = """
import sys
from django.contrib.auth import get_user_model
from wagtail_buddy.models import Match
from wagtail_buddy.services import decisions
stale = list(Match.objects.filter(pk=int(sys.argv[1])).select_related("intake__programme"))
user = get_user_model().objects.get(pk=int(sys.argv[2]))
print("READY", stale[0].status, flush=True)
sys.stdin.readline()
print("REJECTED", decisions.reject(stale, user), flush=True)
"""


def blocked_on_a_lock(expected: int = 1, timeout: float = 30.0) -> None:
    """Wait until ``expected`` other sessions of this database wait for a row lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0] >= expected:
                return
        time.sleep(0.1)
    pytest.fail(f"no session waited for a lock within {timeout} s")


def stop(*processes) -> None:
    for process in processes:
        if process is not None and process.poll() is None:
            process.kill()  # only the processes this test started
            process.wait(timeout=30)


@pytest.mark.postgres
def test_the_expiry_takes_the_row_first_and_the_late_accept_is_refused(
        waiting_pair):  # noqa: F811 (fixture)
    match = waiting_pair
    expiry = django_process(HELD_EXPIRY, str(match.pk))
    student = None
    try:
        assert expiry.stdout.readline().startswith("READY"), expiry.stderr.read()[-3000:]
        line = expiry.stdout.readline()
        assert line.startswith("EXPIRY") and "'expired': 1" in line, line
        # The student presses Accept before the deadline, while the expiry is committing.
        student = start(match, match.mentee)
        blocked_on_a_lock()
        release(expiry)
        line = student.stdout.readline()
        assert line.startswith("REFUSED") and "no longer open" in line, line
        release(student)
    finally:
        stop(expiry, student)
    match.refresh_from_db()
    assert (match.status, match.answers, match.mentee_answer) == ("rejected", "expired", "")
    assert not BuddyLogEntry.objects.filter(action="wagtail_buddy.match_accept").exists()
    assert not OutboundEmail.objects.filter(purpose="introduction").exists()


@pytest.mark.postgres
def test_the_last_accept_takes_the_row_first_and_the_stale_reject_changes_nothing(
        waiting_pair, coordinator):  # noqa: F811 (fixture)
    match = waiting_pair
    answers.answer(match.pk, match.mentee, True)
    reject = django_process(STALE_REJECT, str(match.pk), str(coordinator.pk))
    student = None
    try:
        assert reject.stdout.readline() == "READY proposed\n", reject.stderr.read()[-3000:]
        student = start(match, match.mentor)  # both accepted: confirmed, introduced
        assert student.stdout.readline().startswith("ANSWERED"), student.stderr.read()[-3000:]
        reject.stdin.write("\n")
        reject.stdin.flush()
        blocked_on_a_lock()  # the coordinator's reject waits for the answer's row lock
        release(student)
        assert reject.stdout.readline() == "REJECTED 0\n", reject.stderr.read()[-3000:]
        reject.wait(timeout=60)
        assert reject.returncode == 0, reject.stderr.read()[-3000:]
    finally:
        stop(reject, student)
    match.refresh_from_db()
    assert (match.status, match.answers) == ("confirmed", "accepted")
    assert match.introduced_at is not None
    assert OutboundEmail.objects.filter(purpose="introduction").count() == 2
    assert not BuddyLogEntry.objects.filter(action="wagtail_buddy.match_reject").exists()


@pytest.mark.postgres
def test_the_coordinator_rejects_first_and_the_accept_is_refused(
        waiting_pair, coordinator):  # noqa: F811 (fixture)
    match = waiting_pair
    reject = django_process(STALE_REJECT.replace(
        'print("REJECTED", decisions.reject(stale, user), flush=True)',
        'from django.db import transaction\n'
        'with transaction.atomic():\n'
        '    print("REJECTED", decisions.reject(stale, user), flush=True)\n'
        '    sys.stdin.readline()'), str(match.pk), str(coordinator.pk))
    student = None
    try:
        assert reject.stdout.readline().startswith("READY"), reject.stderr.read()[-3000:]
        reject.stdin.write("\n")
        reject.stdin.flush()
        assert reject.stdout.readline() == "REJECTED 1\n", reject.stderr.read()[-3000:]
        student = start(match, match.mentee)
        blocked_on_a_lock()
        release(reject)
        line = student.stdout.readline()
        assert line.startswith("REFUSED") and "not waiting for your answer" in line, line
        release(student)
    finally:
        stop(reject, student)
    match.refresh_from_db()
    assert (match.status, match.mentee_answer) == ("rejected", "")
    assert not BuddyLogEntry.objects.filter(action="wagtail_buddy.match_accept").exists()


@pytest.mark.postgres
@pytest.mark.parametrize(("minutes", "key"), [(-12 * 60, "reminded"), (1, "expired")])
def test_two_clusters_running_the_schedule_at_once_act_once(waiting_pair,  # noqa: F811
                                                            minutes, key):
    """One cluster holds the row; the other skips it (no second reminder, no second end);
    the first one's work is then done exactly once."""
    match = waiting_pair
    first = django_process(HELD_EXPIRY, str(match.pk), str(minutes))
    try:
        assert first.stdout.readline().startswith("READY"), first.stderr.read()[-3000:]
        line = first.stdout.readline()
        assert line.startswith("EXPIRY") and f"'{key}': 1" in line, line
        now = match.answers_due_at + timedelta(minutes=minutes)
        assert answers.expire_and_remind(now=now) == {"expired": 0, "reminded": 0}
        release(first)
    finally:
        stop(first)
    assert answers.expire_and_remind(now=now) == {"expired": 0, "reminded": 0}
    match.refresh_from_db()
    if key == "reminded":
        assert match.reminded_at is not None and match.answers == "waiting"
        assert OutboundEmail.objects.filter(purpose="proposal_reminder").count() == 2
    else:
        assert (match.status, match.answers) == ("rejected", "expired")
    action = {"reminded": "wagtail_buddy.match_remind", "expired": "wagtail_buddy.match_expire"}
    assert BuddyLogEntry.objects.filter(action=action[key], data__match=match.pk).count() == 1
