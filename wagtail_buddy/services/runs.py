"""The lifecycle of a matching run: start, execute, write, summarise, fail.

``start_run`` creates a :class:`MatchingRun` (the database's partial unique index allows one
active run per intake, so two coordinators pressing *Run* at once get one run and one clear
refusal) and hands it to django-q2. ``execute_run`` (the task) loads the pool in a constant
number of queries (``services.pool``), calls :func:`wagtail_buddy.matching.solve` and writes
every proposal and status change in ONE transaction at the end: a worker killed mid-run
leaves no partial proposals, and ``fail_stuck_runs`` later marks its run failed so a new one
can start.

A run starts from the weights and options in ``services.matching_config``; what it keeps
and never proposes again is decided when the pool is loaded (``services.pool``).

A buddy's claim (``services.choosing``) that began before the run was requested can commit
while the engine works, on a student the run is about to propose. Claims hold the intake
row FOR SHARE; the write takes it FOR NO KEY UPDATE, so it waits for claims in flight, then
compares the intake's kept pairs with the pool's. If pairs appeared (or the "one active
match per student" index refuses a proposal), nothing is written: the run loads the pool
again, with those pairs kept, and solves again (``ATTEMPTS`` in all); the run page says so.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from statistics import fmean

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..conf import buddy_settings
from ..matching import InputError, solve
from ..models import BuddyProgrammePage, CheckIn, Intake, Match, MatchingRun, Participant
from .audit import audit
from .bulk import insert_rows
from .matching_config import clean_config
from .pool import KEPT, REPLACED, Pool, chunks, load_pool
from .queue import enqueue
from .statuses import refresh_statuses

logger = logging.getLogger(__name__)

UNMATCHED_REASONS = {
    "no_feasible_mentor": _("No buddy fits (language, gender preference or dates)"),
    "mentors_full": _("All fitting buddies are taken"),
}
PHASE_LABELS = {
    "queued": _("Waiting for a worker"),
    "loading": _("Loading participants"),
    "encoding": _("Preparing profiles"),
    "scoring": _("Scoring pairs"),
    "solving": _("Finding the best assignment"),
    "explaining": _("Explaining the result"),
    "writing": _("Saving proposals"),
    "done": _("Done"),
}
# Overall percentage at the start of each phase (the engine reports 0..1 within a phase).
PHASE_SPAN = {
    "loading": (0, 5), "encoding": (5, 10), "scoring": (10, 55), "solving": (55, 85),
    "explaining": (85, 92), "writing": (92, 99), "done": (100, 100),
}
#: Seconds between two progress writes (the last one of each phase is always written).
PROGRESS_INTERVAL = 0.5
#: Solves of one run when pairs keep appearing while it works (a claim that began before
#: the run was requested; later claims are refused while a run is active).
ATTEMPTS = 3


class MatchingRunError(Exception):
    """A matching run cannot be started; ``str(exc)`` is a translated message."""


class PoolChanged(Exception):
    """Pairs appeared in the intake while the run worked: solve again with them kept."""

    def __init__(self, appeared: int):
        self.appeared = appeared
        super().__init__(f"{appeared} pair(s) appeared while the run worked")


class RunAlreadyActive(MatchingRunError):
    """Another run of the same intake is queued or running."""

    def __init__(self, run: MatchingRun | None = None):
        self.run = run
        super().__init__(str(_(
            "A matching run for this intake is already in progress. Wait for it to finish "
            "(or fail) before starting another one."
        )))


def fail_stuck_runs(intake: Intake | None = None) -> int:
    """Fail runs whose worker went silent or never came; returns how many.

    A worker killed mid-run cannot say so: its heartbeat (``services.heartbeat``) stops.
    A running run whose heartbeat is older than ``RUN_STALE_AFTER`` seconds, and a queued
    run no worker picked up within ``RUN_TIMEOUT``, are failed by this sweep (scheduled
    every minute, and run before each new start), which frees the intake for a new run.
    """
    now = timezone.now()
    stale_after = int(buddy_settings.RUN_STALE_AFTER)
    limit = now - timedelta(seconds=stale_after)
    dead = MatchingRun.objects.filter(status=MatchingRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit))
    timeout = int(buddy_settings.RUN_TIMEOUT)
    unclaimed = MatchingRun.objects.filter(status=MatchingRun.Status.QUEUED,
                                           created_at__lt=now - timedelta(seconds=timeout))
    if intake is not None:
        dead, unclaimed = dead.filter(intake=intake), unclaimed.filter(intake=intake)
    failed = dead.update(
        status=MatchingRun.Status.FAILED, finished_at=now,
        error=str(_("No sign of life from the worker for %(seconds)s seconds: it was "
                    "probably stopped. Start the run again.") % {"seconds": stale_after}),
    )
    return failed + unclaimed.update(
        status=MatchingRun.Status.FAILED, finished_at=now,
        error=str(_("No worker took the run within %(minutes)s minutes: is the task queue "
                    "(qcluster) running? Start the run again.")
                  % {"minutes": max(1, round(timeout / 60))}),
    )


def active_run(intake: Intake) -> MatchingRun | None:
    return MatchingRun.objects.filter(intake=intake, status__in=MatchingRun.ACTIVE).first()


def start_run(programme: BuddyProgrammePage, intake: Intake, user, config: Mapping | None
              ) -> MatchingRun:
    """Create a run and queue it; raises :class:`RunAlreadyActive` if one is in progress."""
    if intake.programme_id != programme.pk:
        raise MatchingRunError(str(_("This intake belongs to another programme.")))
    fail_stuck_runs(intake)
    try:
        with transaction.atomic():
            run = MatchingRun.objects.create(
                programme=programme, intake=intake, requested_by=user,
                config=clean_config(config), phase="queued",
            )
    except IntegrityError:
        raise RunAlreadyActive(active_run(intake)) from None
    audit([intake], "wagtail_buddy.run_started", user, data={"run": run.pk})
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    try:
        task_id = enqueue("wagtail_buddy.tasks.run_matching", run_id,
                          task_name=f"buddy-matching-{run_id}")
    except Exception as exc:  # noqa: BLE001 - a broker outage must not 500 the admin
        logger.exception("Could not queue matching run %s", run_id)
        _fail(run_id, str(_("The task queue is unavailable: %(error)s") % {"error": exc}))
        return
    MatchingRun.objects.filter(pk=run_id, task_id="").update(task_id=str(task_id or "")[:64])


def _fail(run_id: int, error: str) -> None:
    MatchingRun.objects.filter(pk=run_id, status__in=MatchingRun.ACTIVE).update(
        status=MatchingRun.Status.FAILED, error=error[:5000], finished_at=timezone.now()
    )


class _Progress:
    """The engine's progress callback: persists phase, percent and heartbeat, throttled."""

    def __init__(self, run_id: int):
        self.run_id, self.last, self.phase = run_id, 0.0, ""

    def __call__(self, phase: str, fraction: float) -> None:
        now = time.monotonic()
        if phase == self.phase and fraction < 1.0 and now - self.last < PROGRESS_INTERVAL:
            return
        self.phase, self.last = phase, now
        low, high = PHASE_SPAN.get(phase, (0, 99))
        percent = int(low + (high - low) * max(0.0, min(1.0, fraction)))
        MatchingRun.objects.filter(pk=self.run_id, status=MatchingRun.Status.RUNNING).update(
            phase=phase[:40], progress=percent, heartbeat_at=timezone.now()
        )


