"""A matching run and a buddy's claim at the same instant, on PostgreSQL.

The claim began before the coordinator pressed *Run* (so it passed the "no run active"
check) and commits while the engine works, on a student the run is about to propose. Each
side runs in its own process with its own connection, as a web worker and a django-q2
worker would. The claim must stand, the run must write its other proposals (it solves
again with the claim kept), and the run page must say what happened.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.ops.conftest import django_process, held_process, release
from wagtail_buddy.models import Match, MatchingRun

# Claims in an outer transaction and holds it open (uncommitted) until a line arrives.
HELD_CLAIM = """
import sys
from django.db import transaction
from wagtail_buddy.services import choosing
buddy, student = int(sys.argv[1]), int(sys.argv[2])
print("READY", flush=True)
with transaction.atomic():
    match = choosing.claim(buddy, student)
    print("CLAIMED", match.pk, flush=True)
    sys.stdin.readline()
"""

# The worker's side: executes one queued run and says how it ended.
WORKER = """
import sys
from wagtail_buddy.services import runs
try:
    run = runs.execute_run(int(sys.argv[1]))
    print("DONE", run.status, flush=True)
except Exception as exc:
    print("FAILED", type(exc).__name__, str(exc).replace(chr(10), " "), flush=True)
"""


@pytest.fixture
def choosing_intake(postgres_db, programme, intake):
    programme.pairing_mode = "choose"
    programme.save(update_fields=["pairing_mode"])
    now = timezone.now()
    intake.choosing_opens_at = now - timedelta(hours=1)
    intake.choosing_closes_at = now + timedelta(hours=1)
    intake.save()
    return intake


def wait_for_phase(run: MatchingRun, phase: str, worker, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.phase == phase:
            return
        assert worker.poll() is None, worker.communicate()
        time.sleep(0.1)
    pytest.fail(f"the run never reached {phase!r} (at {run.phase!r})")


@pytest.mark.postgres
def test_a_claim_committing_during_a_run_is_kept_and_the_run_writes_the_rest(
        choosing_intake, participant_factory, coordinator, client):
    intake = choosing_intake
    chosen = participant_factory("international", first_name="Chosen")
    other = participant_factory("international", first_name="Other")
    chooser = participant_factory("local", first_name="Chooser", capacity=1)
    second = participant_factory("local", first_name="Second", capacity=1)
    claim = held_process(HELD_CLAIM, str(chooser.pk), str(chosen.pk))
    worker = None
    try:
        line = claim.stdout.readline()
        assert line.startswith("CLAIMED"), claim.stderr.read()[-3000:]
        # The coordinator presses Run now: the claim is in flight, not committed yet.
        run = MatchingRun.objects.create(programme=intake.programme, intake=intake,
                                         requested_by=coordinator, phase="queued")
        worker = django_process(WORKER, str(run.pk))
        wait_for_phase(run, "writing", worker)
        time.sleep(1.0)
        assert worker.poll() is None  # the write waits for the claim
        release(claim)
        out, err = worker.communicate(timeout=120)
    finally:
        for process in (claim, worker):
            if process is not None and process.poll() is None:
                process.kill()  # only the processes this test started
                process.wait(timeout=30)
    assert out.startswith("DONE succeeded"), out + err[-3000:]
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED and run.error == ""
    assert run.summary["appeared"] == 1
    # The claimed student keeps the claim; the run proposed the other one to the other buddy.
    active = {(m.mentee_id, m.mentor_id, m.source, m.status)
              for m in Match.objects.filter(intake=intake, status__in=Match.ACTIVE)}
    assert active == {(chosen.pk, chooser.pk, "buddy", "confirmed"),
                      (other.pk, second.pk, "engine", "proposed")}
    assert run.summary["proposed"] == 1 and run.summary["kept"] == 1
    # The coordinator reads what happened on the run's page.
    client.force_login(coordinator)
    page = client.get(reverse("wagtail_buddy_admin:run", args=[run.pk])).content.decode()
    assert "data-buddy-appeared" in page
    assert "While this run was working, 1 pair was made (a buddy chose a student)" in page
