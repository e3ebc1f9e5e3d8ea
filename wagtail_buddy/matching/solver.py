"""Exact assignment on a sparse candidate graph, with LP dual prices (SciPy only).

The restricted problem: mentee rows, candidate edges ``(row, mentor, weight)`` with integer
weights (``score + BIG``; ``BIG`` makes every extra matched mentee worth more than any score
difference, which is the lexicographic objective), mentor capacities, and an optional
per-slot penalty (spread load). Each mentor becomes one column per slot (slot ``k`` worth
the weight minus the ``k``-th penalty) and each row gets a private "unmatched" column of
weight 0, so a full matching of the rows always exists.

SciPy's ``min_weight_full_bipartite_matching`` (LAPJVsp, sparse shortest augmenting paths)
solves it exactly, but from zero prices its augmenting paths get long on a congested intake.
So the problem is handed over *warm*, in square form with reduced costs:

* rows: the mentees, then one stand-in row per slot; columns: the slots, then the mentees'
  "unmatched" columns. A stand-in row takes its own slot (slot left empty) or, for every
  candidate edge ``(i, s)``, the unmatched column of mentee ``i`` (slot taken by ``i``), all
  at weight 0. Perfect matchings of this square graph are exactly the assignments of the
  original one, with the same total weight;
* given estimated prices ``v`` (:mod:`.auction` in the first round, the previous round's
  exact duals later) and ``u_i = max_c (w(i, c) - v_c)``, every edge's reduced cost
  ``u_i + v_c - w(i, c)`` is ``>= 0``; in a square problem every row and column is matched
  once, so minimising the reduced costs (plus 1: SciPy drops zero entries) is the same
  problem. LAPJVsp's initial column reduction and augmenting row reduction then place most
  rows at once and only a few need an augmenting path.

The result is optimal whatever the estimate (a poor one only costs time). Costs stay far
below 2**53, so the float64 arithmetic inside LAPJVsp is exact (checked, else an error is
raised). Dual prices come from :mod:`.duals`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .auction import estimate_prices
from .duals import INF, dual_prices

__all__ = ["Assignment", "assign"]

EXACT_FLOAT = 2**53  # float64 holds every integer below this exactly


@dataclass
class Assignment:
    mentor_of_row: np.ndarray  # int64, -1 = unmatched
    slot_of_row: np.ndarray  # int64 slot index within the mentor (0-based), -1 = unmatched
    u: np.ndarray  # int64 row prices
    mentor_price: np.ndarray  # int64 V_j = min_k (v_jk + penalty_k); INF for zero capacity
    objective: int  # sum of matched weights (score + BIG - penalty)
    bf_rounds: int
    lap_seconds: float = 0.0
    edges: int = 0
    auction_seconds: float = 0.0


@dataclass
class Slots:
    """The slot-expanded graph: edge ``e`` joins row ``rows[e]`` to slot column ``cols[e]``."""

    rows: np.ndarray
    cols: np.ndarray
    w: np.ndarray
    mentor: np.ndarray  # mentor of each slot
    k: np.ndarray  # index of each slot within its mentor
    nslots: np.ndarray  # slots per mentor

    @property
    def count(self) -> int:
        return len(self.mentor)


def _expand(rows, cols, weights, capacity, spread) -> Slots:
    """One column per slot, only for mentors with a candidate edge: one per candidate row
    plus one that stays free whenever the capacity allows, so a mentor with spare capacity
    always shows a free (price 0) slot and the dual prices stay valid for its unlisted slots."""
    n_mentors = len(capacity)
    used = np.bincount(cols, minlength=n_mentors) if len(cols) else np.zeros(n_mentors, np.int64)
    nslots = np.where(used > 0, np.minimum(capacity, used + 1), 0)
    offset = np.zeros(n_mentors + 1, np.int64)
    np.cumsum(nslots, out=offset[1:])
    reps = nslots[cols]
    e_mentor = np.repeat(cols, reps)
    k = np.arange(int(reps.sum()), dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
    e_w = np.repeat(weights, reps)
    if spread is not None and len(e_w):
        e_w = e_w - (spread[0][e_mentor] + k) * spread[1]
    if len(e_w) and e_w.min() <= 0:
        raise ValueError("candidate weights must be positive")
    slot_mentor = np.repeat(np.arange(n_mentors, dtype=np.int64), nslots)
    slot_k = np.arange(len(slot_mentor), dtype=np.int64) - offset[slot_mentor]
    return Slots(np.repeat(rows, reps), offset[e_mentor] + k, e_w, slot_mentor, slot_k, nslots)


def _square_lap(n_rows: int, g: Slots, slot_price: np.ndarray) -> np.ndarray:
    """Slot column (or ``S + row`` for "unmatched") of every row in a maximum-weight full
    matching, solved in the warm square form described in the module docstring."""
    S = g.count
    n_sq = n_rows + S
    E = len(g.w)
    # Edges: mentee -> slot, mentee -> own unmatched column, stand-in -> own slot,
    # stand-in of slot s -> unmatched column of i for every edge (i, s).
    # Built sorted by row and freed as it goes: on a 50k congested intake these arrays hold
    # some 17M edges each, and their temporaries set the engine's peak memory.
    r = np.concatenate([g.rows, np.arange(n_rows), n_rows + np.arange(S), n_rows + g.cols])
    order = np.argsort(r, kind="stable")
    counts = np.bincount(r, minlength=n_sq)
    del r
    c = np.concatenate([g.cols, S + np.arange(n_rows), np.arange(S), S + g.rows])[order]
    gain = np.concatenate([g.w, np.zeros(n_rows + S + E, np.int64)])[order]
    del order
    v = np.concatenate([slot_price, np.zeros(n_rows, np.int64)])
    gain -= v[c]  # grouped by row; every row has an edge (its own column)
    indptr = np.zeros(n_sq + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    u = np.maximum.reduceat(gain, indptr[:-1])
    cost = np.repeat(u, counts)
    cost -= gain
    cost += 1  # reduced cost + 1 >= 1
    del gain
    if cost.max() >= EXACT_FLOAT // 4:
        raise ValueError("candidate weights too large for exact float64 arithmetic")
    graph = csr_array(
        (cost.astype(np.float64), c.astype(np.int32), indptr.astype(np.int32)),
        shape=(n_sq, n_sq),
    )
    del cost, c
    sq_rows, sq_cols = min_weight_full_bipartite_matching(graph)
    match = np.full(n_sq, -1, np.int64)
    match[sq_rows] = sq_cols
    match_col = match[:n_rows]
    unmatched = match_col >= S
    if (match_col < 0).any() or (match_col[unmatched] != S + np.nonzero(unmatched)[0]).any():
        raise RuntimeError("assignment: a row was left without a column")
    return match_col


def assign(
    n_rows: int,
    rows: np.ndarray,
    cols: np.ndarray,
    weights: np.ndarray,
    capacity: np.ndarray,
    spread: tuple[np.ndarray, int] | None = None,
    prices: np.ndarray | None = None,
) -> Assignment:
    """Maximum-weight b-matching of the candidate edges ``(rows[e], cols[e], weights[e])``.

    ``capacity[j]`` slots for mentor ``j``. With ``spread = (base, step)``, slot ``k`` of
    mentor ``j`` (0-based) loses ``(base[j] + k) * step`` (``base`` = mentees already locked
    to the mentor), which makes a mentor's further slots slightly less attractive.
    The solve starts from ``prices`` (one per mentor, e.g. the exact prices of the previous
    round when it added few edges) or else from an auction's estimate
    (:func:`.auction.estimate_prices`); the result does not depend on
    either, only the time does. Edges must be unique pairs; all weights must be
    positive (``score + BIG``).
    """
    n_mentors = len(capacity)
    rows = np.asarray(rows, np.int64)
    cols = np.asarray(cols, np.int64)
    weights = np.asarray(weights, np.int64)
    capacity = np.asarray(capacity, np.int64)
    g = _expand(rows, cols, weights, capacity, spread)
    S = g.count

    t_auction = time.perf_counter()
    if prices is None:
        estimate = estimate_prices(n_rows, rows, cols, weights, capacity)
    else:
        estimate = np.where(prices >= INF, 0, prices)
    t_auction = time.perf_counter() - t_auction
    t_lap = time.perf_counter()
    match_col = _square_lap(n_rows, g, estimate[g.mentor]) if n_rows else np.zeros(0, np.int64)
    t_lap = time.perf_counter() - t_lap

    # Dual prices of the assignment (rectangular form: slots + private unmatched columns).
    all_rows = np.concatenate([g.rows, np.arange(n_rows, dtype=np.int64)])
    all_cols = np.concatenate([g.cols, S + np.arange(n_rows, dtype=np.int64)])
    all_w = np.concatenate([g.w, np.zeros(n_rows, np.int64)])
    u, dist, w_match, rounds = dual_prices(all_rows, all_cols, all_w, match_col, S + n_rows)

    matched = match_col < S
    mentor_of_row = np.full(n_rows, -1, np.int64)
    slot_of_row = np.full(n_rows, -1, np.int64)
    mentor_of_row[matched] = g.mentor[match_col[matched]]
    slot_of_row[matched] = g.k[match_col[matched]]

    # Mentor price for non-candidate pairs: the cheapest of its slots, penalty included.
    # A mentor with spare capacity but fewer slots than capacity (slots are capped by its
    # candidate count) has a free, unlisted slot of price 0 and penalty nslots.
    price = np.full(n_mentors, INF, np.int64)
    slot_price = dist[:S].copy()
    if spread is not None and S:
        slot_price = slot_price + (spread[0][g.mentor] + g.k) * spread[1]
    if S:
        np.minimum.at(price, g.mentor, slot_price)
    spare = capacity > g.nslots
    if spare.any():
        extra = np.zeros(n_mentors, np.int64)
        if spread is not None:
            idx = np.nonzero(spare)[0]
            extra[idx] = (spread[0][idx] + g.nslots[idx]) * spread[1]
        price = np.where(spare, np.minimum(price, extra), price)
    objective = int(w_match[matched].sum())
    return Assignment(mentor_of_row, slot_of_row, u, price, objective, rounds, t_lap,
                      len(all_w), t_auction)
