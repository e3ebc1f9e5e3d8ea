"""The exact solver alone: whatever prices seed it, the optimum and its duals are exact."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from wagtail_buddy.matching.auction import _csr, estimate_prices, saturated_mentors
from wagtail_buddy.matching.duals import INF
from wagtail_buddy.matching.solver import assign

SETTINGS = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def graphs(draw):
    """A random candidate graph: unique edges, positive weights (ties likely), capacities
    0-3, an optional spread penalty, and how the solve is seeded."""
    n = draw(st.integers(1, 10))
    m = draw(st.integers(1, 5))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)),
                          unique=True, max_size=n * m))
    big = draw(st.sampled_from([0, 1000]))  # with BIG: cardinality first, as in the engine
    weights = [big + draw(st.integers(1, 6)) for _ in pairs]
    capacity = np.array(draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)), np.int64)
    step = draw(st.sampled_from([0, 1]))
    spread = (np.array(draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)), np.int64),
              step) if step else None
    seed = draw(st.one_of(st.none(), st.lists(st.integers(0, 2000), min_size=m, max_size=m)))
    rows = np.array([p[0] for p in pairs], np.int64)
    cols = np.array([p[1] for p in pairs], np.int64)
    return n, rows, cols, np.array(weights, np.int64), capacity, spread, seed


def dense_optimum(n, rows, cols, weights, capacity, spread) -> int:
    """Maximum total weight by dense linear_sum_assignment over every slot plus a private
    weight-0 "unmatched" column per row (ineligible pairs -inf)."""
    slots = [(j, k) for j in range(len(capacity)) for k in range(int(capacity[j]))]
    mat = np.full((n, len(slots) + n), -1e18)
    mat[np.arange(n), len(slots) + np.arange(n)] = 0
    w = dict(zip(zip(rows.tolist(), cols.tolist(), strict=True), weights.tolist(),
                 strict=True))
    for s, (j, k) in enumerate(slots):
        for i in range(n):
            if (i, j) in w:
                pen = (spread[0][j] + k) * spread[1] if spread else 0
                mat[i, s] = w[(i, j)] - pen
    r, c = linear_sum_assignment(mat, maximize=True)
    return int(round(mat[r, c].sum()))


@SETTINGS
@given(g=graphs())
def test_any_seed_gives_the_exact_optimum_and_valid_duals(g):
    n, rows, cols, weights, capacity, spread, seed = g
    if spread is not None and len(weights):
        # the engine keeps every slot's weight positive (score + BIG): so does this test
        weights = weights + int((spread[0].max() + capacity.max()) * spread[1]) + 1
    prices = None if seed is None else np.array(seed, np.int64)
    a = assign(n, rows, cols, weights, capacity, spread, prices=prices)
    assert a.objective == dense_optimum(n, rows, cols, weights, capacity, spread)
    # a feasible b-matching of candidate edges
    matched = a.mentor_of_row >= 0
    edges = set(zip(rows.tolist(), cols.tolist(), strict=True))
    for i in np.nonzero(matched)[0]:
        assert (int(i), int(a.mentor_of_row[i])) in edges
    assert (np.bincount(a.mentor_of_row[matched], minlength=len(capacity)) <= capacity).all()
    # the certificate's inequality on every candidate edge (mentor price = cheapest slot)
    open_ = capacity > 0
    ok = open_[cols]
    assert (a.u[rows[ok]] + a.mentor_price[cols[ok]] >= weights[ok]).all()
    assert (a.mentor_price[~open_] == INF).all()


@SETTINGS
@given(g=graphs())
def test_auction_prices_are_finite_and_non_negative(g):
    n, rows, cols, weights, capacity, _, _ = g
    p = estimate_prices(n, rows, cols, weights, capacity)
    assert p.shape == capacity.shape and (p >= 0).all()
    if len(weights):
        # a bid never exceeds what the bidder gains over staying unmatched, plus one eps
        assert p.max() <= weights.max() + max(1, int(weights.max() - weights.min()) + 1)


@SETTINGS
@given(g=graphs())
def test_saturated_mentors_are_full_in_the_cardinality_first_optimum(g):
    n, rows, cols, weights, capacity, _, _ = g
    weights = weights + 1000  # BIG: cardinality first, as in the engine
    indptr, c, _ = _csr(n, rows, cols, weights)
    saturated = saturated_mentors(indptr, c, capacity)
    a = assign(n, rows, cols, weights, capacity)
    held = np.bincount(a.mentor_of_row[a.mentor_of_row >= 0], minlength=len(capacity))
    assert (held[saturated] == capacity[saturated]).all()
    # a mentee left unmatched by the optimum sees only saturated mentors (all full)
    for i in np.nonzero(a.mentor_of_row < 0)[0]:
        assert saturated[cols[rows == i]].all()
