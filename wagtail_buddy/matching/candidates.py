"""Candidate generation: every pair scored once, each mentee keeps its best few mentors.

The scoring pass walks the mentee x mentor pairs in row chunks (never the whole matrix) and
keeps per mentee its ``K`` best eligible mentors (the candidates), the score of the ``K``-th
(an upper bound of every pair left out, used by the certificate) and its number of feasible
mentors (for the reason a mentee stays unmatched). With ``per_mentor`` it also keeps every
mentor's best few eligible mentees (:class:`MentorLists`), which join the candidates. The
helpers here (chunks, threads, forbidden pairs) are shared with the certificate's rescoring.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .scoring import ScoreModel

__all__ = ["CHUNK_PAIRS", "NEG", "Candidates", "Forbidden", "chunks", "default_workers",
           "parallel_map", "score_candidates"]

CHUNK_PAIRS = 1 << 21  # pairs per scoring chunk (~2M: a few tens of MB of temporaries)
NEG = np.int64(-(2**62))  # "no bound": every eligible mentor is a candidate


def default_workers() -> int:
    """Scoring and rescoring threads: ``BUDDY_MATCH_THREADS`` or one. The sparse products
    run on one core each, so two threads shorten the wall time (50k congested: 121 -> 105 s)
    but hold two chunks' temporaries (peak 1.73 -> 1.95 GiB, at the 2 GiB a worker is
    given): one by default, more for a worker with the memory to spare."""
    env = os.environ.get("BUDDY_MATCH_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return 1


def chunks(rows: np.ndarray, n_cols: int) -> list[np.ndarray]:
    """``rows`` cut into pieces of about ``CHUNK_PAIRS`` pairs against ``n_cols`` columns."""
    size = max(1, CHUNK_PAIRS // max(n_cols, 1))
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def parallel_map(fn: Callable, items: list, workers: int) -> Iterator:
    """Map over chunks in order, on ``workers`` threads (numpy releases the GIL in its kernels)."""
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

    def in_block(
        self, rows: np.ndarray, col_pos: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Block positions ``(i, j)`` of the forbidden pairs in a block whose rows are ``rows``
        (sorted) x all cols, or x a column subset when ``col_pos`` maps a column to its block
        position (-1: absent)."""
        empty = np.zeros(0, np.int64)
        if not len(self.keys) or not len(rows):
            return empty, empty
        lo = np.searchsorted(self.keys, int(rows[0]) * self.n_cols)
        hi = np.searchsorted(self.keys, (int(rows[-1]) + 1) * self.n_cols)
        r, c = np.divmod(self.keys[lo:hi], self.n_cols)
        pos = np.searchsorted(rows, r)
        ok = (pos < len(rows)) & (rows[np.minimum(pos, len(rows) - 1)] == r)
        if col_pos is not None:
            c = col_pos[c]
            ok &= c >= 0
        return pos[ok], c[ok]

    def apply(
        self, feasible: np.ndarray, rows: np.ndarray, col_pos: np.ndarray | None = None
    ) -> np.ndarray:
        """``feasible`` with the block's forbidden pairs cleared (a copy when any)."""
        i, j = self.in_block(rows, col_pos)
        if not len(i):
            return feasible
        feasible = feasible.copy()
        feasible[i, j] = False
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


COMPACT_MIN = 1 << 18  # pairs gathered for the mentors' lists before they are compacted
BLOCK = 32  # columns per block in the blocked top-k selection
BLOCKED_KEY = np.float32(-1e30)  # key of an ineligible pair: below every real score


