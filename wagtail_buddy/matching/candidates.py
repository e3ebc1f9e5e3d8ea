"""Candidate generation: every pair scored once, each mentee keeps its best few mentors.

The scoring pass walks the mentee x mentor pairs in row chunks (never the whole matrix) and
keeps per mentee its ``K`` best eligible mentors (the candidates), the score of the ``K``-th
(an upper bound of every pair left out, used by the certificate) and its number of feasible
mentors (for the reason a mentee stays unmatched). The helpers here (chunks, threads,
forbidden pairs) are shared with the certificate's rescoring.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .criteria import ScoreModel

__all__ = ["CHUNK_PAIRS", "NEG", "Candidates", "Forbidden", "chunks", "default_workers",
           "parallel_map", "score_candidates"]

CHUNK_PAIRS = 1 << 21  # pairs per scoring chunk (~2M: a few tens of MB of temporaries)
NEG = np.int64(-(2**62))  # "no bound": every eligible mentor is a candidate


def default_workers() -> int:
    """Scoring threads: ``BUDDY_MATCH_THREADS`` or up to two (numpy releases the GIL)."""
    env = os.environ.get("BUDDY_MATCH_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(2, os.cpu_count() or 1))


def chunks(rows: np.ndarray, n_cols: int) -> list[np.ndarray]:
    """``rows`` cut into pieces of about ``CHUNK_PAIRS`` pairs against ``n_cols`` columns."""
    size = max(1, CHUNK_PAIRS // max(n_cols, 1))
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def parallel_map(fn: Callable, items: list, workers: int) -> Iterator:
    """Map over chunks in order; numpy releases the GIL in the heavy kernels, so threads help."""
    if workers <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(fn, items)


class Forbidden:
    """Forbidden pairs as sorted ``row * n_cols + col`` keys, sliced per row chunk."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, n_cols: int):
        self.n_cols = n_cols
        self.keys = np.unique(rows.astype(np.int64) * n_cols + cols.astype(np.int64))

    def apply(
        self, feasible: np.ndarray, rows: np.ndarray, col_pos: np.ndarray | None = None
    ) -> np.ndarray:
        """Clear forbidden pairs in a block whose rows are ``rows`` (sorted) x all cols, or
        x a column subset when ``col_pos`` maps a column to its block position (-1: absent)."""
        if not len(self.keys) or not len(rows):
            return feasible
        lo = np.searchsorted(self.keys, int(rows[0]) * self.n_cols)
        hi = np.searchsorted(self.keys, (int(rows[-1]) + 1) * self.n_cols)
        if lo == hi:
            return feasible
        r, c = np.divmod(self.keys[lo:hi], self.n_cols)
        pos = np.searchsorted(rows, r)
        ok = (pos < len(rows)) & (rows[np.minimum(pos, len(rows) - 1)] == r)
        if col_pos is not None:
            c = col_pos[c]
            ok &= c >= 0
        feasible = feasible.copy()
        feasible[pos[ok], c[ok]] = False
        return feasible


@dataclass
class Candidates:
    """The candidate edges (encoded row, mentor column, integer score) and, per mentee, the
    bound of the pairs left out and the count of feasible mentors."""

    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray
    bound: np.ndarray  # (n,) int64; NEG where no eligible pair was left out
    feasible_count: np.ndarray  # (n,) int64
    score_seconds: float = 0.0  # summed over threads: the matrix products
    prune_seconds: float = 0.0  # summed over threads: forbidden pairs, counts, top-k


BLOCK = 32  # columns per block in the blocked top-k selection


