"""Property tests: the engine equals independent exact optima and keeps every rule."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wagtail_buddy.matching import SCALE, score_matrix, solve, suggest

from .strategies import instances, reference_brute, reference_lsa, slot_penalty_units

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _check_invariants(res, mentees, mentors, weights, locked, forbidden):
    scores, feas = score_matrix(mentees, mentors, weights=weights, forbidden=forbidden,
                                locked=locked)
    mi = {m.id: i for i, m in enumerate(mentees)}
    ti = {t.id: j for j, t in enumerate(mentors)}
    # every mentee exactly once, in pairs or unmatched
    seen = [p.mentee for p in res.pairs] + [u.mentee for u in res.unmatched]
    assert sorted(seen) == sorted(mi)
    load = dict.fromkeys(ti, 0)
    locked_set, forbidden_set = set(locked), set(forbidden)
    for p in res.pairs:
        i, j = mi[p.mentee], ti[p.mentor]
        load[p.mentor] += 1
        assert (p.mentee, p.mentor) not in forbidden_set
        assert p.locked == ((p.mentee, p.mentor) in locked_set)
        assert feas[i, j], "pair breaks a hard rule"
        assert p.score == scores[i, j]
        assert abs(sum(p.breakdown.values()) - p.score) < 1e-9
        assert set(p.breakdown) >= {"languages", "interests", "university", "age"}
        a, b = mentees[i], mentors[j]
        assert p.evidence["languages"] == sorted(a.languages & b.languages)
        assert p.evidence["interests"] == sorted(a.interests & b.interests)
        if not p.locked:  # a common language is a hard rule
            assert p.evidence["languages"]
        if a.university and b.university:
            assert p.evidence["university"] == (a.university.casefold() == b.university.casefold())
        else:
            assert p.evidence["university"] is None
    for t in mentors:
        assert load[t.id] <= t.capacity
    pairs = {(p.mentee, p.mentor) for p in res.pairs}
    assert locked_set <= pairs
    for u in res.unmatched:
        i = mi[u.mentee]
        has_feasible = bool(feas[i].any())
        assert u.reason == ("mentors_full" if has_feasible else "no_feasible_mentor")
        if has_feasible:
            # Optimality consequence: every feasible mentor of an unmatched mentee is full.
            for j in np.nonzero(feas[i])[0]:
                assert load[mentors[j].id] == mentors[j].capacity
    assert abs(res.objective - sum(p.score for p in res.pairs)) < 1e-6
    return scores, feas


def _objective(res, mentors, locked, spread):
    units = sum(int(round(p.score * SCALE)) for p in res.pairs)
    pen = int(round(res.diagnostics["spread_penalty"] * SCALE))
    if spread:
        # Independently recompute the penalty from the loads: 0 + 1 + ... + (load - 1) steps.
        step = slot_penalty_units(spread)
        load = {}
        for p in res.pairs:
            load[p.mentor] = load.get(p.mentor, 0) + 1
        assert pen == sum(x * (x - 1) // 2 for x in load.values()) * step
    return len(res.pairs), units - pen


@SETTINGS
@given(inst=instances(), k=st.sampled_from([1, 2, 12]))
def test_solve_is_exact_lexicographic_optimum(inst, k):
    mentees, mentors, weights, locked, forbidden, spread = inst
    res = solve(mentees, mentors, weights=weights, locked=locked, forbidden=forbidden,
                spread_load=spread, candidates=k, workers=1)
    scores, feas = _check_invariants(res, mentees, mentors, weights, locked, forbidden)
    got = _objective(res, mentors, locked, spread)
    assert got == reference_lsa(scores, feas, mentees, mentors, locked, spread)
    assert res.optimal is True


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances(max_mentees=5, max_mentors=3))
def test_solve_matches_brute_force(inst):
    mentees, mentors, weights, locked, forbidden, spread = inst
    res = solve(mentees, mentors, weights=weights, locked=locked, forbidden=forbidden,
                spread_load=spread, candidates=1, workers=1)
    scores, feas = score_matrix(mentees, mentors, weights=weights, forbidden=forbidden,
                                locked=locked)
    best = reference_brute(scores, feas, mentees, mentors, locked, spread)
    if best is not None:
        assert _objective(res, mentors, locked, spread) == best


@SETTINGS
@given(inst=instances(), k=st.integers(1, 6), data=st.data())
def test_suggest_top_k(inst, k, data):
    mentees, mentors, weights, locked, forbidden, _ = inst
    mentee = data.draw(st.sampled_from(mentees))
    spare = {t.id: data.draw(st.integers(0, t.capacity)) for t in mentors}
    got = suggest(mentee, mentors, spare_capacity=spare, weights=weights, forbidden=forbidden,
                  k=k, mentees_pool=mentees)
    scores, feas = score_matrix(mentees, mentors, weights=weights, forbidden=forbidden)
    i = [m.id for m in mentees].index(mentee.id)
    eligible = [j for j, t in enumerate(mentors) if feas[i, j] and spare[t.id] > 0]
    expected = sorted(eligible, key=lambda j: (-scores[i, j], j))[:k]
    assert [p.mentor for p in got] == [mentors[j].id for j in expected]
    for p in got:
        assert abs(sum(p.breakdown.values()) - p.score) < 1e-9
        assert p.score == scores[i, [t.id for t in mentors].index(p.mentor)]
    assert all(a.score >= b.score for a, b in zip(got, got[1:], strict=False))


@settings(max_examples=30, deadline=None)
@given(inst=instances())
def test_deterministic(inst):
    mentees, mentors, weights, locked, forbidden, spread = inst
    opts = dict(weights=weights, locked=locked, forbidden=forbidden, spread_load=spread)
    a = solve(mentees, mentors, **opts)
    b = solve(mentees, mentors, **opts, workers=2)  # two scoring threads, same result
    assert [(p.mentee, p.mentor) for p in a.pairs] == [(p.mentee, p.mentor) for p in b.pairs]
    assert a.unmatched == b.unmatched


@settings(max_examples=200, deadline=None)
@given(rows=st.integers(1, 4), width=st.integers(2, 200), k=st.integers(1, 40),
       levels=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_blocked_top_k_selects_a_true_top_k(rows, width, k, levels, seed):
    """Few distinct values (many ties) and -inf entries: the blocked selection's values are
    exactly the k largest of every row, whatever the width and the block layout."""
    from wagtail_buddy.matching.candidates import top_k_columns

    k = min(k, width - 1)
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, levels, (rows, width)).astype(np.float32)
    keys[rng.random((rows, width)) < 0.3] = -np.inf
    cols = top_k_columns(keys, k)
    assert cols.shape == (rows, k)
    for r in range(rows):
        assert len(set(cols[r].tolist())) == k and cols[r].max() < width
        assert sorted(keys[r, cols[r]].tolist()) == sorted(keys[r].tolist())[-k:]
