"""The mentors' candidate lists (``candidates.MentorLists``): every mentor's best eligible
mentees join the first round's candidates. They must change nothing but the time: the
candidates stay unique eligible pairs with exact scores, each mentee's bound still covers
every pair left out, and the optimum is the dense one with or without them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.intakes import generate_document
from tests.engine.strategies import instances, reference_lsa
from wagtail_buddy.matching import SCALE, score_matrix, solve
from wagtail_buddy.matching import candidates as candidates_module
from wagtail_buddy.matching import engine as engine_module
from wagtail_buddy.matching.candidates import NEG, score_candidates
from wagtail_buddy.matching.criteria import resolve_weights
from wagtail_buddy.matching.profiles import parse_problem


def _scan(mentees, mentors, forbidden, k, per_mentor):
    inst = engine_module._encode(mentees, mentors, resolve_weights(None), [], forbidden)
    open_cols = inst.cap_rem > 0
    cand = score_candidates(inst.model, inst.forbidden, inst.free_rows, open_cols, k, 1,
                            lambda phase, frac: None, per_mentor=per_mentor)
    return inst, open_cols, cand


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(inst=instances(max_mentees=24, max_mentors=12), k=st.integers(1, 4),
       per_mentor=st.integers(1, 5), chunk=st.integers(1, 60), data=st.data())
def test_lists_hold_every_mentors_best_mentees(monkeypatch, inst, k, per_mentor, chunk, data):
    """Small chunks and compaction after every chunk: each open mentor's listed pairs
    include its ``per_mentor`` best eligible scores, every candidate is an eligible pair
    with its exact score, no pair twice, and every eligible pair left out scores at most
    its mentee's bound."""
    mentees, mentors = inst[0], inst[1]
    monkeypatch.setattr(candidates_module, "CHUNK_PAIRS", chunk)
    monkeypatch.setattr(candidates_module, "COMPACT_MIN", data.draw(st.integers(0, 30)))
    forbidden = [(a.id, b.id) for a in mentees for b in mentors
                 if data.draw(st.integers(0, 9)) == 0]
    enc_inst, open_cols, cand = _scan(mentees, mentors, forbidden, k, per_mentor)
    scores, feas = score_matrix(mentees, mentors, forbidden=forbidden)
    # score_matrix follows the given order; the engine's rows/cols follow the encoding.
    mi = {x: i for i, x in enumerate(enc_inst.model.enc.mentees.ids)}
    ti = {x: j for j, x in enumerate(enc_inst.model.enc.mentors.ids)}
    units = np.zeros_like(scores, np.int64)
    elig = np.zeros_like(feas)
    for a, x in enumerate(mentees):
        for b, y in enumerate(mentors):
            units[mi[x.id], ti[y.id]] = round(scores[a, b] * SCALE)
            elig[mi[x.id], ti[y.id]] = feas[a, b] and open_cols[ti[y.id]]
    pairs = list(zip(cand.rows.tolist(), cand.cols.tolist(), strict=True))
    assert len(set(pairs)) == len(pairs)
    assert all(elig[i, j] for i, j in pairs)
    assert cand.scores.tolist() == [int(units[i, j]) for i, j in pairs]
    listed = np.zeros_like(elig)
    listed[cand.rows, cand.cols] = True
    for j in np.nonzero(open_cols)[0]:
        best = sorted(units[elig[:, j], j].tolist(), reverse=True)[:per_mentor]
        mine = sorted(units[listed[:, j], j].tolist(), reverse=True)[:len(best)]
        assert mine == best
    left = elig & ~listed
    for i in range(len(mentees)):
        if left[i].any():
            assert cand.bound[i] > NEG and units[i, left[i]].max() <= cand.bound[i]


def _optimum(res) -> tuple[int, int]:
    return len(res.pairs), sum(int(round(p.score * SCALE)) for p in res.pairs)


def _solve(problem, k):
    return solve(problem.mentees, problem.mentors, weights=problem.weights,
                 locked=problem.locked, forbidden=problem.forbidden, candidates=k)


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(family=st.sampled_from(["congested", "locked"]), seed=st.integers(0, 10**6),
       k=st.sampled_from([4, 32]), per_mentor=st.sampled_from([0, 2, 16]))
def test_same_dense_optimum_with_or_without_lists(monkeypatch, family, seed, k, per_mentor):
    problem = parse_problem(generate_document(family, 300, seed))
    monkeypatch.setattr(engine_module, "MENTOR_CANDIDATES", per_mentor)
    res = _solve(problem, k)
    scores, feas = score_matrix(problem.mentees, problem.mentors, weights=problem.weights,
                                forbidden=problem.forbidden, locked=problem.locked)
    assert _optimum(res) == reference_lsa(scores, feas, problem.mentees, problem.mentors,
                                          problem.locked, False)
    assert res.optimal is True


@pytest.mark.parametrize("family", ["congested", "locked"])
def test_lists_cut_the_first_rounds_violations(monkeypatch, family):
    """What the lists are for: on a congested intake the first candidate graph without them
    misses the mentors few mentees rank high, and its certificate finds many violations."""
    problem = parse_problem(generate_document(family, 2000, 7))
    with_lists = _solve(problem, 32)
    monkeypatch.setattr(engine_module, "MENTOR_CANDIDATES", 0)
    without = _solve(problem, 32)
    assert _optimum(with_lists) == _optimum(without)
    first = [r.diagnostics["certificate"]["detail"][0]["violations"]
             for r in (with_lists, without)]
    assert first[0] * 5 < first[1]