def top_k_columns(keys: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` largest entries of every row of ``keys`` (``k < width``).

    A full ``argpartition`` over every row costs about ten times a matrix product per entry.
    Instead, columns are cut into blocks of ``BLOCK``; the ``k`` blocks with the largest
    maxima hold a valid top ``k`` (an entry outside them is at most the ``k``-th largest
    block maximum, which is at most the ``k``-th entry chosen), so only ``k * BLOCK`` entries
    per row are partitioned. Ties may be broken differently from a full partition; every
    choice is a valid top ``k``.
    """
    rows, width = keys.shape
    n_blocks = -(-width // BLOCK)
    if n_blocks <= k:
        return np.argpartition(keys, width - k, axis=1)[:, width - k :]
    if width == n_blocks * BLOCK:
        padded = keys
    else:
        padded = np.full((rows, n_blocks * BLOCK), -np.inf, keys.dtype)
        padded[:, :width] = keys
    block_max = padded.reshape(rows, n_blocks, BLOCK).max(axis=2)
    best = np.argpartition(block_max, n_blocks - k, axis=1)[:, n_blocks - k :]
    cols = (best[:, :, None] * BLOCK + np.arange(BLOCK)[None, None, :]).reshape(rows, -1)
    vals = np.take_along_axis(padded, cols, axis=1)
    pick = np.argpartition(vals, vals.shape[1] - k, axis=1)[:, vals.shape[1] - k :]
    return np.take_along_axis(cols, pick, axis=1)


def _top_k(model: ScoreModel, forbidden: Forbidden, open_cols: np.ndarray, k: int,
           rows: np.ndarray) -> tuple:
    """One chunk: feasible counts, the ``k`` best eligible columns per row and the bound."""
    m = len(open_cols)
    t = time.perf_counter()
    total, feas = model.block(rows)
    t_score = time.perf_counter() - t
    feas = forbidden.apply(feas, rows)
    counts = feas.sum(axis=1)
    elig = feas & open_cols[None, :]
    # Ineligible pairs and the padding up to whole blocks get -inf.
    keys = np.full((len(rows), -(-m // BLOCK) * BLOCK), -np.inf, total.dtype)
    np.copyto(keys[:, :m], total, where=elig)
    if k < m:
        part = top_k_columns(keys, k)
    else:
        part = np.broadcast_to(np.arange(m, dtype=np.int64), (len(rows), m))
    pk = np.take_along_axis(keys, part, axis=1)
    valid = pk > -np.inf
    # Non-candidates score at most the smallest candidate score (ties included).
    kth = np.where(valid, pk, np.inf).min(axis=1)
    bound = np.where(elig.sum(axis=1) > k, np.nan_to_num(kth, posinf=0), NEG).astype(np.int64)
    return (rows, counts, bound, np.repeat(rows, valid.sum(axis=1)),
            part[valid].astype(np.int64), pk[valid].astype(np.int64),
            t_score, time.perf_counter() - t - t_score)


def score_candidates(
    model: ScoreModel,
    forbidden: Forbidden,
    free_rows: np.ndarray,
    open_cols: np.ndarray,
    k: int,
    workers: int,
    report: Callable[[str, float], None],
) -> Candidates:
    """Score every free mentee against every mentor once; keep the ``k`` best per mentee."""
    n, m = len(model.enc.mentees), len(model.enc.mentors)
    feasible_count = np.zeros(n, np.int64)
    bound = np.full(n, NEG, np.int64)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    pieces = chunks(free_rows, m)
    kk = min(k, m)
    if kk == 0:
        pieces = []

    def job(rows: np.ndarray) -> tuple:
        return _top_k(model, forbidden, open_cols, kk, rows)

    seconds = [0.0, 0.0]
    for done, (rows, counts, bnd, rr, cc, ss, t_score, t_prune) in enumerate(
        parallel_map(job, pieces, workers), 1
    ):
        seconds[0] += t_score
        seconds[1] += t_prune
        feasible_count[rows] = counts
        bound[rows] = bnd
        parts.append((rr, cc, ss))
        if done % max(1, len(pieces) // 8) == 0:
            report("scoring", done / len(pieces))
    report("scoring", 1.0)
    empty = np.zeros(0, np.int64)
    return Candidates(
        rows=np.concatenate([p[0] for p in parts]) if parts else empty,
        cols=np.concatenate([p[1] for p in parts]) if parts else empty,
        scores=np.concatenate([p[2] for p in parts]) if parts else empty,
        bound=bound,
        feasible_count=feasible_count,
        score_seconds=seconds[0],
        prune_seconds=seconds[1],
    )