def top_k_columns(keys: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` largest entries of every row of ``keys`` (``k < width``).

    A full ``argpartition`` over every row costs about ten times a matrix product per entry.
    Instead, columns are cut into ``BLOCK`` groups; the ``k`` groups with the largest maxima
    hold a valid top ``k`` (an entry outside them is at most the ``k``-th largest group
    maximum, which is at most the ``k``-th entry chosen), so only ``k * BLOCK`` entries per
    row are partitioned. A group is every ``nb``-th column (``nb`` = width / BLOCK), so the
    group maxima are an element-wise maximum of ``BLOCK`` contiguous slices, not a reduction
    over short rows. Ties may be broken differently from a full partition; every choice is a
    valid top ``k``.
    """
    rows, width = keys.shape
    nb = -(-width // BLOCK)
    if nb <= k:
        return np.argpartition(keys, width - k, axis=1)[:, width - k :]
    if width != nb * BLOCK:
        padded = np.full((rows, nb * BLOCK), -np.inf, keys.dtype)
        padded[:, :width] = keys
        keys = padded
    group_max = keys.reshape(rows, BLOCK, nb).max(axis=1)
    best = np.argpartition(group_max, nb - k, axis=1)[:, nb - k :]
    cols = (best[:, :, None] + nb * np.arange(BLOCK)[None, None, :]).reshape(rows, -1)
    vals = np.take_along_axis(keys, cols, axis=1)
    pick = np.argpartition(vals, vals.shape[1] - k, axis=1)[:, vals.shape[1] - k :]
    return np.take_along_axis(cols, pick, axis=1)


class MentorLists:
    """Every mentor's ``size`` best eligible mentees by score, gathered chunk by chunk.

    The mentees' own lists (their ``K`` best mentors by score) leave out the mentors few
    mentees rank high; on a congested intake the optimum gives many mentees such a buddy
    (14 % of the optimal partners at 10k rank outside the top 32 by score), and a first
    round without them prices those mentors wrongly (at 0 instead of the cardinality
    weight), so its certificate finds hundreds of violations per mentee. Adding every
    mentor's best mentees gives the first candidate graph the structure of the full
    problem (who can be matched, which mentors are contested). Speed only: the bound of
    the pairs left out stays the mentee's ``K``-th score (fewer pairs are left out).

    A chunk passes on only the pairs above each mentor's current ``size``-th best key
    (``thr``; a stale value only lets more through), so after the first chunks only a few
    pairs per chunk are kept and compacted."""

    def __init__(self, size: int, m: int, width: int, dtype: type):
        self.size, self.m = size, m
        self.thr = np.full(width, np.inf, dtype)  # padding columns never pass
        self.thr[:m] = BLOCKED_KEY / 2
        self.kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.pending = 0

    def merge(self, part: tuple | None) -> None:
        if part is None:
            return
        self.kept.append(part)
        self.pending += len(part[0])
        if self.pending > max(2 * self.size * self.m, COMPACT_MIN):
            self._compact()

    def _compact(self) -> None:
        rows, cols, keys = (np.concatenate([p[i] for p in self.kept]) for i in range(3))
        kint = keys.astype(np.int64)  # exact integers
        hi = int(kint.max(initial=0))
        span = hi - int(kint.min(initial=0)) + 1
        if span * (self.m + 1) < 2**62:  # one sort on (column, best key first)
            order = np.argsort(cols * span + (hi - kint))
        else:
            order = np.lexsort((-keys, cols))
        rows, cols, keys = rows[order], cols[order], keys[order]
        first = np.searchsorted(cols, cols)  # start of each column's run
        rank = np.arange(len(cols)) - first
        keep = rank < self.size
        full = rank == self.size - 1
        self.thr[cols[full]] = keys[full]
        self.kept = [(rows[keep], cols[keep], keys[keep])]
        self.pending = 0

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(rows, cols, scores)`` of the pairs on the lists."""
        if not self.kept:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty
        self._compact()
        rows, cols, keys = self.kept[0]
        return rows.astype(np.int64), cols.astype(np.int64), keys.astype(np.int64)


class _Pass:
    """What every chunk of the scoring pass shares: the transposed mentor factors padded
    with empty (infeasible) mentors to a whole number of groups, and per-thread buffers for
    the masks, so that only the two products allocate per chunk."""

    def __init__(self, model: ScoreModel, forbidden: Forbidden, open_cols: np.ndarray, k: int,
                 per_mentor: int = 0):
        m = len(open_cols)
        self.model, self.forbidden, self.k, self.m = model, forbidden, k, m
        self.width = -(-m // BLOCK) * BLOCK
        self.lists = (MentorLists(per_mentor, m, self.width, model.dtype) if per_mentor
                      else None)
        self.BT = np.zeros((model.BT.shape[0], self.width), model.BT.dtype)
        self.BT[:, :m] = model.BT
        self.FBT = np.zeros((model.FBT.shape[0], self.width), model.FBT.dtype)
        self.FBT[:, :m] = model.FBT
        self.closed = np.ones(self.width, bool)
        self.closed[:m] = ~open_cols
        self.any_closed = bool(self.closed[:m].any())
        self.local = threading.local()

    def buffers(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """This thread's float scratch (rule values, then the keys' penalty) and mask."""
        buf = getattr(self.local, "buf", None)
        if buf is None or len(buf[0]) < n:
            buf = (np.empty((n, self.width), self.model.FA.dtype),
                   np.empty((n, self.width), bool))
            self.local.buf = buf
        return buf[0][:n], buf[1][:n]

    def scores(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores and "not feasible" of rows x padded mentors (forbidden pairs included)."""
        fval, blocked = self.buffers(len(rows))
        if self.model.custom:  # criteria without a bilinear form: the general path
            t, feas = self.model.block(rows)
            total = np.full((len(rows), self.width), 0, t.dtype)
            total[:, : self.m] = t
            fval[:] = 0
            fval[:, : self.m] = feas
        else:
            total, fval = self.model.products(rows, self.BT, self.FBT)
        np.less(fval, 0.5, out=blocked)
        blocked[self.forbidden.in_block(rows)] = True
        return total, blocked

    def top_k(self, rows: np.ndarray) -> tuple:
        """One chunk: feasible counts, the ``k`` best eligible columns per row and the bound."""
        t = time.perf_counter()
        total, blocked = self.scores(rows)
        t_score = time.perf_counter() - t
        counts = self.width - np.count_nonzero(blocked, axis=1)
        if self.any_closed:
            np.logical_or(blocked, self.closed[None, :], out=blocked)
            n_elig = self.width - np.count_nonzero(blocked, axis=1)
        else:
            n_elig = counts
        # keys = total - 1e30 where blocked (a masked copy would cost ten times as much)
        penalty = np.multiply(blocked, BLOCKED_KEY, out=self.buffers(len(rows))[0])
        keys = np.add(total, penalty, out=total)
        k, m = self.k, self.m
        if k < m:
            part = top_k_columns(keys, k)
        else:
            part = np.broadcast_to(np.arange(m, dtype=np.int64), (len(rows), m))
        pk = np.take_along_axis(keys, part, axis=1)
        valid = pk > BLOCKED_KEY / 2
        # Non-candidates score at most the smallest candidate score (ties included).
        kth = np.where(valid, pk, np.inf).min(axis=1)
        bound = np.where(n_elig > k, np.nan_to_num(kth, posinf=0), NEG).astype(np.int64)
        return (rows, counts, bound, np.repeat(rows, valid.sum(axis=1)),
                part[valid].astype(np.int64), pk[valid].astype(np.int64),
                self.column_top(rows, keys), t_score, time.perf_counter() - t - t_score)

    def column_top(self, rows: np.ndarray, keys: np.ndarray) -> tuple | None:
        """The chunk's pairs that may enter the mentors' lists (see :class:`MentorLists`):
        those above the lists' thresholds, at most the chunk's ``size`` best per mentor
        (while the lists fill, in the first chunks, nearly every pair is above)."""
        lists = self.lists
        if lists is None:
            return None
        above = np.greater(keys, lists.thr, out=self.buffers(len(rows))[1])
        if len(rows) > lists.size and np.count_nonzero(above) > lists.size * self.width:
            L = lists.size
            pick = np.argpartition(keys, len(rows) - L, axis=0)[len(rows) - L :]
            top = np.take_along_axis(keys, pick, axis=0)
            ok = top > lists.thr
            return rows[pick[ok]], np.nonzero(ok)[1], top[ok]
        flat = np.flatnonzero(above)
        i, j = np.divmod(flat, self.width)
        return rows[i], j, keys.reshape(-1)[flat]


def score_candidates(
    model: ScoreModel,
    forbidden: Forbidden,
    free_rows: np.ndarray,
    open_cols: np.ndarray,
    k: int,
    workers: int,
    report: Callable[[str, float], None],
    per_mentor: int = 0,
) -> Candidates:
    """Score every free mentee against every mentor once; keep the ``k`` best per mentee
    and, with ``per_mentor``, also the ``per_mentor`` best eligible mentees of every mentor
    (see :class:`MentorLists`)."""
    n, m = len(model.enc.mentees), len(model.enc.mentors)
    feasible_count = np.zeros(n, np.int64)
    bound = np.full(n, NEG, np.int64)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    pieces = chunks(free_rows, m)
    kk = min(k, m)
    if kk == 0:
        pieces = []

    scan = _Pass(model, forbidden, open_cols, kk, per_mentor if 0 < kk < m else 0)
    job, lists = scan.top_k, scan.lists

    seconds = [0.0, 0.0]
    for done, (rows, counts, bnd, rr, cc, ss, col_top, t_score, t_prune) in enumerate(
        parallel_map(job, pieces, workers), 1
    ):
        t = time.perf_counter()
        if lists is not None:
            lists.merge(col_top)
        seconds[0] += t_score
        seconds[1] += t_prune + time.perf_counter() - t
        feasible_count[rows] = counts
        bound[rows] = bnd
        parts.append((rr, cc, ss))
        if done % max(1, len(pieces) // 8) == 0:
            report("scoring", done / len(pieces))
    report("scoring", 1.0)
    if lists is not None:
        parts.append(lists.edges())
    empty = np.zeros(0, np.int64)
    rows, cols, scores = (np.concatenate([p[i] for p in parts]) if parts else empty
                          for i in range(3))
    if lists is not None:  # a pair on both lists once
        _, first = np.unique(rows * m + cols, return_index=True)
        rows, cols, scores = rows[first], cols[first], scores[first]
    return Candidates(
        rows=rows,
        cols=cols,
        scores=scores,
        bound=bound,
        feasible_count=feasible_count,
        score_seconds=seconds[0],
        prune_seconds=seconds[1],
    )
