"""Certification rounds: solve the candidate graph, prove it optimal over all pairs.

Each round solves the candidate graph exactly (:mod:`.solver`), which yields LP dual prices
``u`` (mentees) and ``V`` (mentors). The restricted optimum is optimal for the full problem
iff ``u_i + V_j >= score_ij + BIG`` for every feasible pair (LP duality; the assignment
polytope is integral). A left-out pair scores at most ``bound_i``, so it can only violate
when ``V_j < bound_i + BIG - u_i =: thr_i``: mentees with ``thr_i <= min V`` are certified
by their bound, the others are rescored against the open mentors priced below their
threshold. Violating pairs (and near-violations, a speed knob) join the graph and the round
repeats until no pair violates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .candidates import CHUNK_PAIRS, Candidates, Forbidden, parallel_map
from .scoring import ScoreModel
from .solver import Assignment, assign

__all__ = ["Problem", "certify"]

INF_PRICE = np.int64(2**61)
KEEP = 2  # violating pairs kept per rescored mentee and round, times K
MARGIN_SHARE = 32  # near-violations within (max - min score) / this also join the graph
FEW_NEW = 20  # up to rows / FEW_NEW new edges, the next round starts from the exact prices


@dataclass
class Problem:
    """What the rounds need besides the candidates: the model, the free mentees (encoded
    rows), the mentors' remaining capacity and the lexicographic constants."""

    model: ScoreModel
    forbidden: Forbidden
    free_rows: np.ndarray
    cap_rem: np.ndarray
    spread: tuple[np.ndarray, int] | None
    big: np.ndarray  # per encoded mentee row: cardinality weight + its priority bonus
    margin: int
    k: int
    workers: int


def _rescore_jobs(p: Problem, bound: np.ndarray, u: np.ndarray, V: np.ndarray) -> list:
    """Blocks (rows, cols) of pairs that may violate: each uncertified mentee against the
    open mentors priced below its threshold (a prefix of the mentors sorted by price), rows
    in order of threshold so that blocks stay narrow."""
    open_idx = np.nonzero(p.cap_rem > 0)[0]
    thr = bound[p.free_rows] + p.big[p.free_rows] - u + p.margin
    by_price = open_idx[np.argsort(V[open_idx], kind="stable")]
    v_sorted = V[by_price]
    vmin = v_sorted[0] if len(v_sorted) else INF_PRICE
    need = np.nonzero(thr > vmin)[0]
    need = need[np.argsort(thr[need], kind="stable")]
    ncols = np.searchsorted(v_sorted, thr[need], side="left")
    jobs, s = [], 0
    while s < len(need):
        e = s + 1
        while e < len(need) and (e - s + 1) * ncols[e] <= CHUNK_PAIRS:
            e += 1
        jobs.append((np.sort(p.free_rows[need[s:e]]), by_price[: ncols[e - 1]]))
        s = e
    return jobs


def _violations(p: Problem, u_rows: np.ndarray, V: np.ndarray, job: tuple):
    """Rescore one block: the count of real violations and the most violated few pairs per
    row (near-violations included), or None when nothing violates."""
    rows, cols = job
    m = len(p.model.enc.mentors)
    total, feas = p.model.block(rows, cols)
    col_pos = np.full(m, -1, np.int64)
    col_pos[cols] = np.arange(len(cols))
    feas = p.forbidden.apply(feas, rows, col_pos)
    # float64 holds these integers exactly (all far below 2**53)
    gain = total.astype(np.float64)  # in place from here: a pass per step, no temporaries
    gain -= V[cols].astype(np.float64)[None, :]
    gain -= (u_rows[rows] - p.big[rows]).astype(np.float64)[:, None]
    hit = np.greater(gain, 0)
    hit &= feas
    n_real = int(np.count_nonzero(hit))
    if not n_real:
        return None
    near = np.greater(gain, -p.margin, out=hit)
    near &= feas
    sel = np.nonzero(near.any(axis=1))[0]  # only these rows keep pairs: select among them
    g = np.where(near[sel], gain[sel], -np.inf)
    kk = min(KEEP * p.k, len(cols))
    if kk < len(cols):
        part = np.argpartition(g, len(cols) - kk, axis=1)[:, len(cols) - kk :]
    else:
        part = np.broadcast_to(np.arange(len(cols)), g.shape)
    ok = np.take_along_axis(g, part, axis=1) > -np.inf
    rr = sel[np.nonzero(ok)[0]]
    c2 = part[ok]
    return rows[rr], cols[c2], total[rr, c2].astype(np.int64), n_real


def certify(
    p: Problem, cand: Candidates, report: Callable[[str, float], None]
) -> tuple[Assignment, list[dict], int]:
    """Rounds until the duals certify the assignment; returns it with per-round detail and
    the final number of candidate edges."""
    n = len(p.model.enc.mentees)
    m = len(p.model.enc.mentors)
    pos_of_row = np.full(n, -1, np.int64)
    pos_of_row[p.free_rows] = np.arange(len(p.free_rows))
    cr, cc, cs = cand.rows, cand.cols, cand.scores
    rounds: list[dict] = []
    prices = None
    while True:
        report("solving", min(0.9, 0.3 * len(rounds)))
        t_solve = time.perf_counter()
        a = assign(len(p.free_rows), pos_of_row[cr], cc, cs + p.big[cr], p.cap_rem.clip(min=0),
                   p.spread, prices=prices)
        t_solve = time.perf_counter() - t_solve
        t_cert = time.perf_counter()
        jobs = _rescore_jobs(p, cand.bound, a.u, a.mentor_price)
        u_rows = np.zeros(n, np.int64)
        u_rows[p.free_rows] = a.u
        found = [x for x in parallel_map(
            lambda job, u_rows=u_rows, V=a.mentor_price: _violations(p, u_rows, V, job),
            jobs, p.workers) if x is not None]
        n_real = sum(x[3] for x in found)
        new = [np.concatenate([x[i] for x in found]) if found else np.zeros(0, np.int64)
               for i in range(3)]
        if n_real and p.margin > 0:
            # near-violations may already be candidates: drop those
            fresh = ~np.isin(new[0] * m + new[1], np.unique(cr * m + cc))
            new = [x[fresh] for x in new]
        rounds.append({
            "candidates": int(len(cr)),
            "checked_mentees": int(sum(len(r) for r, _ in jobs)),
            "pairs_rescored": int(sum(len(r) * len(c) for r, c in jobs)),
            "violations_added": int(len(new[0])),
            "violations": int(n_real),
            "solve_seconds": round(t_solve, 4),
            "certify_seconds": round(time.perf_counter() - t_cert, 4),
            "price_rounds": a.bf_rounds,
            "auction_seconds": round(a.auction_seconds, 4),
            "lap_seconds": round(a.lap_seconds, 4),
            "edges": a.edges,
        })
        if not n_real:
            return a, rounds, int(len(cr))
        # A few new edges barely move the prices: start the next solve from these exact ones.
        prices = a.mentor_price if len(new[0]) * FEW_NEW <= len(p.free_rows) else None
        cr, cc, cs = (np.concatenate([x, y]) for x, y in zip((cr, cc, cs), new, strict=True))
