"""The public entry points: :func:`solve`, :func:`score_matrix`, :func:`suggest`.

``solve`` computes the exact lexicographic optimum (most matched mentees, then the highest
total score, then the smallest spread-load penalty if asked for) without ever holding the
mentee x mentor score matrix:

1. *scoring*: every pair is scored once, in row chunks, keeping per mentee its ``K`` best
   eligible mentors (candidates) and the score of the ``K``-th, an upper bound for every
   pair left out;
2. *solving*: the candidate graph is solved exactly (:mod:`.solver`), which also yields LP
   dual prices ``u`` (mentees) and ``V`` (mentors);
3. *certificate*: the duals prove the restricted optimum globally optimal iff
   ``u_i + V_j >= score_ij + BIG`` for every feasible pair. Mentees whose ``u_i`` already
   exceeds their bound (less the lowest mentor price) are certified without rescoring; the
   others are rescored in chunks against the mentors priced low enough to violate, violating
   pairs become candidates, and step 2 repeats until no pair violates. By LP duality (the
   assignment polytope is integral) the final assignment is optimal over all pairs, not
   only the candidates.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .criteria import SCALE, ScoreModel, resolve_weights, score_bounds
from .encoding import encode
from .profiles import InputError, Mentee, Mentor, validate
from .result import MatchingResult, Pair, Unmatched
from .solver import assign

__all__ = ["solve", "score_matrix", "suggest", "DEFAULT_CANDIDATES", "SPREAD_STEP"]

DEFAULT_CANDIDATES = 32  # candidates per mentee in the first round (speed only)
CHUNK_PAIRS = 1 << 21  # pairs per scoring chunk (~2M: a few tens of MB of temporaries)
SPREAD_STEP = 0.1  # score points a mentor's every further slot loses with spread_load=True

Progress = Callable[[str, float], None] | None
NEG = np.int64(-(2**62))  # "no bound": every eligible mentor is a candidate
INF_PRICE = np.int64(2**61)
KEEP = 2  # violating pairs kept per rescored mentee and round, times K
MARGIN_SHARE = 32  # near-violations within (max - min score) / this also join the graph


def _workers() -> int:
    env = os.environ.get("BUDDY_MATCH_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(2, os.cpu_count() or 1))


def _chunks(rows: np.ndarray, n_cols: int) -> list[np.ndarray]:
    size = max(1, CHUNK_PAIRS // max(n_cols, 1))
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _map(fn, items: list, workers: int):
    """Map over chunks; numpy releases the GIL in the heavy kernels, so threads help."""
    if workers <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(fn, items)


class _Forbidden:
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
        k = self.keys[lo:hi]
        r, c = np.divmod(k, self.n_cols)
        pos = np.searchsorted(rows, r)
        ok = (pos < len(rows)) & (rows[np.minimum(pos, len(rows) - 1)] == r)
        if col_pos is not None:
            c = col_pos[c]
            ok &= c >= 0
        feasible = feasible.copy()
        feasible[pos[ok], c[ok]] = False
        return feasible


def _index(ids: Sequence[str]) -> dict[str, int]:
    return {x: i for i, x in enumerate(ids)}


def _pair_arrays(pairs: Iterable[tuple[str, str]], mi: dict, ti: dict) -> tuple:
    pairs = list(pairs)
    r = np.array([mi[a] for a, _ in pairs], np.int64)
    c = np.array([ti[b] for _, b in pairs], np.int64)
    return r, c


def _make_pairs(model: ScoreModel, rows, cols, locked_flags) -> tuple[list[Pair], int]:
    enc = model.enc
    if not len(rows):
        return [], 0
    total, parts, _ = model.pairs(rows, cols)
    keys = list(parts)
    pmat = np.stack([parts[k] for k in keys], axis=1)
    out = []
    mentee_ids, mentor_ids = enc.mentees.ids, enc.mentors.ids
    for p in range(len(rows)):
        bd = {k: int(pmat[p, q]) / SCALE for q, k in enumerate(keys)}
        out.append(
            Pair(
                mentee_ids[rows[p]],
                mentor_ids[cols[p]],
                int(total[p]) / SCALE,
                bd,
                bool(locked_flags[p]),
            )
        )
    return out, int(total.sum())


def solve(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    weights: Mapping[str, float] | None = None,
    locked: Iterable[tuple[str, str]] = (),
    forbidden: Iterable[tuple[str, str]] = (),
    spread_load: bool | float = False,
    progress: Progress = None,
    *,
    candidates: int = DEFAULT_CANDIDATES,
    workers: int | None = None,
) -> MatchingResult:
    """Exact lexicographic optimum: most matched mentees, then highest total score.

    ``spread_load=True`` makes every further slot of a mentor ``SPREAD_STEP`` points less
    attractive (a float gives the step in points); pair scores are unaffected, the penalty
    only steers the choice among assignments with the same number of matches.
    ``candidates`` (per mentee in the first round) and ``workers`` (scoring threads) tune
    speed only; the result is optimal whatever their values.
    """
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    report = progress or (lambda phase, frac: None)
    mentees, mentors = list(mentees), list(mentors)
    locked_l, forbidden_l = validate(mentees, mentors, locked, forbidden)
    W = resolve_weights(weights)
    step_points = SPREAD_STEP if spread_load is True else float(spread_load or 0.0)
    if step_points < 0:
        raise InputError("spread_load: the step must be >= 0")
    step = int(round(step_points * SCALE))
    workers = workers or _workers()
    K = max(1, int(candidates))

    report("encoding", 0.0)
    t = time.perf_counter()
    enc = encode(mentees, mentors)
    model = ScoreModel(enc, W)
    n, m = len(mentees), len(mentors)
    mi, ti = _index(enc.mentees.ids), _index(enc.mentors.ids)
    lr, lc = _pair_arrays(locked_l, mi, ti)
    fr, fc = _pair_arrays(forbidden_l, mi, ti)
    forb = _Forbidden(fr, fc, m)
    capacity = np.array([t_.capacity for t_ in mentors], np.int64)
    n_locked = np.bincount(lc, minlength=m).astype(np.int64) if m else np.zeros(0, np.int64)
    cap_rem = capacity - n_locked
    is_locked = np.zeros(n, bool)
    is_locked[lr] = True
    free_rows = np.nonzero(~is_locked)[0].astype(np.int64)
    open_cols = cap_rem > 0
    open_idx = np.nonzero(open_cols)[0]
    timings["encoding"] = time.perf_counter() - t
    report("encoding", 1.0)

    # ---------------------------------------------------------------- 1. scoring pass
    t = time.perf_counter()
    all_cols = np.arange(m, dtype=np.int64)
    chunks = _chunks(free_rows, m)
    n_free = len(free_rows)
    feas_count = np.zeros(n, np.int64)
    bound = np.full(n, NEG, np.int64)  # score bound of non-candidates
    cand_r: list[np.ndarray] = []
    cand_c: list[np.ndarray] = []
    cand_s: list[np.ndarray] = []
    def top_k(rows: np.ndarray):
        total, feas = model.block(rows)
        feas = forb.apply(feas, rows)
        counts = feas.sum(axis=1)
        elig = feas & open_cols[None, :]
        kk = min(K, m)
        if kk == 0:
            return rows, counts, None, None, None, None
        keys = np.where(elig, total, -np.inf)
        if kk < m:
            part = np.argpartition(keys, m - kk, axis=1)[:, m - kk :]
        else:
            part = np.broadcast_to(all_cols, keys.shape)
        pk = np.take_along_axis(keys, part, axis=1)
        valid = pk > -np.inf
        n_elig = elig.sum(axis=1)
        # Non-candidates score at most the smallest candidate score (ties included).
        kth = np.where(valid, pk, np.inf).min(axis=1)
        bnd = np.where(n_elig > kk, np.nan_to_num(kth, posinf=0), NEG).astype(np.int64)
        rr = np.repeat(rows, valid.sum(axis=1))
        cc = part[valid].astype(np.int64)
        ss = pk[valid].astype(np.int64)
        return rows, counts, bnd, rr, cc, ss

    for done, (rows, counts, bnd, rr, cc, ss) in enumerate(_map(top_k, chunks, workers), 1):
        feas_count[rows] = counts
        if bnd is not None:
            bound[rows] = bnd
            cand_r.append(rr)
            cand_c.append(cc)
            cand_s.append(ss)
        if done % max(1, len(chunks) // 8) == 0:
            report("scoring", done / len(chunks))
    report("scoring", 1.0)
    timings["scoring"] = time.perf_counter() - t

    # Dense row numbering for the solver: free mentee k <-> enc row free_rows[k].
    pos_of_row = np.full(n, -1, np.int64)
    pos_of_row[free_rows] = np.arange(n_free)
    cr = np.concatenate(cand_r) if cand_r else np.zeros(0, np.int64)
    cc = np.concatenate(cand_c) if cand_c else np.zeros(0, np.int64)
    cs = np.concatenate(cand_s) if cand_s else np.zeros(0, np.int64)

    lo, hi = score_bounds(W)
    pen_max = int(step * max(int(capacity.max()) if m else 0, 1))
    BIG = n_free * (hi - lo + pen_max) + pen_max + abs(lo) + 1
    spread = (n_locked, step) if step > 0 else None
    # Pairs that *nearly* violate (gain > -margin) join the graph along with the violating
    # ones: the next prices often make them violate, and adding them early saves rounds.
    # The stopping test uses real violations only, so this is a speed knob, not a rule.
    margin = max(0, (hi - lo) // MARGIN_SHARE)

    # ---------------------------------------------------------------- 2+3. solve, certify
    t = time.perf_counter()
    rounds: list[dict] = []
    checked_total = 0
    while True:
        report("solving", min(0.9, 0.3 * len(rounds)))
        t_r = time.perf_counter()
        a = assign(n_free, pos_of_row[cr], cc, cs + BIG, cap_rem.clip(min=0), spread)
        t_solve = time.perf_counter() - t_r
        u = a.u  # per free-row position
        V = a.mentor_price
        # A left-out pair (i, j) scores at most bound_i, so it can only violate
        # u_i + V_j >= score + BIG if V_j < bound_i + BIG - u_i =: thr_i. Mentees with
        # thr_i <= min V are certified by their bound; the others are rescored only
        # against the open mentors priced below their threshold (a prefix of the mentors
        # sorted by price), rows in order of threshold so that chunks stay narrow.
        t_c = time.perf_counter()
        thr_pos = bound[free_rows] + BIG - u + margin
        by_price = open_idx[np.argsort(V[open_idx], kind="stable")]
        v_sorted = V[by_price]
        vmin = v_sorted[0] if len(v_sorted) else INF_PRICE
        need = np.nonzero(thr_pos > vmin)[0]  # positions
        need = need[np.argsort(thr_pos[need], kind="stable")]
        ncols_of = np.searchsorted(v_sorted, thr_pos[need], side="left")
        u_rows = np.full(n, 0, np.int64)
        u_rows[free_rows] = u
        jobs = []
        s = 0
        while s < len(need):
            e = s + 1
            while e < len(need) and (e - s + 1) * ncols_of[e] <= CHUNK_PAIRS:
                e += 1
            jobs.append((np.sort(free_rows[need[s:e]]), by_price[: ncols_of[e - 1]]))
            s = e
        new_r, new_c, new_s = [], [], []

        def certify(job, u_rows=u_rows, V=V, margin=margin):
            rows, cols = job
            total, feas = model.block(rows, cols)
            col_pos = np.full(m, -1, np.int64)
            col_pos[cols] = np.arange(len(cols))
            feas = forb.apply(feas, rows, col_pos)
            # float64 holds these integers exactly (all far below 2**53)
            thr = (u_rows[rows] - BIG).astype(np.float64)
            gain = total - thr[:, None] - V[cols].astype(np.float64)[None, :]
            nreal = int((feas & (gain > 0)).sum())
            if not nreal:
                return None
            viol = feas & (gain > -margin)
            # Per row keep the most violated few (all of them would be correct too).
            kk = min(KEEP * K, len(cols))
            g = np.where(viol, gain, -np.inf)
            if kk < len(cols):
                part = np.argpartition(g, len(cols) - kk, axis=1)[:, len(cols) - kk :]
            else:
                part = np.broadcast_to(np.arange(len(cols)), g.shape)
            ok = np.take_along_axis(g, part, axis=1) > -np.inf
            rr = np.nonzero(ok)[0]
            c2 = part[ok]
            cj = cols[c2]
            return rows[rr], cj, total[rr, c2].astype(np.int64), nreal

        n_real = 0
        for res in _map(certify, jobs, workers):
            if res is not None:
                new_r.append(res[0])
                new_c.append(res[1])
                new_s.append(res[2])
                n_real += res[3]
        if n_real and margin > 0:
            # near-violations may already be candidates: drop those
            have = np.unique(cr * m + cc)
            nr, nc, ns = (np.concatenate(x) for x in (new_r, new_c, new_s))
            fresh = ~np.isin(nr * m + nc, have)
            new_r, new_c, new_s = [nr[fresh]], [nc[fresh]], [ns[fresh]]
        check_rows = need
        pairs_scored = int(sum(len(r_) * len(c_) for r_, c_ in jobs))
        checked_total += len(check_rows)
        added = int(sum(len(x) for x in new_r))
        rounds.append(
            {
                "candidates": int(len(cr)),
                "checked_mentees": int(len(check_rows)),
                "pairs_rescored": pairs_scored,
                "violations_added": added,
                "violations": n_real,
                "solve_seconds": round(t_solve, 4),
                "certify_seconds": round(time.perf_counter() - t_c, 4),
                "price_rounds": a.bf_rounds,
                "lap_seconds": round(a.lap_seconds, 4),
                "edges": a.edges,
            }
        )
        if not n_real:
            break
        cr = np.concatenate([cr, *new_r])
        cc = np.concatenate([cc, *new_c])
        cs = np.concatenate([cs, *new_s])
    timings["solving"] = time.perf_counter() - t
    report("solving", 1.0)

    # ---------------------------------------------------------------- explanation
    t = time.perf_counter()
    report("explaining", 0.0)
    matched = a.mentor_of_row >= 0
    pr = np.concatenate([lr, free_rows[matched]])
    pc = np.concatenate([lc, a.mentor_of_row[matched]])
    pl = np.concatenate([np.ones(len(lr), bool), np.zeros(int(matched.sum()), bool)])
    order = np.argsort(pr, kind="stable")
    pr, pc, pl = pr[order], pc[order], pl[order]
    pairs, total_units = _make_pairs(model, pr, pc, pl)
    # Sanity: the solver's objective must equal the explained scores (exactness check).
    free_units = total_units - (int(model.pairs(lr, lc)[0].sum()) if len(lr) else 0)
    penalty = 0
    if spread is not None:
        penalty = int(((n_locked[a.mentor_of_row[matched]] + a.slot_of_row[matched]) * step).sum())
    if a.objective != free_units + BIG * int(matched.sum()) - penalty:
        raise RuntimeError("internal error: objective and explained scores disagree")
    # Report the whole spread penalty, locked slots (0, 1, ... per mentor) included.
    penalty += int((n_locked * (n_locked - 1) // 2).sum()) * step
    unmatched = [
        Unmatched(
            enc.mentees.ids[r],
            "no_feasible_mentor" if feas_count[r] == 0 else "mentors_full",
        )
        for r in free_rows[~matched]
    ]
    timings["explaining"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t_all
    report("explaining", 1.0)

    reasons = {r: sum(1 for x in unmatched if x.reason == r) for r in
               ("no_feasible_mentor", "mentors_full")}
    stats = {
        "mentees": n,
        "mentors": m,
        "capacity": int(capacity.sum()),
        "locked": len(lr),
        "forbidden": len(forb.keys),
        "matched": len(pairs),
        "unmatched": len(unmatched),
        "unmatched_reasons": reasons,
        "total_score": total_units / SCALE,
        "spread_load_step": step / SCALE,
        "spread_penalty": penalty / SCALE,
        "weights": W,
        "method": "pruned candidates + sparse assignment (SciPy LAPJVsp) + LP dual certificate",
        "optimal": True,
        "certificate": {
            "rounds": len(rounds),
            "candidates_per_mentee_initial": K,
            "final_candidates": int(len(cr)),
            "pairs_total": n * m,
            "mentees_rescored": int(checked_total),
            "mentees_certified_by_bound": int(n_free * len(rounds) - checked_total),
            "detail": rounds,
            "statement": (
                "LP duals u (mentees) and V (mentors) satisfy u_i + V_j >= score_ij + BIG for"
                " every feasible pair (bound or full rescoring) with complementary slackness"
                " on the chosen pairs: the assignment is an exact optimum of"
                " (matched count, total score)."
            ),
        },
        "timings": {k: round(v, 4) for k, v in timings.items()},
    }
    return MatchingResult(pairs, unmatched, total_units / SCALE, stats)


def score_matrix(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    weights: Mapping[str, float] | None = None,
    forbidden: Iterable[tuple[str, str]] = (),
    locked: Iterable[tuple[str, str]] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """The full (mentees x mentors) score matrix (float points) and feasibility mask.

    For inspection of small inputs; ``solve`` never builds it. Forbidden pairs are
    infeasible; locked pairs are feasible whatever the rules say (as in ``solve``)."""
    mentees, mentors = list(mentees), list(mentors)
    locked_l, forbidden_l = validate(mentees, mentors, locked, forbidden)
    W = resolve_weights(weights)
    enc = encode(mentees, mentors)
    model = ScoreModel(enc, W)
    n, m = len(mentees), len(mentors)
    scores = np.zeros((n, m), np.float64)
    feas_all = np.zeros((n, m), bool)
    mi, ti = _index(enc.mentees.ids), _index(enc.mentors.ids)
    fr, fc = _pair_arrays(forbidden_l, mi, ti)
    forb = _Forbidden(fr, fc, m)
    for rows in _chunks(np.arange(n, dtype=np.int64), m):
        total, feas = model.block(rows)
        scores[rows] = total.astype(np.int64) / SCALE
        feas_all[rows] = forb.apply(feas, rows)
    lr, lc = _pair_arrays(locked_l, mi, ti)
    feas_all[lr, lc] = True
    return scores, feas_all


def suggest(
    mentee: Mentee,
    mentors: Sequence[Mentor],
    spare_capacity: Mapping[str, int] | None = None,
    weights: Mapping[str, float] | None = None,
    forbidden: Iterable[tuple[str, str]] = (),
    k: int = 5,
    *,
    mentees_pool: Sequence[Mentee] | None = None,
) -> list[Pair]:
    """Top-``k`` feasible mentors with spare capacity for one mentee, best first.

    Ties are broken by the mentors' order. ``spare_capacity`` maps mentor id -> free slots
    (default: the mentor's capacity). Pass the intake's mentees as ``mentees_pool`` so the
    rarity of interests, hence the scores, match those of :func:`solve` on that intake."""
    mentors = list(mentors)
    forbidden = [(str(a), str(b)) for a, b in forbidden if str(a) == mentee.id]
    validate([mentee], mentors, (), forbidden)
    W = resolve_weights(weights)
    pool = None
    if mentees_pool is not None:
        pool = [*mentees_pool, *mentors]
        if all(p.id != mentee.id for p in mentees_pool):
            pool.append(mentee)
    enc = encode([mentee], mentors, rarity_pool=pool)
    model = ScoreModel(enc, W)
    m = len(mentors)
    cols = np.arange(m, dtype=np.int64)
    total, parts, feas = model.pairs(np.zeros(m, np.int64), cols)
    ti = _index(enc.mentors.ids)
    for _, b in forbidden:
        feas[ti[b]] = False
    spare = np.array(
        [
            (spare_capacity.get(t.id, t.capacity) if spare_capacity is not None else t.capacity)
            for t in mentors
        ],
        np.int64,
    ).reshape(-1)
    ok = np.nonzero(feas & (spare > 0))[0]
    order = ok[np.lexsort((ok, -total[ok]))][: max(0, int(k))]
    return [
        Pair(
            mentee.id,
            mentors[j].id,
            int(total[j]) / SCALE,
            {key: int(parts[key][j]) / SCALE for key in parts},
            False,
        )
        for j in order
    ]
