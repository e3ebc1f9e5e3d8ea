"""The run lifecycle (``services.runs``), the pool (``services.pool``) and the run
configuration (``services.matching_config``), with no HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django_q.conf import Conf

from wagtail_buddy.matching import CRITERIA, DEFAULT_WEIGHTS
from wagtail_buddy.models import Match, MatchingRun, Participant
from wagtail_buddy.services import decisions, reasons, runs
from wagtail_buddy.services.demo import create_demo_participants
from wagtail_buddy.services.matching_config import (
    CRITERION_LABELS,
    MAX_WEIGHT,
    clean_config,
    criterion_label,
)
from wagtail_buddy.services.pool import load_pool, suggestions


def test_run_proposes_pairs_and_updates_statuses(small_pool, intake, coordinator, run_matching):
    mentees, mentors = small_pool
    run = run_matching(intake, coordinator)
    assert run.status == MatchingRun.Status.SUCCEEDED, run.error
    assert run.progress == 100 and run.phase == "done" and run.finished_at
    proposed = Match.objects.filter(run=run, status=Match.Status.PROPOSED)
    assert proposed.count() == 6
    assert all(m.breakdown and m.score > 0 for m in proposed)
    for m in proposed.select_related("mentee", "mentor"):  # what each criterion found
        langs = [set(p.languages.values_list("code", flat=True)) for p in (m.mentee, m.mentor)]
        interests = [set(p.interests.values_list("slug", flat=True))  # the engine's ids
                     for p in (m.mentee, m.mentor)]
        assert m.evidence["languages"] == sorted(langs[0] & langs[1]) != []
        assert m.evidence["interests"] == sorted(interests[0] & interests[1])
        assert set(m.evidence) == set(m.breakdown)
        # The admin names the stored evidence: every shared interest by its name.
        names = dict(m.mentee.interests.values_list("slug", "name"))
        words = {r["key"]: r["words"] for r in reasons.explain(
            m.breakdown, None, evidence=m.evidence, mentee=m.mentee, mentor=m.mentor)}
        shared = [names[slug] for slug in m.evidence["interests"]]
        assert "?" not in words["interests"]
        assert all(name in words["interests"] for name in shared)
    assert set(Participant.objects.filter(pk__in=[m.pk for m in mentees])
               .values_list("status", flat=True)) == {Participant.Status.PROPOSED}
    assert run.summary["matched"] == 6 and run.summary["unmatched"] == 0
    assert run.summary["load_histogram"] == {"2": 3}
    assert run.summary["mean_score"] > 0


def test_rerun_keeps_confirmed_and_locked_and_never_reproposes_rejected(
        small_pool, intake, coordinator, run_matching):
    first = run_matching(intake, coordinator)
    pairs = list(Match.objects.filter(run=first).order_by("pk"))
    confirmed, locked, rejected = pairs[0], pairs[1], pairs[2]
    decisions.confirm([confirmed], coordinator)
    decisions.set_locked([locked], coordinator)
    decisions.reject([rejected], coordinator)
    rejected_pair = (rejected.mentee_id, rejected.mentor_id)

    second = run_matching(intake, coordinator)
    assert second.status == MatchingRun.Status.SUCCEEDED, second.error
    confirmed.refresh_from_db()
    locked.refresh_from_db()
    assert confirmed.status == Match.Status.CONFIRMED and confirmed.run_id == first.pk
    assert locked.status == Match.Status.PROPOSED and locked.locked and locked.run_id == first.pk
    active = Match.objects.filter(intake=intake, status__in=Match.ACTIVE)
    assert rejected_pair not in set(active.values_list("mentee_id", "mentor_id"))
    assert active.count() == 6  # every mentee has exactly one active pair again
    assert second.summary["kept"] == 2 and second.summary["forbidden"] == 1
    # The old unlocked proposals were replaced by the new run's.
    assert not Match.objects.filter(run=first, status=Match.Status.PROPOSED,
                                    locked=False).exists()


def test_second_start_raises_clear_error(small_pool, intake, coordinator, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)  # queued, not executed
    first = runs.start_run(intake.programme, intake, coordinator, {})
    with pytest.raises(runs.RunAlreadyActive) as refused:
        runs.start_run(intake.programme, intake, coordinator, {})
    assert refused.value.run == first
    assert "already in progress" in str(refused.value)


def test_stuck_runs_fail_and_free_the_intake(small_pool, intake, coordinator, settings,
                                             run_matching):
    settings.WAGTAIL_BUDDY_RUN_TIMEOUT = 60
    old = timezone.now() - timedelta(seconds=120)
    stuck = MatchingRun.objects.create(programme=intake.programme, intake=intake,
                                       status=MatchingRun.Status.RUNNING, started_at=old,
                                       heartbeat_at=old)
    # start_run sweeps the intake first, so the coordinator is not blocked by a dead worker.
    run = run_matching(intake, coordinator)
    stuck.refresh_from_db()
    assert stuck.status == MatchingRun.Status.FAILED and "worker" in stuck.error
    assert run.status == MatchingRun.Status.SUCCEEDED


def test_failed_write_leaves_nothing_and_reports(small_pool, intake, coordinator, monkeypatch,
                                                 run_matching):
    """The disk fills up after half the proposals went in: they are all rolled back."""
    real_insert, written = runs.insert_rows, []

    def half_then_boom(model, rows, *args, **kwargs):
        assert model is Match
        real_insert(model, rows[:len(rows) // 2], *args, **kwargs)
        written.extend(Match.objects.values_list("pk", flat=True))
        assert written  # really in (COPY on PostgreSQL, bulk_create elsewhere)
        raise RuntimeError("disk full")

    monkeypatch.setattr(runs, "insert_rows", half_then_boom)
    run = run_matching(intake, coordinator)
    assert run.status == MatchingRun.Status.FAILED and "disk full" in run.error
    assert written and not Match.objects.exists()
    assert not Participant.objects.filter(status=Participant.Status.PROPOSED).exists()


def test_execute_skips_a_run_that_is_not_queued(intake, coordinator):
    run = MatchingRun.objects.create(programme=intake.programme, intake=intake,
                                     status=MatchingRun.Status.FAILED)
    assert runs.execute_run(run.pk) is None


def test_progress_is_persisted_with_heartbeat(intake, coordinator):
    run = MatchingRun.objects.create(programme=intake.programme, intake=intake,
                                     status=MatchingRun.Status.RUNNING)
    progress = runs._Progress(run.pk)
    progress("scoring", 0.5)
    run.refresh_from_db()
    assert run.phase == "scoring" and 10 < run.progress < 55 and run.heartbeat_at


def test_pool_loads_in_constant_queries(intake, django_assert_num_queries):
    create_demo_participants(intake, 150, 100, seed=3)
    with django_assert_num_queries(5):
        pool = load_pool(intake)
    assert len(pool.mentees) == 150 and len(pool.mentors) == 100
    assert all(m.languages for m in pool.mentees)


def test_withdrawn_and_unconfirmed_are_left_out(participant_factory, intake):
    participant_factory("international", status=Participant.Status.WITHDRAWN)
    participant_factory("international", status=Participant.Status.UNCONFIRMED)
    waiting = participant_factory("international")
    pool = load_pool(intake)
    assert [m.id for m in pool.mentees] == [str(waiting.pk)]


def test_suggestions_respect_capacity_and_rejections(participant_factory, intake, coordinator):
    mentee = participant_factory("international", languages=("en",))
    full = participant_factory("local", languages=("en",), capacity=1)
    rejected = participant_factory("local", languages=("en",))
    free = participant_factory("local", languages=("en",))
    participant_factory("local", languages=("de",))  # no common language
    other = participant_factory("international", languages=("en",))
    decisions.pair_manually(other, full, coordinator)
    Match.objects.create(intake=intake, mentee=mentee, mentor=rejected,
                         status=Match.Status.REJECTED)
    ids = [p.mentor for p in suggestions(mentee)]
    assert ids == [str(free.pk)]


def test_invalid_weights_are_clamped():
    config = clean_config({"weights": {"languages": "x", "interests": 99,
                                       "age": -3, "nope": 1}})
    assert "nope" not in config["weights"]
    assert config["weights"]["interests"] == MAX_WEIGHT
    assert config["weights"]["age"] == 0
    assert config["weights"]["languages"] == DEFAULT_WEIGHTS["languages"]


@pytest.mark.parametrize("language", ["fr", "de", "es", "it", "pt"])
def test_criterion_labels_are_translated(language):
    """Every criterion has a label, and each is translated in every shipped language."""
    assert set(CRITERION_LABELS) >= set(CRITERIA)
    with translation.override("en"):
        english = {key: criterion_label(key) for key in CRITERIA}
    assert english["languages"] == "Shared languages"
    with translation.override(language):
        translated = {key: criterion_label(key) for key in CRITERIA}
        assert criterion_label("unknown_key") == "unknown_key"
    untranslated = {k for k in CRITERIA if translated[k] == english[k] or not translated[k]}
    assert not untranslated, (language, untranslated)
