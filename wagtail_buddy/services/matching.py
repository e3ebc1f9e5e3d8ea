"""The bridge between the database and the matching engine, and the lifecycle of a run.

``start_run`` creates a :class:`MatchingRun` (the database's partial unique index allows one
active run per intake, so two coordinators pressing *Run* at once get one run and one clear
refusal) and hands it to django-q2. ``execute_run`` (the task) loads the pool in a constant
number of queries, calls :func:`wagtail_buddy.matching.solve` and writes every proposal and
status change in ONE transaction at the end: a worker killed mid-run leaves no partial
proposals, and ``fail_stuck_runs`` later marks its run failed so a new one can start.

Re-running keeps every coordinator decision: confirmed pairs, locked proposals and
proposals a coordinator made by hand (a swap) are passed to the engine as locked pairs, and
pairs a coordinator rejected or cancelled are passed as forbidden pairs, so they are never
proposed again. ``rerun_preview`` says beforehand what a run will replace.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import fmean

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..conf import buddy_settings
from ..matching import CRITERIA, DEFAULT_WEIGHTS, InputError, Mentee, Mentor, Pair, solve, suggest
from ..models import BuddyProgrammePage, Intake, Match, MatchingRun, Participant

logger = logging.getLogger(__name__)

#: Criterion key -> translated label (the engine's labels are English only).
CRITERION_LABELS = {
    "languages": _("Shared languages"),
    "interests": _("Shared interests"),
    "university": _("Same university"),
    "faculty": _("Same faculty or field of study"),
    "age": _("Similar age"),
    "exchange_country": _("Buddy's exchange was in the student's country"),
    "arrival": _("Buddy available before arrival"),
    "same_gender": _("Same gender"),
}
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
MAX_WEIGHT = 10.0


class MatchingRunError(Exception):
    """A matching run cannot be started; ``str(exc)`` is a translated message."""


class RunAlreadyActive(MatchingRunError):
    """Another run of the same intake is queued or running."""

    def __init__(self, run: MatchingRun | None = None):
        self.run = run
        super().__init__(str(_(
            "A matching run for this intake is already in progress. Wait for it to finish "
            "(or fail) before starting another one."
        )))


def criterion_label(key: str) -> str:
    """Translated label of a criterion, the engine's English label for criteria we don't know."""
    if key in CRITERION_LABELS:
        return str(CRITERION_LABELS[key])
    criterion = CRITERIA.get(key)
    return criterion.label if criterion else key


# --------------------------------------------------------------------------- configuration


def programme_config(programme: BuddyProgrammePage) -> dict:
    """The weights and options a new run of ``programme`` starts from (defaults filled in)."""
    saved = programme.matching_weights or {}
    weights = {k: float(saved.get(k, default)) for k, default in DEFAULT_WEIGHTS.items()}
    return {"weights": weights, "spread_load": bool(programme.spread_load)}


def clean_config(config: Mapping | None) -> dict:
    """Known criteria only, weights as floats within ``[0, MAX_WEIGHT]``."""
    config = dict(config or {})
    weights = {}
    for key, default in DEFAULT_WEIGHTS.items():
        value = (config.get("weights") or {}).get(key, default)
        try:
            value = float(value)
        except (TypeError, ValueError):
            value = default
        weights[key] = min(max(value, 0.0), MAX_WEIGHT)
    return {"weights": weights, "spread_load": bool(config.get("spread_load", True))}


def save_programme_config(programme: BuddyProgrammePage, config: Mapping, user=None) -> None:
    """Store weights and options on the programme (without a new page revision)."""
    from .proposals import audit

    config = clean_config(config)
    BuddyProgrammePage.objects.filter(pk=programme.pk).update(
        matching_weights=config["weights"], spread_load=config["spread_load"]
    )
    programme.matching_weights, programme.spread_load = config["weights"], config["spread_load"]
    audit([programme], "wagtail_buddy.matching_settings", user, data=config)


# --------------------------------------------------------------------------- the bridge


def _codes(participants: Iterable[Participant]) -> None:
    """Cache language codes and interest slugs on each participant (2 queries in total)."""
    participants = list(participants)
    ids = [p.pk for p in participants]
    langs: dict[int, set[str]] = {pk: set() for pk in ids}
    interests: dict[int, set[str]] = {pk: set() for pk in ids}
    lang_through = Participant.languages.through
    interest_through = Participant.interests.through
    for chunk in _chunks(ids):
        for pid, code in lang_through.objects.filter(participant_id__in=chunk).values_list(
                "participant_id", "language_id"):
            langs[pid].add(code)
        for pid, slug in interest_through.objects.filter(participant_id__in=chunk).values_list(
                "participant_id", "interest__slug"):
            interests[pid].add(slug)
    for p in participants:
        p._lang_codes = frozenset(langs[p.pk])
        p._interest_codes = frozenset(interests[p.pk])


def _chunks(ids: list[int], size: int = 5000) -> Iterable[list[int]]:
    # SQLite limits the number of query parameters; large pools are read in slices.
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


PROFILE_FIELDS = (
    "pk", "role", "status", "gender", "gender_preference", "university", "faculty",
    "birth_year", "nationality", "arrival_date", "available_from", "available_until",
    "capacity", "exchange_country",
)


def to_mentee(p: Participant) -> Mentee:
    return Mentee(
        id=str(p.pk), gender=p.gender or "", gender_preference=p.gender_preference or "any",
        languages=getattr(p, "_lang_codes", frozenset()),
        interests=getattr(p, "_interest_codes", frozenset()),
        university=p.university or "", faculty=p.faculty or "", birth_year=p.birth_year,
        nationality=str(p.nationality or ""), arrival=p.arrival_date,
    )


def to_mentor(p: Participant, capacity: int | None = None) -> Mentor:
    return Mentor(
        id=str(p.pk), capacity=max(1, capacity if capacity is not None else p.capacity),
        gender=p.gender or "", gender_preference=p.gender_preference or "any",
        languages=getattr(p, "_lang_codes", frozenset()),
        interests=getattr(p, "_interest_codes", frozenset()),
        university=p.university or "", faculty=p.faculty or "", birth_year=p.birth_year,
        available_from=p.available_from, available_until=p.available_until,
        exchange_country=str(p.exchange_country or ""),
    )


@dataclass
class Pool:
    """An intake as the engine sees it, plus what the writer needs to know."""

    mentees: list[Mentee] = field(default_factory=list)
    mentors: list[Mentor] = field(default_factory=list)
    locked: list[tuple[str, str]] = field(default_factory=list)
    forbidden: list[tuple[str, str]] = field(default_factory=list)
    kept_match_ids: list[int] = field(default_factory=list)
    participant_ids: list[int] = field(default_factory=list)


#: Matches a re-run keeps: confirmed, locked, or made by a coordinator's hand.
KEPT = (Q(status=Match.Status.CONFIRMED)
        | Q(status=Match.Status.PROPOSED) & (Q(locked=True) | Q(source=Match.Source.MANUAL)))
#: Matches a re-run replaces: the engine's own open proposals nobody touched.
REPLACED = Q(status=Match.Status.PROPOSED, locked=False, source=Match.Source.ENGINE)
#: Pairs never proposed again (by runs or suggestions) once a coordinator ended them.
ENDED_BY_COORDINATOR = (Match.Status.REJECTED, Match.Status.CANCELLED)


def rerun_preview(intake: Intake) -> dict[str, int]:
    """What the next run of ``intake`` will replace and keep (one aggregate query)."""
    counts = Match.objects.filter(intake=intake).order_by().aggregate(
        n_replaced=Count("pk", filter=REPLACED),
        n_confirmed=Count("pk", filter=Q(status=Match.Status.CONFIRMED)),
        n_locked=Count("pk", filter=Q(status=Match.Status.PROPOSED, locked=True)),
        n_manual=Count("pk", filter=Q(status=Match.Status.PROPOSED, locked=False,
                                      source=Match.Source.MANUAL)),
        n_forbidden=Count("pk", filter=Q(status__in=ENDED_BY_COORDINATOR)),
    )
    return {key.removeprefix("n_"): value for key, value in counts.items()}


def pool_participants(intake: Intake) -> QuerySet:
    return Participant.objects.filter(intake=intake).matchable().only(*PROFILE_FIELDS)


def load_pool(intake: Intake) -> Pool:
    """Participants -> Mentor/Mentee, locked and forbidden pairs; 5 queries whatever the size.

    Locked pairs: confirmed matches, locked proposals and hand-made (swapped) proposals
    whose both sides are still in the pool (their mentors' capacity is raised if a
    coordinator paired beyond it). Mentees in an active match with someone who left the
    pool are left out rather than re-paired.
    Forbidden pairs: every match a coordinator rejected or cancelled in this intake.
    """
    people = list(pool_participants(intake).order_by("pk"))
    _codes(people)
    by_pk = {p.pk: p for p in people}
    kept = list(
        Match.objects.filter(intake=intake).filter(KEPT)
        .values_list("pk", "mentee_id", "mentor_id")
    )
    rejected = Match.objects.filter(
        intake=intake, status__in=ENDED_BY_COORDINATOR).values_list("mentee_id", "mentor_id")
    pool = Pool(participant_ids=list(by_pk))
    taken: set[int] = set()
    load: Counter[int] = Counter()
    for match_pk, mentee_id, mentor_id in kept:
        taken.add(mentee_id)
        mentee, mentor = by_pk.get(mentee_id), by_pk.get(mentor_id)
        if mentee and mentor and mentee.role == Participant.Role.INTERNATIONAL \
                and mentor.role == Participant.Role.LOCAL:
            pool.locked.append((str(mentee_id), str(mentor_id)))
            pool.kept_match_ids.append(match_pk)
            load[mentor_id] += 1
    locked_mentees = {int(a) for a, _b in pool.locked}
    for p in people:
        if p.role == Participant.Role.LOCAL:
            pool.mentors.append(to_mentor(p, max(p.capacity, load[p.pk])))
        elif p.pk not in taken or p.pk in locked_mentees:
            pool.mentees.append(to_mentee(p))
    locked_set = set(pool.locked)
    pool.forbidden = [
        (str(a), str(b)) for a, b in set(rejected)
        if a in by_pk and b in by_pk and (str(a), str(b)) not in locked_set
        and by_pk[a].role == Participant.Role.INTERNATIONAL
        and by_pk[b].role == Participant.Role.LOCAL
    ]
    return pool


def spare_capacity(intake: Intake) -> dict[str, int]:
    """Mentor id -> free slots (capacity minus active matches), one query."""
    rows = (
        Participant.objects.filter(intake=intake, role=Participant.Role.LOCAL).matchable()
        .annotate(active=Count("mentee_matches", filter=Q(
            mentee_matches__status__in=Match.ACTIVE)))
        .values_list("pk", "capacity", "active")
    )
    return {str(pk): max(0, capacity - active) for pk, capacity, active in rows}


def suggestions(mentee: Participant, k: int = 5, exclude_mentor_ids: Iterable[int] = (),
                weights: Mapping[str, float] | None = None) -> list[Pair]:
    """Top-``k`` feasible mentors with spare capacity for ``mentee``.

    Never a pair a coordinator rejected or cancelled before.
    """
    intake = mentee.intake
    spare = spare_capacity(intake)
    excluded = {str(pk) for pk in exclude_mentor_ids}
    # Only mentors with a free place can be suggested: loading just those keeps this fast
    # late in the semester, when most of thousands of buddies are full.
    open_ids = [int(pk) for pk, free in spare.items() if free > 0 and pk not in excluded]
    mentors = list(
        Participant.objects.filter(pk__in=open_ids).only(*PROFILE_FIELDS).order_by("pk")
    ) if len(open_ids) <= 5000 else list(
        Participant.objects.filter(intake=intake, role=Participant.Role.LOCAL).matchable()
        .exclude(pk__in=[int(pk) for pk in excluded]).only(*PROFILE_FIELDS).order_by("pk")
    )
    if not mentors:
        return []
    mentee_row = Participant.objects.only(*PROFILE_FIELDS).get(pk=mentee.pk)
    _codes([mentee_row, *mentors])
    forbidden = [
        (str(a), str(b)) for a, b in Match.objects.filter(
            intake=intake, mentee=mentee, status__in=ENDED_BY_COORDINATOR,
            mentor__in=[m.pk for m in mentors],
        ).values_list("mentee_id", "mentor_id")
    ]
    if weights is None:
        weights = programme_config(intake.programme)["weights"]
    return suggest(to_mentee(mentee_row), [to_mentor(m) for m in mentors],
                   spare_capacity=spare, weights=weights,
                   forbidden=forbidden, k=k)


# --------------------------------------------------------------------------- runs


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
    from .proposals import audit

    audit([intake], "wagtail_buddy.run_started", user, data={"run": run.pk})
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from django_q.tasks import async_task

    options: dict = {"task_name": f"buddy-matching-{run_id}"}
    if buddy_settings.TASK_QUEUE:
        options["q_options"] = {"queue": buddy_settings.TASK_QUEUE}
    try:
        task_id = async_task("wagtail_buddy.tasks.run_matching", run_id, **options)
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
    started = time.perf_counter()
    try:
        progress("loading", 0.0)
        pool = load_pool(run.intake)
        progress("loading", 1.0)
        config = clean_config(run.config)
        result = solve(pool.mentees, pool.mentors, weights=config["weights"],
                       locked=pool.locked, forbidden=pool.forbidden,
                       spread_load=config["spread_load"], progress=progress)
        progress("writing", 0.0)
        _write(run, pool, result, time.perf_counter() - started)
    except InputError as exc:
        _fail(run_id, str(_("The matching input is invalid: %(error)s") % {"error": exc}))
        raise
    except Exception as exc:
        _fail(run_id, f"{type(exc).__name__}: {exc}")
        raise
    run.refresh_from_db()
    return run


def _write(run: MatchingRun, pool: Pool, result, seconds: float) -> None:
    """Replace the intake's open proposals with the run's, in one transaction."""
    from .proposals import refresh_statuses

    kept = {(a, b) for a, b in pool.locked}
    new_pairs = [p for p in result.pairs if (p.mentee, p.mentor) not in kept]
    with transaction.atomic():
        current = MatchingRun.objects.select_for_update().filter(pk=run.pk).values_list(
            "status", flat=True).first()
        if current != MatchingRun.Status.RUNNING:  # failed by the sweeper meanwhile
            raise MatchingRunError(str(_("The run was stopped before its proposals were saved.")))
        Match.objects.filter(REPLACED, intake=run.intake).delete()
        Match.objects.bulk_create([
            Match(intake=run.intake, mentee_id=int(p.mentee), mentor_id=int(p.mentor), run=run,
                  status=Match.Status.PROPOSED, source=Match.Source.ENGINE,
                  score=p.score, breakdown=dict(p.breakdown), evidence=dict(p.evidence))
            for p in new_pairs
        ], batch_size=500)
        refresh_statuses(pool.participant_ids)
        MatchingRun.objects.filter(pk=run.pk).update(
            status=MatchingRun.Status.SUCCEEDED, phase="done", progress=100,
            heartbeat_at=timezone.now(), finished_at=timezone.now(),
            summary=summarise(pool, result, len(new_pairs), seconds),
        )


def summarise(pool: Pool, result, proposed: int, seconds: float) -> dict:
    """What the run page shows: counts, reasons, mean score, load per mentor."""
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
        "seconds": round(seconds, 2),
    }