def execute_run(run_id: int) -> MatchingRun | None:
    """Run the engine for one queued run and write its proposals atomically.

    Returns the finished run, or None when the run was not queued (another worker took it,
    or it was cancelled). Any error marks the run failed with the message and re-raises,
    so django-q2 records the task as failed too.
    """
    now = timezone.now()
    claimed = MatchingRun.objects.filter(pk=run_id, status=MatchingRun.Status.QUEUED).update(
        status=MatchingRun.Status.RUNNING, started_at=now, heartbeat_at=now, phase="loading",
        progress=0, error="",
    )
    if not claimed:
        logger.info("Matching run %s is not queued any more; skipped", run_id)
        return None
    run = MatchingRun.objects.select_related("intake").get(pk=run_id)
    progress = _Progress(run_id)
    appeared = 0
    try:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                _attempt(run, progress, appeared)
                break
            except PoolChanged as changed:
                appeared += changed.appeared
                logger.info("Matching run %s: %s; solving again", run_id, changed)
                if attempt == ATTEMPTS:
                    raise MatchingRunError(str(_(
                        "Buddies kept choosing students while the run worked, so its "
                        "proposals were not saved. Close the choosing window or start the "
                        "run again."))) from None
    except InputError as exc:
        _fail(run_id, str(_("The matching input is invalid: %(error)s") % {"error": exc}))
        raise
    except Exception as exc:
        message = str(exc) if isinstance(exc, MatchingRunError) else \
            f"{type(exc).__name__}: {exc}"
        _fail(run_id, message)
        raise
    run.refresh_from_db()
    return run


def _attempt(run: MatchingRun, progress: _Progress, appeared: int) -> None:
    """Load the pool, solve and write; ``PoolChanged`` if pairs appeared meanwhile."""
    started = time.perf_counter()
    progress("loading", 0.0)
    pool = load_pool(run.intake)
    progress("loading", 1.0)
    loaded = time.perf_counter()
    config = clean_config(run.config)
    result = solve(pool.mentees, pool.mentors, weights=config["weights"],
                   locked=pool.locked, forbidden=pool.forbidden,
                   spread_load=config["spread_load"], progress=progress)
    progress("writing", 0.0)
    _write(run, pool, result, {"load": loaded - started,
                               "engine": time.perf_counter() - loaded}, appeared)


