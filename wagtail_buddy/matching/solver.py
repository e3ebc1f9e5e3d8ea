"""Exact assignment on a sparse candidate graph, with LP dual prices (SciPy only).

The restricted problem: mentee rows, candidate edges ``(row, mentor, weight)`` with integer
weights (``score + BIG``; ``BIG`` makes every extra matched mentee worth more than any score
difference, which is the lexicographic objective), mentor capacities, and an optional
per-slot penalty (spread load). It is expanded into an assignment problem: each mentor one
column per slot (slot ``k`` worth the weight minus the ``k``-th penalty), each row a private
"unmatched" column of weight 0 (so a full matching of the rows always exists). SciPy's
``min_weight_full_bipartite_matching`` (LAPJVsp, a sparse shortest augmenting path method)
solves it exactly on costs ``C - weight``: every row is matched exactly once, so subtracting
the weights from a constant turns the maximum into the minimum. Costs stay far below 2**53,
so the float64 arithmetic inside LAPJVsp is exact (checked, else an error is raised).

SciPy returns no dual prices, and the caller needs them to certify optimality over *all*
pairs (not only the candidates). They are recovered from the optimal matching: column prices
``v`` are shortest-path distances in the alternating graph, from the unmatched columns (price
0), along arcs ``c -> m(i)`` of length ``w(i, m(i)) - w(i, c)`` for every edge ``(i, c)`` of
row ``i`` matched to ``m(i)``. Optimality of the matching means there is no negative cycle and
no negative path from a free column, so the distances exist and are ``>= 0``; row prices are
``u_i = w(i, m(i)) - v[m(i)]``. Then ``u_i + v_c >= w(i, c)`` on every edge, with equality on
matched edges and ``v = 0`` on free columns: an optimal dual solution of the assignment LP.
Distances are computed with a vectorised, frontier-based Bellman-Ford (each round relaxes only
the arcs leaving columns whose price changed), which stops as soon as no price changes;
everything is exact int64, so a wrong matching cannot pass: it would show a negative price or
a negative cycle, and the code raises.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

__all__ = ["Assignment", "assign"]

INF = np.int64(2**61)


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


EXACT_FLOAT = 2**53  # float64 holds every integer below this exactly


def _lapjvsp(n_rows: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray,
             ncols: int) -> np.ndarray:
    """Column matched to each row in a maximum-weight full matching of the rows.

    ``weights`` are non-negative int64 and every row has its own weight-0 column, so a full
    matching exists. Minimises ``C - weight`` (``C`` above every weight: all costs positive,
    since SciPy treats an explicit zero as a missing edge)."""
    if n_rows == 0:
        return np.zeros(0, np.int64)
    c_max = int(weights.max()) + 1
    if c_max * 4 >= EXACT_FLOAT:
        raise ValueError("candidate weights too large for exact float64 arithmetic")
    order = np.lexsort((cols, rows))
    indptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    graph = csr_array(
        ((c_max - weights[order]).astype(np.float64), cols[order].astype(np.int32),
         indptr.astype(np.int32)),
        shape=(n_rows, ncols),
    )
    r, c = min_weight_full_bipartite_matching(graph)
    match_col = np.full(n_rows, -1, np.int64)
    match_col[r] = c
    if (match_col < 0).any():
        raise RuntimeError("assignment: a row was left without a column")
    return match_col


def assign(
    n_rows: int,
    rows: np.ndarray,
    cols: np.ndarray,
    weights: np.ndarray,
    capacity: np.ndarray,
    spread: tuple[np.ndarray, int] | None = None,
) -> Assignment:
    """Maximum-weight b-matching of the candidate edges ``(rows[e], cols[e], weights[e])``.

    ``capacity[j]`` slots for mentor ``j``. With ``spread = (base, step)``, slot ``k`` of
    mentor ``j`` (0-based) loses ``(base[j] + k) * step`` (``base`` = mentees already locked
    to the mentor), which makes a mentor's further slots slightly less attractive.
    Edges must be unique pairs; all weights must be positive (``score + BIG``).
    """
    def slot_penalty(j: np.ndarray, k: np.ndarray) -> np.ndarray:
        return (spread[0][j] + k) * spread[1]

    n_mentors = len(capacity)
    rows = np.asarray(rows, np.int64)
    cols = np.asarray(cols, np.int64)
    weights = np.asarray(weights, np.int64)
    capacity = np.asarray(capacity, np.int64)

    # Slots only for mentors that appear in a candidate edge: one per candidate row plus one
    # that stays free whenever the capacity allows, so a mentor with spare capacity always
    # shows a free (price 0) slot and the dual prices stay valid for its unlisted slots.
    used = np.bincount(cols, minlength=n_mentors) if len(cols) else np.zeros(n_mentors, np.int64)
    nslots = np.where(used > 0, np.minimum(capacity, used + 1), 0)
    offset = np.zeros(n_mentors + 1, np.int64)
    np.cumsum(nslots, out=offset[1:])
    S = int(offset[-1])

    # Expand each edge over its mentor's slots (slot k -> weight minus penalty k).
    reps = nslots[cols]
    e_rows = np.repeat(rows, reps)
    e_mentor = np.repeat(cols, reps)
    start = np.repeat(np.cumsum(reps) - reps, reps)
    k = np.arange(len(e_rows), dtype=np.int64) - start
    e_cols = offset[e_mentor] + k
    e_w = np.repeat(weights, reps)
    if spread is not None and len(e_w):
        e_w = e_w - slot_penalty(e_mentor, k)
    # Private "unmatched" column per row, weight 0.
    all_rows = np.concatenate([e_rows, np.arange(n_rows, dtype=np.int64)])
    all_cols = np.concatenate([e_cols, S + np.arange(n_rows, dtype=np.int64)])
    all_w = np.concatenate([e_w, np.zeros(n_rows, np.int64)])
    if len(e_w) and e_w.min() <= 0:
        raise ValueError("candidate weights must be positive")

    ncols = S + n_rows
    t_lap = time.perf_counter()
    match_col = _lapjvsp(n_rows, all_rows, all_cols, all_w, ncols)
    t_lap = time.perf_counter() - t_lap

    # ---- dual prices by Bellman-Ford on the alternating graph (see module docstring)
    edge_row = all_rows
    m_of_edge = match_col[edge_row]
    is_m = all_cols == m_of_edge
    w_match = np.zeros(n_rows, np.int64)
    w_match[edge_row[is_m]] = all_w[is_m]
    length = w_match[edge_row] - all_w
    length[is_m] = INF
    dist = np.zeros(ncols, np.int64)
    dist[match_col] = INF
    rounds = 0
    if n_rows:
        # Arcs c -> m(i) grouped by tail column; relax only the arcs leaving columns whose
        # price changed in the previous round (the others cannot improve anything).
        arc = np.nonzero(~is_m)[0]
        a_src = all_cols[arc]
        by_src = np.argsort(a_src, kind="stable")
        arc = arc[by_src]
        a_src = a_src[by_src]
        a_dst = match_col[edge_row[arc]]
        a_len = length[arc]
        cptr = np.zeros(ncols + 1, np.int64)
        np.cumsum(np.bincount(a_src, minlength=ncols), out=cptr[1:])
        frontier = np.nonzero(dist < INF)[0]
        while len(frontier):
            lo_, cnt = cptr[frontier], cptr[frontier + 1] - cptr[frontier]
            total_ = int(cnt.sum())
            if not total_:
                break
            rounds += 1
            idx = np.repeat(lo_ - (np.cumsum(cnt) - cnt), cnt) + np.arange(total_)
            cand = np.repeat(dist[frontier], cnt) + a_len[idx]
            new = dist.copy()
            np.minimum.at(new, a_dst[idx], cand)
            frontier = np.nonzero(new < dist)[0]
            dist = new
            if rounds > ncols + 2:
                raise RuntimeError("negative cycle in the alternating graph: matching not optimal")
    if n_rows and (dist[match_col] >= INF).any():
        # Only rows whose single edge is their own "unmatched" column: price 0.
        stuck = dist[match_col] >= INF
        dist[match_col[stuck]] = 0
    if (dist < 0).any():
        raise RuntimeError("negative price: the matching is not optimal")
    u = w_match - dist[match_col]
    slack = u[edge_row] + dist[all_cols] - all_w
    if (slack < 0).any():
        raise RuntimeError("dual infeasible on a candidate edge")

    # ---- map back to mentors
    slot_mentor = np.repeat(np.arange(n_mentors, dtype=np.int64), nslots)
    slot_k = np.arange(S, dtype=np.int64) - offset[slot_mentor]
    matched = match_col < S
    mentor_of_row = np.full(n_rows, -1, np.int64)
    slot_of_row = np.full(n_rows, -1, np.int64)
    mentor_of_row[matched] = slot_mentor[match_col[matched]]
    slot_of_row[matched] = slot_k[match_col[matched]]

    # Mentor price for non-candidate pairs: the cheapest of its slots, penalty included.
    # A mentor with spare capacity but fewer slots than capacity (slots are capped by its
    # candidate count) has a free, unlisted slot of price 0 and penalty nslots.
    price = np.full(n_mentors, INF, np.int64)
    slot_price = dist[:S].copy()
    if spread is not None and S:
        slot_price = slot_price + slot_penalty(slot_mentor, slot_k)
    if S:
        np.minimum.at(price, slot_mentor, slot_price)
    spare = capacity > nslots
    if spare.any():
        extra = np.zeros(n_mentors, np.int64)
        if spread is not None:
            idx = np.nonzero(spare)[0]
            extra[idx] = slot_penalty(idx, nslots[idx])
        price = np.where(spare, np.minimum(price, extra), price)
    objective = int(w_match[matched].sum())
    return Assignment(mentor_of_row, slot_of_row, u, price, objective, rounds, t_lap,
                      len(all_w))
