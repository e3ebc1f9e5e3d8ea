"""Matching runs are crash-safe, single per intake, and never stuck forever."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone
from django_q.conf import Conf

from tests.ops.conftest import django_process
from tests.ops.test_outbox import run_concurrently
from wagtail_buddy import tasks
from wagtail_buddy.models import Match, MatchingRun


@pytest.fixture
def pool(participant_factory):
    mentees = [participant_factory("international", languages=("en", "es")) for _ in range(8)]
    mentors = [participant_factory("local", languages=("en",), capacity=2) for _ in range(4)]
    return mentees, mentors


def active_runs(intake):
    return MatchingRun.objects.filter(intake=intake, status__in=MatchingRun.ACTIVE)


def test_engine_crash_leaves_no_proposals(pool, intake, coordinator, monkeypatch,
                                          django_capture_on_commit_callbacks):
    """The proposals are written in one transaction: a failure while writing them (here,
    after the first rows went in) rolls them all back and the run shows the error."""
    from wagtail_buddy.services import runs

    real_insert = runs.insert_rows  # COPY on PostgreSQL, bulk_create elsewhere

    def crash_midway(model, rows, *args, **kwargs):
        real_insert(model, rows[:2], *args, **kwargs)
        raise RuntimeError("worker lost its mind mid-write")

    monkeypatch.setattr(runs, "insert_rows", crash_midway)
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(intake.programme, intake, coordinator, {})
    run.refresh_from_db()
    if run.is_active:  # started but not executed inline: run it as the worker would
        try:
            tasks.run_matching(run.pk)
        except RuntimeError:
            pass
        run.refresh_from_db()
    assert run.status == MatchingRun.Status.FAILED
    assert "mid-write" in run.error
    assert run.finished_at is not None
    assert not Match.objects.filter(intake=intake).exists()
    # ... and the coordinator can start again.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        again = runs.start_run(intake.programme, intake, coordinator, {})
    again.refresh_from_db()
    assert again.status == MatchingRun.Status.SUCCEEDED
    assert Match.objects.filter(run=again).count() == 8


def test_second_start_is_refused_while_one_is_active(pool, intake, coordinator, monkeypatch):
    from wagtail_buddy.services import runs

    monkeypatch.setattr(Conf, "SYNC", False)  # enqueue (ORM broker), don't execute
    first = runs.start_run(intake.programme, intake, coordinator, {})
    with pytest.raises(runs.RunAlreadyActive) as refused:
        runs.start_run(intake.programme, intake, coordinator, {})
    assert refused.value.run == first
    assert "already in progress" in str(refused.value)
    assert list(active_runs(intake)) == [first]


def test_stuck_run_is_failed(intake, coordinator, settings):
    settings.WAGTAIL_BUDDY_RUN_TIMEOUT = 600
    long_ago = timezone.now() - timedelta(seconds=601)
    stuck = MatchingRun.objects.create(
        programme=intake.programme, intake=intake, requested_by=coordinator,
        status=MatchingRun.Status.RUNNING, started_at=long_ago, heartbeat_at=long_ago)
    assert tasks.fail_stuck_runs() == 1
    stuck.refresh_from_db()
    assert stuck.status == MatchingRun.Status.FAILED and stuck.error
    assert stuck.finished_at is not None
    alive = MatchingRun.objects.create(
        programme=intake.programme, intake=intake, requested_by=coordinator,
        status=MatchingRun.Status.RUNNING, started_at=long_ago, heartbeat_at=timezone.now())
    assert tasks.fail_stuck_runs() == 0
    alive.refresh_from_db()
    assert alive.status == MatchingRun.Status.RUNNING


@pytest.mark.postgres
def test_concurrent_starters_make_one_run(postgres_db, intake, coordinator, monkeypatch):
    """The database guard, not a check-then-insert race: four coordinators press *Run*
    at the same moment on PostgreSQL; one run is created, three get the friendly error."""
    from wagtail_buddy.services import runs

    monkeypatch.setattr(Conf, "SYNC", False)
    for _round in range(3):
        results = run_concurrently(
            lambda: runs.start_run(intake.programme, intake, coordinator, {}), [()] * 4)
        started = [r for r in results if isinstance(r, MatchingRun)]
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(started) == 1, results
        assert len(refused) == 3 and not any(isinstance(r, DatabaseError) for r in refused), \
            refused
        assert list(active_runs(intake)) == started
        MatchingRun.objects.filter(pk=started[0].pk).update(status=MatchingRun.Status.FAILED)
    assert MatchingRun.objects.filter(intake=intake).count() == 3


KILLED_WORKER = """
import sys, time
from wagtail_buddy.services import runs
real_insert = runs.insert_rows  # COPY on PostgreSQL

