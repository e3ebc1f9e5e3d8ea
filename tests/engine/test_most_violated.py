"""The certificate keeps, per rescored mentee, its ``kk`` most violated pairs
(``certify._most_violated``): a row with at most ``kk`` near-violations keeps them all, a
row with more keeps ``kk`` of its largest, and nothing outside the near set is kept. The
scan that replaced a partition of every such row must keep exactly that set."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wagtail_buddy.matching.certify import _most_violated


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12), st.integers(1, 30), st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_each_row_keeps_its_largest_near_violations(n_rows, width, kk, seed):
    rng = np.random.default_rng(seed)
    gain = rng.integers(-6, 4, size=(n_rows, width)).astype(np.float64)  # many ties
    gain[rng.random((n_rows, width)) < 0.2] = -np.inf  # infeasible pairs
    near = gain > -2
    rows, cols = _most_violated(gain, near, kk)
    assert (np.diff(rows) >= 0).all()  # row by row, as the candidates are appended
    for i in range(n_rows):
        kept = cols[rows == i]
        assert len(set(kept.tolist())) == len(kept)
        assert near[i, kept].all()
        near_cols = np.nonzero(near[i])[0]
        assert len(kept) == min(kk, len(near_cols))
        left = np.setdiff1d(near_cols, kept)
        if len(left) and len(kept):
            assert gain[i, kept].min() >= gain[i, left].max()
