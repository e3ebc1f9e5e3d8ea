"""The certificate's per-mentee slack on the benchmark's congested and locked families.

The slack (``certify.Slack``) lets a mentee be rescored only against the mentors whose price
fell by more than its slack since it was last rescored. It must change nothing but the time:
the same optimum as the rule it replaced (every uncertified mentee against every mentor
priced below its first-pass threshold) and as an independent dense solve.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.intakes import generate_document
from tests.engine.strategies import reference_lsa
from wagtail_buddy.matching import SCALE, score_matrix, solve
from wagtail_buddy.matching import certify as certify_module
from wagtail_buddy.matching.profiles import parse_problem


def _solve(problem, k: int):
    return solve(problem.mentees, problem.mentors, weights=problem.weights,
                 locked=problem.locked, forbidden=problem.forbidden, candidates=k, workers=1)


def _optimum(res) -> tuple[int, int]:
    return len(res.pairs), sum(int(round(p.score * SCALE)) for p in res.pairs)


def _rescored(res) -> int:
    return sum(r["pairs_rescored"] for r in res.diagnostics["certificate"]["detail"])


@pytest.fixture
def without_slack(monkeypatch):
    """The former rule: bounds are never renewed, so every round checks each mentee
    against the first pass's bound (reference prices 0)."""
    original = certify_module._violations

    def no_renewal(*args):
        new, n_real, pos, b = original(*args)
        return new, n_real, pos, np.full(len(b), certify_module.UNKNOWN, np.int64)

    def run(problem, k):
        with monkeypatch.context() as m:
            m.setattr(certify_module, "_violations", no_renewal)
            return _solve(problem, k)

    return run


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(family=st.sampled_from(["congested", "locked"]), seed=st.integers(0, 10**6),
       k=st.sampled_from([4, 32]))
def test_slack_gives_the_dense_optimum_on_benchmark_families(without_slack, family, seed, k):
    problem = parse_problem(generate_document(family, 300, seed))
    res = _solve(problem, k)
    before = without_slack(problem, k)
    scores, feas = score_matrix(problem.mentees, problem.mentors, weights=problem.weights,
                                forbidden=problem.forbidden, locked=problem.locked)
    expected = reference_lsa(scores, feas, problem.mentees, problem.mentors,
                             problem.locked, False)
    assert _optimum(res) == expected
    assert _optimum(before) == expected
    assert res.optimal is True
    assert res.diagnostics["certificate"]["detail"][-1]["violations"] == 0


@pytest.mark.parametrize("family", ["congested", "locked"])
def test_slack_skips_pairs_the_former_rule_rescored(without_slack, family):
    """Several rounds on a congested intake: after the first, mentees whose slack covers
    the price changes are not rescored, so fewer pairs are scored for the same optimum."""
    problem = parse_problem(generate_document(family, 1500, 7))
    res = _solve(problem, 8)
    before = without_slack(problem, 8)
    assert _optimum(res) == _optimum(before)
    assert len(res.diagnostics["certificate"]["detail"]) >= 3
    assert _rescored(res) < 0.9 * _rescored(before)