def _appeared(intake: Intake, pool: Pool) -> int:
    """How many kept pairs the intake has that the pool did not (one query)."""
    now = set(Match.objects.filter(KEPT, intake=intake).values_list("pk", flat=True))
    return len(now - pool.seen_kept)


def _write(run: MatchingRun, pool: Pool, result, timings: dict[str, float],
           appeared: int = 0) -> None:
    """Replace the intake's open proposals with the run's, in one transaction.

    ``timings`` (seconds of load and engine) gets the write's own before it is stored;
    ``appeared``: pairs made while earlier attempts worked (the run page tells)."""
    started = time.perf_counter()
    kept = {(a, b) for a, b in pool.locked}
    new_pairs = [p for p in result.pairs if (p.mentee, p.mentor) not in kept]
    with transaction.atomic():
        current = MatchingRun.objects.select_for_update().filter(pk=run.pk).values_list(
            "status", flat=True).first()
        if current != MatchingRun.Status.RUNNING:  # failed by the sweeper meanwhile
            raise MatchingRunError(str(_("The run was stopped before its proposals were saved.")))
        # Waits for claims in flight (they hold the intake FOR SHARE), keeps new ones out.
        list(Intake.objects.select_for_update(no_key=True).filter(pk=run.intake_id)
             .values_list("pk", flat=True))
        changed = _appeared(run.intake, pool)
        if changed:
            raise PoolChanged(changed)
        _delete_replaced(run.intake)
        try:
            with transaction.atomic():
                insert_rows(Match, [
                    {"intake_id": run.intake_id, "mentee_id": int(p.mentee),
                     "mentor_id": int(p.mentor), "run_id": run.pk,
                     "status": Match.Status.PROPOSED, "source": Match.Source.ENGINE,
                     "score": p.score, "breakdown": dict(p.breakdown),
                     "evidence": dict(p.evidence)}
                    for p in new_pairs
                ])
        except IntegrityError:  # a pair made without the intake lock: solve again
            raise PoolChanged(1) from None
        refresh_statuses(pool.participant_ids)
        mark_left_over(result)
        timings = {**timings, "write": time.perf_counter() - started}
        MatchingRun.objects.filter(pk=run.pk).update(
            status=MatchingRun.Status.SUCCEEDED, phase="done", progress=100,
            heartbeat_at=timezone.now(), finished_at=timezone.now(),
            summary={**summarise(pool, result, len(new_pairs), timings),
                     "appeared": appeared},
        )


def mark_left_over(result) -> None:
    """Students this run left without a buddy get priority in the next run (once set, the
    first time is kept). Those it proposes keep it until their pair is confirmed
    (``statuses.refresh_statuses``): the proposals list shows and orders them first, and a
    re-run or a declined proposal does not cost them their place."""
    left = [int(u.mentee) for u in result.unmatched]
    for ids in chunks(left):
        Participant.objects.filter(pk__in=ids, left_over_at__isnull=True).update(
            left_over_at=timezone.now())


def _delete_replaced(intake: Intake) -> None:
    """Delete the engine's untouched proposals in two statements.

    ``QuerySet.delete()`` reads every match and its check-ins first (Wagtail listens to
    every model's delete signals, so Django cannot delete in bulk): half a second for
    3,000 proposals. Nothing listens for these rows: they are the run's own scratch,
    never audited, and their check-ins (none: check-ins follow confirmed pairs) go first.
    """
    replaced = Match.objects.filter(REPLACED, intake=intake)
    CheckIn.objects.filter(match__in=replaced.values("pk"))._raw_delete(CheckIn.objects.db)
    replaced._raw_delete(replaced.db)


def summarise(pool: Pool, result, proposed: int, timings: dict[str, float]) -> dict:
    """What the run page shows: counts, reasons, mean score, load per mentor, and the
    seconds spent loading, in the engine and writing."""
    load = Counter(p.mentor for p in result.pairs)
    histogram = Counter(load.get(m.id, 0) for m in pool.mentors)
    reasons = Counter(u.reason for u in result.unmatched)
    scores = [p.score for p in result.pairs]
    return {
        "mentees": len(pool.mentees),
        "mentors": len(pool.mentors),
        "capacity": sum(m.capacity for m in pool.mentors),
        "matched": len(result.pairs),
        "proposed": proposed,
        "kept": len(pool.locked),
        "forbidden": len(pool.forbidden),
        "unmatched": len(result.unmatched),
        "unmatched_reasons": dict(reasons),
        "unmatched_ids": [int(u.mentee) for u in result.unmatched][:200],
        "unmatched_reason_by_id": {u.mentee: u.reason for u in result.unmatched[:200]},
        "mean_score": round(fmean(scores), 3) if scores else 0.0,
        "total_score": round(result.total_score, 3),
        "load_histogram": {str(k): v for k, v in sorted(histogram.items())},
        "seconds": round(sum(timings.values()), 2),
        "timings": {phase: round(value, 3) for phase, value in timings.items()},
    }
