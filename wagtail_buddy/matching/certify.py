"""Certification rounds: solve the candidate graph, prove it optimal over all pairs.

Each round solves the candidate graph exactly (:mod:`.solver`), which yields LP dual prices
``u`` (mentees) and ``V`` (mentors). The restricted optimum is optimal for the full problem
iff ``u_i + V_j >= score_ij + BIG`` for every feasible pair (LP duality; the assignment
polytope is integral). Violating pairs (and near-violations, a speed knob) join the graph
and the round repeats until no pair violates.

Which pairs can violate is known without scoring them all, from a per-mentee *slack*: every
free mentee keeps a bound ``b_i`` and a reference price vector ``P`` (one per round, shared
by the mentees rescored in that round) such that ``score_ij - P_j <= b_i`` for every feasible
pair ``(i, j)`` outside the candidates. At first ``P = 0`` and ``b_i`` is the score of the
``K``-th candidate (the scoring pass). A pair then violates only if
``V_j - P_j < b_i + BIG - u_i =: thr_i``: mentees with ``thr_i <= min (V - P)`` are
certified, the others are rescored against the open mentors below their threshold (a prefix
of the mentors sorted by ``V - P``). A rescored mentee's bound is renewed against this
round's prices (``P = V``): the best pair it scored outside the candidates, or for the
mentors it skipped ``b_i - (V_j - P_j)`` at most. From then on it is rescored only against
the mentors whose price fell by more than its slack, instead of against every mentor priced
below its threshold in every round (on a congested intake nearly every mentor is).

Near-violations (within ``Problem.margin``) are searched for only against the first pass's
bounds: a renewed bound is already below the round's prices by at least the margin (the
pairs within it joined the graph), so adding the margin to its threshold again made every
mentee whose price did not rise be rescored against every mentor whose price did not rise
(20k congested: 56M and 17M pairs in rounds 2 and 3; 20M and 7M without, same rounds).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .candidates import CHUNK_PAIRS, NEG, Candidates, Forbidden, parallel_map
from .scoring import ScoreModel
from .solver import Assignment, assign

__all__ = ["Problem", "certify"]

INF_PRICE = np.int64(2**61)
KEEP = 2  # violating pairs kept per rescored mentee and round, times K
MARGIN_SHARE = 32  # near-violations within (max - min score) / this also join the graph
FEW_NEW = 1  # up to rows / FEW_NEW violations, the next round starts from the exact prices


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


UNKNOWN = np.int64(2**61)  # no bound of this mentee relative to this reference


@dataclass
class Slack:
    """Per reference price vector ``refs[g]`` (one per round that rescored), the bound
    ``bounds[g][i]`` of each free mentee's pairs outside the candidates relative to it
    (``UNKNOWN`` if the mentee was not rescored in that round); see the module doc. Every
    bound stays true as the candidates grow, so a mentee is checked against whichever
    reference leaves it the fewest mentors."""

    refs: list[np.ndarray]
    bounds: list[np.ndarray]


class CandidateIndex:
    """The candidate pairs grouped by mentee row, to find those inside a rescored block."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, n_rows: int):
        order = np.argsort(rows, kind="stable")
        self.cols = cols[order]
        self.ptr = np.zeros(n_rows + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=self.ptr[1:])

    def in_block(self, rows: np.ndarray, col_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Block positions ``(i, j)`` of the candidates among ``rows`` x the columns that
        ``col_pos`` maps to a block position (-1: not in the block)."""
        lo = self.ptr[rows]
        cnt = self.ptr[rows + 1] - lo
        total = int(cnt.sum())
        idx = np.repeat(lo - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)
        j = col_pos[self.cols[idx]]
        ok = j >= 0
        return np.repeat(np.arange(len(rows)), cnt)[ok], j[ok]


def _rescore_jobs(p: Problem, slack: Slack, u: np.ndarray, V: np.ndarray) -> list:
    """Blocks ``(rows, positions, cols, g, cut, factors)`` of pairs that may violate: each
    uncertified mentee against the open mentors whose ``V - refs[g]`` is below its threshold
    (a prefix of them sorted by that; ``g`` is the reference leaving the fewest, ``cut`` the
    first mentor left out, or None), rows in order of threshold so that blocks stay narrow.
    ``factors``: the prefix of the mentor factors sorted once per reference (no gather per
    block; None with criteria that have no bilinear form)."""
    open_idx = np.nonzero(p.cap_rem > 0)[0]
    if not len(open_idx):
        return []
    big = p.big[p.free_rows]
    sorted_w, counts = [], []
    for g, (ref, bound) in enumerate(zip(slack.refs, slack.bounds, strict=True)):
        W = V[open_idx] - ref[open_idx]
        order = np.argsort(W, kind="stable")
        sorted_w.append((open_idx[order], W[order]))
        margin = p.margin if g == 0 else 0  # see the module docstring
        cnt = np.searchsorted(W[order], bound + big - u + margin, side="left")
        counts.append(np.where(bound >= UNKNOWN, len(open_idx) + 1, cnt))
    counts = np.array(counts)
    choice = len(counts) - 1 - np.argmin(counts[::-1], axis=0)  # the latest among the best
    ncols_all = counts[choice, np.arange(len(choice))]
    jobs = []
    for g, (by_w, w_sorted) in enumerate(sorted_w):
        need = np.nonzero((choice == g) & (ncols_all > 0))[0]
        if not len(need):
            continue
        need = need[np.argsort(ncols_all[need], kind="stable")]
        ncols = ncols_all[need]
        width = int(ncols[-1])
        model = p.model
        sorted_b = None if model.custom else (np.ascontiguousarray(model.BT[:, by_w[:width]]),
                                              np.ascontiguousarray(model.FBT[:, by_w[:width]]))
        s = 0
        while s < len(need):
            e = s + 1
            while e < len(need) and (e - s + 1) * ncols[e] <= CHUNK_PAIRS:
                e += 1
            c = int(ncols[e - 1])
            pos = np.sort(need[s:e])
            cut = int(w_sorted[c]) if c < len(w_sorted) else None
            factors = None if sorted_b is None else (sorted_b[0][:, :c], sorted_b[1][:, :c])
            jobs.append((p.free_rows[pos], pos, by_w[:c], g, cut, factors))
            s = e
    return jobs


def _most_violated(gain: np.ndarray, near: np.ndarray, kk: int) -> tuple:
    """Block positions ``(i, j)`` of each row's ``kk`` largest near-violations, row by row.

    Most rows hold a few near-violations: they are kept whole from one scan of ``near``;
    only the rows with more than ``kk`` pay a partition over the block's width (a partition
    of every row with any was half the rescoring time on a congested intake)."""
    r, c = np.nonzero(near)
    many = np.bincount(r, minlength=len(gain)) > kk
    if not many.any():
        return r, c
    keep = ~many[r]
    sel = np.nonzero(many)[0]
    g = np.where(near[sel], gain[sel], -np.inf)
    part = np.argpartition(g, g.shape[1] - kk, axis=1)[:, g.shape[1] - kk:]
    rr = np.concatenate([r[keep], np.repeat(sel, kk)])
    cc = np.concatenate([c[keep], part.ravel()])
    order = np.argsort(rr, kind="stable")
    return rr[order], cc[order]


def _violations(p: Problem, slack: Slack, u: np.ndarray, V: np.ndarray,
                index: CandidateIndex, job: tuple) -> tuple:
    """Rescore one block: the most violated few pairs per row (near-violations included),
    the count of real violations and the rows' renewed bounds (relative to ``V``)."""
    rows, pos, cols, ref, cut, factors = job
    m = len(p.model.enc.mentors)
    total, feas = p.model.block(rows, cols, factors)
    col_pos = np.full(m, -1, np.int64)
    col_pos[cols] = np.arange(len(cols))
    feas = p.forbidden.apply(feas, rows, col_pos)
    feas[index.in_block(rows, col_pos)] = False  # candidates: the solve holds their duals
    # float64 holds these integers exactly (all far below 2**53)
    # in place from here: a pass per step (and one boolean mask, the near set)
    gain = total.astype(np.float64)  # (faster than a mixed-type subtract into float64)
    gain -= V[cols].astype(np.float64)[None, :]
    shift = u[pos] - p.big[rows]
    gain -= shift.astype(np.float64)[:, None]
    np.putmask(gain, np.logical_not(feas, out=feas), -np.inf)
    near = gain > -p.margin  # real violations are among them: one pass finds both
    n_real = int(np.count_nonzero(gain[near] > 0))
    empty = np.zeros(0, np.int64)
    new = (empty, empty, empty)
    if n_real:
        rr, c2 = _most_violated(gain, near, min(KEEP * p.k, len(cols)))
        new = (rows[rr], cols[c2], total[rr, c2].astype(np.int64))
        gain[rr, c2] = -np.inf  # candidates from now on
    best = gain.max(axis=1) if len(cols) else np.full(len(rows), -np.inf)
    b = np.where(best > -np.inf, np.nan_to_num(best, neginf=0).astype(np.int64) + shift, NEG)
    if cut is not None:  # mentors skipped: score - V_j <= b_old - (V_j - P_j) <= b_old - cut
        old = slack.bounds[ref][pos]
        b = np.maximum(b, np.where(old > NEG, old - cut, NEG))
    return new, n_real, pos, b


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
    slack = Slack([np.zeros(m, np.int64)], [cand.bound[p.free_rows].copy()])
    rounds: list[dict] = []
    prices = None
    while True:
        report("solving", min(0.9, 0.3 * len(rounds)))
        t_solve = time.perf_counter()
        a = assign(len(p.free_rows), pos_of_row[cr], cc, cs + p.big[cr], p.cap_rem.clip(min=0),
                   p.spread, prices=prices)
        t_solve = time.perf_counter() - t_solve
        t_cert = time.perf_counter()
        jobs = _rescore_jobs(p, slack, a.u, a.mentor_price)
        index = CandidateIndex(cr, cc, n)
        found = list(parallel_map(
            lambda job, u=a.u, V=a.mentor_price, ix=index: _violations(p, slack, u, V, ix, job),
            jobs, p.workers))
        n_real = sum(x[1] for x in found)
        new = [np.concatenate([x[0][i] for x in found]) if found else np.zeros(0, np.int64)
               for i in range(3)]
        if found:  # the rescored mentees' bounds relative to this round's prices
            renewed = np.full(len(p.free_rows), UNKNOWN, np.int64)
            for _, _, pos, b in found:
                renewed[pos] = b
            slack.refs.append(a.mentor_price)
            slack.bounds.append(renewed)
        rounds.append({
            "candidates": int(len(cr)),
            "checked_mentees": int(sum(len(j[0]) for j in jobs)),
            "pairs_rescored": int(sum(len(j[0]) * len(j[2]) for j in jobs)),
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
        # A few violations barely move the prices: start the next solve from these exact ones.
        prices = a.mentor_price if n_real * FEW_NEW <= len(p.free_rows) else None
        cr, cc, cs = (np.concatenate([x, y]) for x, y in zip((cr, cc, cs), new, strict=True))