def hang(model, rows, *args, **kwargs):
    written = real_insert(model, rows[:len(rows) // 2], *args, **kwargs)
    print("WRITING", written, flush=True)  # these rows are in, not yet committed
    time.sleep(600)

runs.insert_rows = hang
from wagtail_buddy import tasks
tasks.run_matching(int(sys.argv[1]))
"""


@pytest.mark.postgres
def test_killed_worker_leaves_no_proposals_and_is_failed(postgres_db, pool, intake,
                                                          coordinator, monkeypatch, settings):
    """SIGKILL the process executing a run after it wrote half its proposals: none of them
    is left, and ``fail_stuck_runs`` (every minute) marks the run failed."""
    from wagtail_buddy.services import runs

    monkeypatch.setattr(Conf, "SYNC", False)
    run = runs.start_run(intake.programme, intake, coordinator, {})
    worker = django_process(KILLED_WORKER, str(run.pk))
    try:
        line = worker.stdout.readline()  # blocks until the proposals are being written
        assert line.startswith("WRITING"), worker.stderr.read()[-3000:]
        assert int(line.split()[1]) > 0  # rows written in the worker's transaction
        assert not Match.objects.filter(intake=intake).exists()  # ... and not committed
        run.refresh_from_db()
        assert run.status == MatchingRun.Status.RUNNING
    finally:
        worker.kill()  # the worker this test started
        worker.wait(timeout=30)
    assert not Match.objects.filter(intake=intake).exists()
    settings.WAGTAIL_BUDDY_RUN_STALE_AFTER = 1
    MatchingRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=5),
        started_at=timezone.now() - timedelta(seconds=5))
    assert tasks.fail_stuck_runs() == 1
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.FAILED and run.error
    assert not active_runs(intake).exists()


def test_run_fails_clearly_when_pairs_keep_appearing(pool, intake, coordinator, monkeypatch,
                                                     django_capture_on_commit_callbacks):
    """Each attempt sees a new pair committed while the engine worked (a buddy's claim that
    was in flight when Run was pressed): after ``ATTEMPTS`` solves the run fails with a
    message saying why and what to do, writes no proposal, and every such pair stands."""
    from wagtail_buddy.services import runs

    mentees, mentors = pool
    real_solve = runs.solve
    made = []

    def a_claim_commits_meanwhile(*args, **kwargs):
        result = real_solve(*args, **kwargs)
        student, buddy = mentees[len(made)], mentors[len(made)]
        made.append(Match.objects.create(intake=intake, mentee=student, mentor=buddy,
                                         status="confirmed", source="buddy", locked=True))
        return result

    monkeypatch.setattr(runs, "solve", a_claim_commits_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(intake.programme, intake, coordinator, {})
    run.refresh_from_db()
    if run.is_active:  # started but not executed inline: run it as the worker would
        with pytest.raises(runs.MatchingRunError):
            tasks.run_matching(run.pk)
        run.refresh_from_db()
    assert len(made) == runs.ATTEMPTS == 3
    assert run.status == MatchingRun.Status.FAILED and run.finished_at is not None
    assert "Buddies kept choosing students while the run worked" in run.error
    assert not Match.objects.filter(intake=intake, source="engine").exists()
    assert set(Match.objects.filter(intake=intake).values_list("pk", flat=True)) \
        == {m.pk for m in made}
