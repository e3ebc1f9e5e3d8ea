"""Approximate mentor prices by a vectorised auction (a warm start for the exact solver).

The exact solver (:mod:`.solver`) spends almost all its time in SciPy's LAPJVsp, whose
shortest augmenting paths get long when it starts from zero prices on a congested intake
(as many mentees as free slots): at 50,000 mentees a cold solve takes about 30 s. Started
from prices close to the optimal dual prices, most mentees take their best mentor at once
and the same solve takes a few seconds. This module finds such prices cheaply.

It runs Bertsekas' forward auction (Jacobi variant: every unassigned mentee bids in the same
numpy step) on the candidate graph in one fine phase (:func:`estimate_prices`), after
giving the mentors that are full in every maximum matching a head start worth the
cardinality weight (:func:`saturated_mentors`): each mentee bids for the mentor
whose value (score minus price) is highest, raising that mentor's price by the margin over
its second best plus ``eps``; a mentor keeps its ``capacity`` highest bids and its price is
the lowest bid it keeps once full. Nothing here decides the result: the prices only seed
the exact solve, which is optimal whatever they are (a poor estimate only costs time).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order, maximum_bipartite_matching

__all__ = ["estimate_prices", "saturated_mentors"]

MAX_ITERATIONS = 20_000  # a cap, so a price war cannot stall
EPS_SHARE = 4096  # eps = score range / EPS_SHARE
_LOW = np.int64(-(2**62))
TAIL = 32  # stop when at most this many bidders are left (a price war's long tail)


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
    the iterations used.

    A mentor's kept bids live in its own ``capacity`` slots of a flat table, so an
    iteration touches only the bidders, their edges and the slots of the mentors bid on:
    the long tail of a price war (a few mentees bidding for thousands of iterations) costs
    what those few bids cost, not a pass over every mentee and mentor. The phase stops
    when at most ``TAIL`` bidders are left: their price war went on for thousands of steps
    (the iteration cap, 35 % of the auction's time on a 10k congested intake) and its
    prices did not make the exact solve faster."""
    deg = np.diff(indptr)
    off = np.zeros(len(capacity) + 1, np.int64)
    np.cumsum(capacity, out=off[1:])
    slot_holder = np.full(int(off[-1]), -1, np.int64)
    slot_bid = np.zeros(int(off[-1]), np.int64)
    active = np.nonzero(deg > 0)[0]
    it = 0
    while len(active) and it < budget:
        if len(active) <= TAIL:
            break
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
        hit = np.unique(j)
        hcnt = capacity[hit]
        sidx = np.repeat(off[hit] - (np.cumsum(hcnt) - hcnt), hcnt) + np.arange(int(hcnt.sum()))
        held = slot_holder[sidx] >= 0
        P = np.concatenate([slot_holder[sidx][held], bidders])
        J = np.concatenate([np.repeat(hit, hcnt)[held], j])
        B = np.concatenate([slot_bid[sidx][held], bid])
        order = np.lexsort((-B, J))  # holders first among equal bids: they keep the slot
        P, J, B = P[order], J[order], B[order]
        rank = np.arange(len(J)) - np.searchsorted(J, J, side="left")
        win = rank < capacity[J]
        slot_holder[sidx] = -1
        slot_holder[off[J[win]] + rank[win]] = P[win]
        slot_bid[off[J[win]] + rank[win]] = B[win]
        full_at = win & (rank == capacity[J] - 1)  # the lowest kept bid of a full mentor
        price[J[full_at]] = B[full_at]
        active = P[~win]
    return it


def _range(x: np.ndarray) -> int:
    return int(x.max() - x.min()) if len(x) else 0


def _csr(n_rows, rows, cols, values):
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(np.asarray(rows)[order], minlength=n_rows), out=indptr[1:])
    return indptr, np.asarray(cols, np.int64)[order], np.asarray(values, np.int64)[order]


