"""Unit tests per hard rule, per criterion, for the registry and for input validation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from wagtail_buddy.matching import (
    CRITERIA,
    DEFAULT_WEIGHTS,
    InputError,
    Mentee,
    Mentor,
    register_criterion,
    score_matrix,
    solve,
    suggest,
)
from wagtail_buddy.matching.criteria import unregister_criterion

D = dt.date(2026, 9, 10)
ONLY = dict.fromkeys(CRITERIA, 0.0)


def pair(mentee: Mentee, mentor: Mentor, **weights):
    w = dict(ONLY, **weights) if weights else None
    s, f = score_matrix([mentee], [mentor], weights=w)
    return float(s[0, 0]), bool(f[0, 0])


def M(**kw):
    return Mentee(id=kw.pop("id", "a"), languages=kw.pop("languages", {"en"}), **kw)


def T(**kw):
    return Mentor(id=kw.pop("id", "b"), languages=kw.pop("languages", {"en"}), **kw)


# ------------------------------------------------------------------ hard rules


def test_common_language_required():
    assert pair(M(languages={"en"}), T(languages={"de"}))[1] is False
    assert pair(M(languages={"EN", "fr"}), T(languages={"en"}))[1] is True
    assert pair(M(languages=set()), T())[1] is False


@pytest.mark.parametrize(
    "mg, mp, tg, tp, ok",
    [
        ("female", "same", "female", "any", True),
        ("female", "same", "male", "any", False),
        ("female", "any", "male", "same", False),
        ("", "same", "", "any", False),  # "same" needs a given gender on both sides
        ("male", "any", "", "same", False),
        ("male", "any", "female", "any", True),
        ("nonbinary", "same", "nonbinary", "same", True),
    ],
)
def test_gender_preference(mg, mp, tg, tp, ok):
    assert pair(M(gender=mg, gender_preference=mp), T(gender=tg, gender_preference=tp))[1] is ok


@pytest.mark.parametrize(
    "arrival, frm, until, ok",
    [
        (D, D, D, True),  # inclusive on both ends
        (D, D + dt.timedelta(1), None, False),
        (D, None, D - dt.timedelta(1), False),
        (D, None, None, True),
        (None, D + dt.timedelta(5), D + dt.timedelta(6), True),  # no arrival: no constraint
        (D, D - dt.timedelta(9), D + dt.timedelta(9), True),
    ],
)
def test_availability_window(arrival, frm, until, ok):
    assert pair(M(arrival=arrival), T(available_from=frm, available_until=until))[1] is ok


def test_forbidden_and_locked_override_rules():
    a, b = M(id="a"), T(id="b", languages={"de"})  # no common language
    c = T(id="c")
    res = solve([a], [b, c], locked=[("a", "b")])
    assert [(p.mentee, p.mentor, p.locked) for p in res.pairs] == [("a", "b", True)]
    res = solve([a], [c], forbidden=[("a", "c")])
    assert res.pairs == [] and res.unmatched[0].reason == "no_feasible_mentor"
    s, f = score_matrix([a], [b, c], forbidden=[("a", "c")], locked=[("a", "b")])
    assert f.tolist() == [[True, False]]


def test_unmatched_reasons():
    m1, m2 = M(id="m1"), M(id="m2")
    lonely = M(id="m3", languages={"zh"})
    t = T(id="t", capacity=1)
    res = solve([m1, m2, lonely], [t])
    reasons = {u.mentee: u.reason for u in res.unmatched}
    assert reasons["m3"] == "no_feasible_mentor"
    assert len(res.pairs) == 1 and list(reasons.values()).count("mentors_full") == 1


def test_locks_fill_capacity_then_mentors_full():
    res = solve([M(id="x"), M(id="y")], [T(id="t")], locked=[("x", "t")])
    assert [u.reason for u in res.unmatched] == ["mentors_full"]


# ------------------------------------------------------------------ criteria


def test_each_criterion_in_unit_range_and_weighted():
    a = M(interests={"chess"}, university="TUM", faculty="CS", birth_year=2000,
          nationality="es", gender="female", arrival=D, languages={"en", "de", "fr"})
    b = T(interests={"chess"}, university="TUM", faculty="cs", birth_year=2000,
          exchange_country="ES", gender="female", available_from=D - dt.timedelta(7),
          languages={"en", "de", "fr"})
    for key in CRITERIA:
        s1, _ = pair(a, b, **{key: 1.0})
        s2, _ = pair(a, b, **{key: 2.5})
        assert s1 == 1.0, key  # everything matches perfectly
        assert s2 == 2.5, key


def test_languages_share_of_mentee_languages():
    one = pair(M(languages={"en", "de", "fr"}), T(languages={"en"}), languages=1)[0]
    two = pair(M(languages={"en", "de", "fr"}), T(languages={"en", "de"}), languages=1)[0]
    three = pair(M(languages={"en", "de", "fr"}), T(languages={"en", "de", "fr"}), languages=1)
    assert 0 < one < two < three[0] == 1.0
    assert abs(one - 1 / 3) <= 1e-4 and abs(two - 2 / 3) <= 1e-4


def test_rare_shared_interests_count_more():
    # "chess" is rare, "travel" is everybody's.
    others = [M(id=f"o{k}", interests={"travel"}) for k in range(20)]
    a1 = M(id="a1", interests={"travel", "chess"})
    b1 = T(id="b1", interests={"chess", "travel", "x"})
    a2 = M(id="a2", interests={"chess", "travel"})
    b2 = T(id="b2", interests={"travel", "chess", "y"})
    s, _ = score_matrix([a1, a2, *others], [b1, b2], weights=dict(ONLY, interests=1))
    assert s[0, 0] == s[1, 1]  # symmetric situations score equally
    both = M(id="both", interests={"chess", "travel"})
    t_rare = T(id="tr", interests={"chess"})
    t_common = T(id="tc", interests={"travel"})
    t_all = T(id="ta", interests={"chess", "travel"})
    s, _ = score_matrix([both, *others], [t_rare, t_common, t_all],
                        weights=dict(ONLY, interests=1))
    assert s[0, 2] == 1.0
    assert s[0, 0] > s[0, 1] > 0
    assert s[0, 0] + s[0, 1] == pytest.approx(1.0)


def test_age_closeness():
    ages = [pair(M(birth_year=2000), T(birth_year=2000 + d), age=1)[0] for d in range(7)]
    assert ages[0] == 1.0 and ages[5] == 0.0 and ages[6] == 0.0
    assert all(x > y for x, y in zip(ages[:5], ages[1:6], strict=True))
    assert pair(M(birth_year=None), T(birth_year=2000), age=1)[0] == 0.0
    assert pair(M(birth_year=2001), T(birth_year=2000), age=1)[0] == pytest.approx(0.8)


def test_missing_values_never_match():
    for key, kw_a, kw_b in [
        ("university", {}, {}),
        ("faculty", {}, {}),
        ("exchange_country", {}, {}),
        ("same_gender", {}, {}),
    ]:
        assert pair(M(**kw_a), T(**kw_b), **{key: 1})[0] == 0.0, key


def test_exchange_country_and_arrival_readiness():
    assert pair(M(nationality="ES"), T(exchange_country="es"), exchange_country=1)[0] == 1.0
    assert pair(M(nationality="IT"), T(exchange_country="ES"), exchange_country=1)[0] == 0.0
    ready = [pair(M(arrival=D), T(available_from=D - dt.timedelta(d)), arrival=1)[0]
             for d in range(5)]
    assert ready[0] == 0.0 and ready[3] == 1.0 and ready[4] == 1.0
    assert pair(M(arrival=None), T(), arrival=1)[0] == 0.0


def test_register_custom_criterion():
    def same_initial(block):
        a = block.mentee_values(lambda m: m.faculty[:1])
        b = block.mentor_values(lambda t: t.faculty[:1])
        return (a == b) & (a != "")

    register_criterion("same_initial", same_initial, 0.5, "Same faculty initial")
    try:
        assert CRITERIA["same_initial"].label == "Same faculty initial"
        assert DEFAULT_WEIGHTS["same_initial"] == 0.5
        a, b = M(faculty="Law"), T(faculty="Linguistics")
        assert pair(a, b, same_initial=1)[0] == 1.0
        res = solve([a], [b])
        assert res.pairs[0].breakdown["same_initial"] == 0.5
        with pytest.raises(ValueError):
            register_criterion("same_initial", same_initial)
    finally:
        unregister_criterion("same_initial")
    assert "same_initial" not in CRITERIA


def test_criteria_have_labels_and_defaults():
    assert list(CRITERIA)[:3] == ["languages", "interests", "university"]
    for key, c in CRITERIA.items():
        assert c.label and isinstance(c.label, str)
        assert DEFAULT_WEIGHTS[key] == c.default_weight


# ------------------------------------------------------------------ solve behaviour


def test_greedy_trap_prefers_more_matches_then_score():
    # Greedy takes (a, x) = best pair and leaves b unmatched; optimum matches both.
    a = M(id="a", university="U", faculty="F")
    b = M(id="b")
    x = T(id="x", university="U", faculty="F")
    y = T(id="y", university="U", faculty="F", languages={"en", "fr"})
    b_only = M(id="b", languages={"fr"})
    res = solve([a, b_only], [x, y])
    assert {(p.mentee, p.mentor) for p in res.pairs} == {("a", "x"), ("b", "y")}
    res = solve([a, b], [x])  # one slot: the better pair wins
    assert [(p.mentee, p.mentor) for p in res.pairs] == [("a", "x")]


def test_spread_load_prefers_another_mentors_first_slot():
    w = dict(ONLY, university=1.0)
    ms = [M(id="a", university="U"), M(id="b", university="U")]
    big = T(id="big", capacity=2, university="U")
    other = T(id="other", university="V")
    plain = solve(ms, [big, other], weights=w)
    assert {p.mentor for p in plain.pairs} == {"big"}
    spread = solve(ms, [big, other], weights=w, spread_load=True)
    assert {p.mentor for p in spread.pairs} == {"big"}  # 0.1 < 1.0 score difference
    close = T(id="close", university="U")
    w2 = dict(ONLY, university=1.0)
    spread = solve(ms, [big, close], weights=w2, spread_load=True)
    assert sorted(p.mentor for p in spread.pairs) == ["big", "close"]
    assert spread.diagnostics["spread_penalty"] == 0.0


def test_evidence_says_what_each_criterion_found():
    a = M(id="a", languages={"fr", "it", "en"}, interests={"7", "3", "9"}, university="TUM",
          birth_year=2001, nationality="ES", arrival=D, gender="female")
    b = T(id="b", languages={"it", "fr", "de"}, interests={"3", "7", "1"}, university="tum",
          faculty="Law", birth_year=1998, exchange_country="IT", gender="male",
          available_from=D + dt.timedelta(days=2))
    (locked,) = solve([a], [b], locked=[("a", "b")]).pairs  # kept despite the late start
    assert locked.evidence == {
        "languages": ["fr", "it"], "interests": ["3", "7"], "university": True,
        "faculty": None, "age": 3, "exchange_country": False, "arrival": -2,
        "same_gender": False,
    }
    (early,) = suggest(M(id="c", arrival=D), [T(id="d", available_from=D - dt.timedelta(5))])
    assert early.evidence["arrival"] == 5 and early.evidence["age"] is None
    assert early.evidence["university"] is None and early.evidence["interests"] == []


def test_progress_phases_reported():
    seen = []
    solve([M(id="a")], [T(id="b")], progress=lambda ph, f: seen.append((ph, f)))
    phases = [p for p, _ in seen]
    for ph in ("encoding", "scoring", "solving", "explaining"):
        assert ph in phases
    assert all(0.0 <= f <= 1.0 for _, f in seen)


def test_suggest_respects_spare_capacity_and_forbidden():
    m = M(id="m", university="U")
    ts = [T(id="t1", university="U"), T(id="t2"), T(id="t3", university="U"), T(id="t4")]
    got = suggest(m, ts, spare_capacity={"t1": 0}, forbidden=[("m", "t4"), ("other", "t1")], k=5)
    assert [p.mentor for p in got] == ["t3", "t2"]
    assert got[0].score > got[1].score


def test_empty_inputs():
    assert solve([], []).pairs == []
    res = solve([M(id="a")], [])
    assert res.unmatched[0].reason == "no_feasible_mentor"
    s, f = score_matrix([], [T()])
    assert s.shape == (0, 1) and f.shape == (0, 1)


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        (dict(mentees=[M(id="a"), M(id="a")]), "duplicate id"),
        (dict(mentors=[T(id="b"), T(id="b")]), "duplicate id"),
        (dict(mentors=[T(id="b", capacity=0)]), "capacity"),
        (dict(locked=[("zz", "b")]), "unknown mentee id 'zz'"),
        (dict(forbidden=[("a", "zz")]), "unknown mentor id 'zz'"),
        (dict(locked=[("a", "b"), ("a", "c")]), "locked to two mentors"),
        (dict(mentees=[M(id="a"), M(id="x")], locked=[("a", "b"), ("x", "b")]), "capacity"),
        (dict(locked=[("a", "b")], forbidden=[("a", "b")]), "both locked and forbidden"),
        (dict(weights={"nope": 1}), "unknown criterion"),
        (dict(weights={"age": float("nan")}), "finite"),
        (dict(mentees=[M(id="a", gender_preference="opposite")]), "gender_preference"),
        (dict(mentors=[T(id="b", available_from=D, available_until=D - dt.timedelta(1))]),
         "available_until"),
    ],
)
def test_input_errors(kwargs, needle):
    args = dict(mentees=[M(id="a")], mentors=[T(id="b"), T(id="c")])
    args.update(kwargs)
    with pytest.raises(InputError, match=needle):
        solve(**args)


def test_scores_integral_fixed_point():
    s, _ = score_matrix([M(interests={"a", "b", "c"})], [T(interests={"a", "d"})])
    assert np.all(np.abs(s * 10_000 - np.rint(s * 10_000)) < 1e-6)


def test_certificate_rounds_with_forbidden_pairs_match_dense_optimum():
    """Synthetic intake, tight capacity: few candidates force several certificate rounds
    whose rescoring uses price-restricted mentor subsets (with forbidden pairs mapped into
    them); every variant equals the dense optimum over capacity-expanded slots."""
    from scipy.optimize import linear_sum_assignment

    from wagtail_buddy.matching.synth import generate

    mentees, mentors = generate(240, seed=3)
    scores, feas = score_matrix(mentees, mentors)
    rng = np.random.default_rng(0)
    ii, jj = np.nonzero(feas)
    pick = rng.choice(len(ii), size=150, replace=False)
    forbidden = [(mentees[ii[p]].id, mentors[jj[p]].id) for p in pick]
    feas[ii[pick], jj[pick]] = False
    slot_owner = np.repeat(np.arange(len(mentors)), [t.capacity for t in mentors])
    units = np.rint(scores * 10_000).astype(np.int64)
    big = 10**12
    mat = np.where(feas, units + big, 0)[:, slot_owner]
    r, c = linear_sum_assignment(mat, maximize=True)
    v = mat[r, c]
    expected = (int((v > 0).sum()), int(v[v > 0].sum() - big * (v > 0).sum()))
    restricted = 0
    for k in (1, 3, 32):
        res = solve(mentees, mentors, forbidden=forbidden, candidates=k, workers=2)
        got = (len(res.pairs), sum(int(round(p.score * 10_000)) for p in res.pairs))
        assert got == expected, k
        assert not {(p.mentee, p.mentor) for p in res.pairs} & set(forbidden)
        rounds = res.diagnostics["certificate"]["detail"]
        assert rounds[-1]["violations"] == 0  # the last round certifies
        if k < 32:
            # Several rounds: the first candidates were not enough, pairs outside them
            # violated and were added.
            assert len(rounds) >= 2, k
            assert rounds[0]["violations"] > 0 and rounds[0]["violations_added"] > 0
        # Rounds whose rescoring covered only the mentors priced low enough to violate.
        restricted += sum(0 < r["pairs_rescored"] < r["checked_mentees"] * len(mentors)
                          for r in rounds)
    assert restricted >= 2
