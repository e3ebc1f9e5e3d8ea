"""A dead matching run is judged by its heartbeat: cleared by the next click within a minute,
not after RUN_TIMEOUT; a live one, silent inside the engine, keeps beating."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_q.conf import Conf

from tests.ops.test_runs import active_runs, pool  # noqa: F401 - the pool fixture
from wagtail_buddy.models import MatchingRun
from wagtail_buddy.services import runs

ROOT = Path(__file__).resolve().parents[2]


def running_run(intake, coordinator, heartbeat_age: float) -> MatchingRun:
    beat = timezone.now() - timedelta(seconds=heartbeat_age)
    return MatchingRun.objects.create(
        programme=intake.programme, intake=intake, requested_by=coordinator,
        status=MatchingRun.Status.RUNNING, started_at=beat - timedelta(minutes=5),
        heartbeat_at=beat)


def test_next_click_fails_a_run_silent_for_a_minute(intake, coordinator, monkeypatch):
    """Defaults: 60 s of silence is death, although RUN_TIMEOUT is 30 minutes."""
    monkeypatch.setattr(Conf, "SYNC", False)
    alive = running_run(intake, coordinator, heartbeat_age=30)
    with pytest.raises(runs.RunAlreadyActive):
        runs.start_run(intake.programme, intake, coordinator, {})
    MatchingRun.objects.filter(pk=alive.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=61))
    new = runs.start_run(intake.programme, intake, coordinator, {})
    alive.refresh_from_db()
    assert alive.status == MatchingRun.Status.FAILED
    assert "60 seconds" in alive.error
    assert list(active_runs(intake)) == [new]


def test_queued_run_waits_for_a_worker_until_run_timeout(intake, coordinator, settings):
    settings.WAGTAIL_BUDDY_RUN_TIMEOUT = 600
    queued = MatchingRun.objects.create(programme=intake.programme, intake=intake,
                                        requested_by=coordinator)
    MatchingRun.objects.filter(pk=queued.pk).update(
        created_at=timezone.now() - timedelta(seconds=300))
    assert runs.fail_stuck_runs() == 0
    MatchingRun.objects.filter(pk=queued.pk).update(
        created_at=timezone.now() - timedelta(seconds=601))
    assert runs.fail_stuck_runs() == 1
    queued.refresh_from_db()
    assert queued.status == MatchingRun.Status.FAILED and "qcluster" in queued.error


HANGING_WORKER = """
import sys, time
import django
django.setup()
from django.conf import settings
settings.WAGTAIL_BUDDY_RUN_HEARTBEAT_INTERVAL = 0.2
from wagtail_buddy.services import runs

def hang(*args, **kwargs):  # the engine, silent for minutes (no progress callback)
    print("SOLVING", flush=True)
    time.sleep(600)

runs.solve = hang
from wagtail_buddy import tasks
tasks.run_matching(int(sys.argv[1]))
"""


def heartbeat(run: MatchingRun):
    return MatchingRun.objects.values_list("heartbeat_at", flat=True).get(pk=run.pk)


@pytest.mark.postgres
def test_killed_worker_is_cleared_by_the_next_click(postgres_db, pool, intake,  # noqa: F811
                                                    coordinator, monkeypatch, settings):
    """A worker inside the engine keeps beating; killed with SIGKILL, it stops, and the next
    click after RUN_STALE_AFTER fails its run and starts a new one."""
    monkeypatch.setattr(Conf, "SYNC", False)
    run = runs.start_run(intake.programme, intake, coordinator, {})
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "buddysite.settings.test",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    worker = subprocess.Popen([sys.executable, "-c", HANGING_WORKER, str(run.pk)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = worker.stdout.readline()  # blocks until the engine "runs"
        assert line.startswith("SOLVING"), worker.stderr.read()[-3000:]
        first = heartbeat(run)
        time.sleep(1.0)
        assert heartbeat(run) > first, "no heartbeat while the engine was silent"
    finally:
        worker.send_signal(signal.SIGKILL)  # the worker this test started
        worker.wait(timeout=30)
    last = heartbeat(run)
    settings.WAGTAIL_BUDDY_RUN_STALE_AFTER = 2
    with pytest.raises(runs.RunAlreadyActive):  # dead, but not yet known to be
        runs.start_run(intake.programme, intake, coordinator, {})
    time.sleep(2.5)
    assert heartbeat(run) == last  # nobody beats for a killed worker
    new = runs.start_run(intake.programme, intake, coordinator, {})
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.FAILED and "2 seconds" in run.error
    assert list(active_runs(intake)) == [new]