def saturated_mentors(indptr: np.ndarray, cols: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Mentors full in every maximum-cardinality matching of the graph whose unmatched
    mentees could take them instead (the Dulmage-Mendelsohn "odd" side): those reached by an
    alternating path from a mentee left unmatched by one maximum matching.

    On a congested intake these mentors' optimal prices carry the whole cardinality weight
    ``BIG`` (the mentees who lose them must prefer being unmatched), while an auction raises
    prices by about ``eps`` per step: without a head start it wages a price war of
    ``BIG / eps`` steps. Hopcroft-Karp (SciPy) on the slot-expanded graph finds them."""
    n, m = len(indptr) - 1, len(capacity)
    rows = np.repeat(np.arange(n), np.diff(indptr))
    deg = np.bincount(cols, minlength=m)
    nslots = np.minimum(capacity, deg)
    offset = np.zeros(m + 1, np.int64)
    np.cumsum(nslots, out=offset[1:])
    reps = nslots[cols]
    total = int(reps.sum())
    e_rows = np.repeat(rows, reps)
    e_slot = np.repeat(offset[cols], reps) + (
        np.arange(total) - np.repeat(np.cumsum(reps) - reps, reps))
    order = np.argsort(e_rows, kind="stable")
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(e_rows, minlength=n), out=ptr[1:])
    g = csr_array((np.ones(total, np.int8), e_slot[order].astype(np.int32),
                   ptr.astype(np.int32)), shape=(n, int(offset[-1])))
    slot_of = maximum_bipartite_matching(g, perm_type="column")
    if (slot_of >= 0).all():
        return np.zeros(m, bool)
    slot_mentor = np.repeat(np.arange(m), nslots)
    mentor_of = np.full(n, -1, np.int64)
    mentor_of[slot_of >= 0] = slot_mentor[slot_of[slot_of >= 0]]
    # Alternating BFS: source -> unmatched mentees -> their mentors -> mentees they hold.
    taken = np.nonzero(mentor_of >= 0)[0]
    src = n + m
    a_from = np.concatenate([rows, n + mentor_of[taken], np.full(n - len(taken), src)])
    a_to = np.concatenate([n + cols, taken, np.nonzero(mentor_of < 0)[0]])
    graph = csr_array((np.ones(len(a_from), np.int8), (a_from, a_to)), shape=(src + 1, src + 1))
    reached = breadth_first_order(graph, src, directed=True, return_predecessors=False)
    out = np.zeros(m, bool)
    reached = reached[(reached >= n) & (reached < src)] - n
    out[reached] = True
    return out


def estimate_prices(
    n_rows: int,
    rows: np.ndarray,
    cols: np.ndarray,
    values: np.ndarray,
    capacity: np.ndarray,
) -> np.ndarray:
    """Approximate optimal prices (int64, one per mentor) of the b-matching that gives each
    row at most one column, column ``j`` at most ``capacity[j]`` rows, maximising the summed
    ``values`` (integers; edges must be unique; being unmatched is worth 0).

    One phase at a fine ``eps`` from all rows unassigned, with the saturated mentors'
    head start (:func:`saturated_mentors`). Phases of decreasing ``eps`` (scaling) were
    dropped: prices only rise, so a mentor full in an early phase and not at the end keeps
    a price the optimum gives 0, and with the head start the exact solve took 8-13 s
    after them against 0.5-0.8 s after the single phase (10k congested intake)."""
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
    # Saturated mentors start at the price that leaves their cheapest edge worth 1: the
    # auction then settles only who gets them, within the score range (see above).
    saturated = saturated_mentors(indptr, cols, capacity)
    on_sat = saturated[cols]
    if on_sat.any():
        price[saturated] = int(vals[on_sat].min()) - 1
    span = max(_range(vals[on_sat]), _range(vals[~on_sat])) + 1
    _phase(indptr, cols, vals, capacity, price, max(1, span // EPS_SHARE), MAX_ITERATIONS)
    return price
