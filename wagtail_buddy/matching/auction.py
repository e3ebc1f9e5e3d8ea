"""Approximate mentor prices by a vectorised auction (a warm start for the exact solver).

The exact solver (:mod:`.solver`) spends almost all its time in SciPy's LAPJVsp, whose
shortest augmenting paths get long when it starts from zero prices on a congested intake
(as many mentees as free slots): at 50,000 mentees a cold solve takes about 30 s. Started
from prices close to the optimal dual prices, most mentees take their best mentor at once
and the same solve takes a few seconds. This module finds such prices cheaply.

It runs Bertsekas' forward auction (Jacobi variant: every unassigned mentee bids in the same
numpy step) on the candidate graph, with epsilon scaling or in one fine phase
(:func:`estimate_prices`): each mentee bids for the mentor
whose value (score minus price) is highest, raising that mentor's price by the margin over
its second best plus ``eps``; a mentor keeps its ``capacity`` highest bids and its price is
the lowest bid it keeps once full. Nothing here decides the result: the prices only seed
the exact solve, which is optimal whatever they are (a poor estimate only costs time).
"""

from __future__ import annotations

import numpy as np

__all__ = ["estimate_prices"]

MAX_ITERATIONS = 20_000  # per call, over all phases: a cap, so a price war cannot stall
EPS_SHARE = 16  # first eps = score range / EPS_SHARE
EPS_FACTOR = 4  # eps shrinks by this factor per phase
EPS_END_SHARE = 1024  # last eps = score range / EPS_END_SHARE
EPS_SINGLE_SHARE = 4096  # eps of the single phase = score range / EPS_SINGLE_SHARE
_LOW = np.int64(-(2**62))


def _first_max(val: np.ndarray, seg: np.ndarray, cnt: np.ndarray) -> tuple:
    """Per segment (``seg`` starts, ``cnt`` lengths, all non-empty): the best value, the
    position of its first occurrence and the second best value (``_LOW`` if none)."""
    best = np.maximum.reduceat(val, seg)
    hit = np.nonzero(val == np.repeat(best, cnt))[0]
    owner = np.repeat(np.arange(len(seg)), cnt)[hit]
    first = np.empty(len(seg), np.int64)
    first[owner[::-1]] = hit[::-1]
    rest = val.copy()
    rest[first] = _LOW
    second = np.maximum.reduceat(rest, seg)
    return best, first, second


def _phase(indptr: np.ndarray, cols: np.ndarray, vals: np.ndarray, capacity: np.ndarray,
           price: np.ndarray, eps: int, budget: int) -> int:
    """One auction phase from every mentee unassigned; raises ``price`` in place and returns
    the iterations used."""
    m = len(capacity)
    deg = np.diff(indptr)
    owner = np.full(len(deg), -1, np.int64)
    paid = np.zeros(len(deg), np.int64)
    active = np.nonzero(deg > 0)[0]
    it = 0
    while len(active) and it < budget:
        it += 1
        cnt = deg[active]
        seg = np.cumsum(cnt) - cnt
        idx = np.repeat(indptr[active] - seg, cnt) + np.arange(int(cnt.sum()))
        val = vals[idx] - price[cols[idx]]
        best, first, second = _first_max(val, seg, cnt)
        keep = best >= 0  # priced out of every candidate: better off unmatched (value 0)
        second = np.maximum(second, 0)
        bidders = active[keep]
        j = cols[idx[first[keep]]]
        bid = price[j] + (best - second)[keep] + eps
        # Contest: the bids plus the current holders of every mentor bid on.
        hit = np.zeros(m, bool)
        hit[j] = True
        holders = np.nonzero(owner >= 0)[0]
        holders = holders[hit[owner[holders]]]
        P = np.concatenate([holders, bidders])
        J = np.concatenate([owner[holders], j])
        B = np.concatenate([paid[holders], bid])
        order = np.lexsort((-B, J))  # holders first among equal bids: they keep the slot
        P, J, B = P[order], J[order], B[order]
        rank = np.arange(len(J)) - np.searchsorted(J, J, side="left")
        win = rank < capacity[J]
        owner[P[~win]] = -1
        owner[P[win]] = J[win]
        paid[P[win]] = B[win]
        full_at = win & (rank == capacity[J] - 1)  # the lowest kept bid of a full mentor
        price[J[full_at]] = B[full_at]
        active = P[~win]
    return it


def _csr(n_rows, rows, cols, values):
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(np.asarray(rows)[order], minlength=n_rows), out=indptr[1:])
    return indptr, np.asarray(cols, np.int64)[order], np.asarray(values, np.int64)[order]


def estimate_prices(
    n_rows: int,
    rows: np.ndarray,
    cols: np.ndarray,
    values: np.ndarray,
    capacity: np.ndarray,
    *,
    scaling: bool = True,
) -> np.ndarray:
    """Approximate optimal prices (int64, one per mentor) of the b-matching that gives each
    row at most one column, column ``j`` at most ``capacity[j]`` rows, maximising the summed
    ``values`` (integers; edges must be unique; being unmatched is worth 0).

    ``scaling`` runs phases of decreasing ``eps``, each from all rows unassigned and the
    previous phase's prices: fast on a congested graph (every mentee sees only its best
    few mentors, as in the first certificate round). But prices only rise, so a mentor that
    was full in an early phase and is not at the end keeps a price the optimum gives 0, and
    all prices drift up together. Once the graph holds the cheap mentors too (later rounds)
    that drift costs the exact solve more than it saves, so ``scaling=False`` runs one phase
    at the finest ``eps`` from zero prices: every mentor with a price is then full, as in an
    optimum."""
    m = len(capacity)
    capacity = np.asarray(capacity, np.int64)
    price = np.zeros(m, np.int64)
    if not len(values) or n_rows == 0:
        return price
    open_ = capacity[np.asarray(cols)] > 0  # a mentor without a slot can take no bid
    indptr, cols, vals = _csr(n_rows, np.asarray(rows)[open_], np.asarray(cols)[open_],
                              np.asarray(values)[open_])
    if not len(vals):
        return price
    span = int(vals.max() - vals.min()) + 1
    if not scaling:
        _phase(indptr, cols, vals, capacity, price, max(1, span // EPS_SINGLE_SHARE),
               MAX_ITERATIONS)
        return price
    eps_end = max(1, span // EPS_END_SHARE)
    eps = max(eps_end, span // EPS_SHARE)
    budget = MAX_ITERATIONS
    while budget > 0:
        budget -= _phase(indptr, cols, vals, capacity, price, eps, budget)
        if eps <= eps_end:
            break
        eps = max(eps_end, eps // EPS_FACTOR)
    return price
