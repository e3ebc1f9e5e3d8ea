"""The public entry points: :func:`solve`, :func:`score_matrix`, :func:`suggest`.

``solve`` computes the exact lexicographic optimum (most matched mentees, then the highest
total score, then the smallest spread-load penalty if asked for) without ever holding the
mentee x mentor score matrix, in three steps with a module each:

1. candidate generation (:mod:`.candidates`): every pair scored once, in row chunks, each
   mentee keeping its ``K`` best eligible mentors and a bound for the pairs left out;
2. certification rounds (:mod:`.certify`): the candidate graph solved exactly
   (:mod:`.solver`, SciPy's LAPJVsp) with LP dual prices that prove the optimum global;
3. explanation (:mod:`.explain`): points and evidence per pair, reasons per unmatched mentee.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .candidates import Forbidden, chunks, default_workers, score_candidates
from .certify import MARGIN_SHARE, Problem, certify
from .criteria import SCALE, resolve_weights
from .encoding import encode
from .explain import evidence, explain_pairs, unmatched_reasons
from .profiles import InputError, Mentee, Mentor, validate
from .result import MatchingResult, Pair
from .scoring import ScoreModel, score_bounds

__all__ = ["solve", "score_matrix", "suggest", "rank_mentees", "DEFAULT_CANDIDATES", "SPREAD_STEP"]

DEFAULT_CANDIDATES = 32  # candidates per mentee in the first round (speed only)
MENTOR_CANDIDATES = 16  # best mentees kept per mentor in the first round (speed only)
SPREAD_STEP = 0.1  # score points a mentor's every further slot loses with spread_load=True

Progress = Callable[[str, float], None] | None

STATEMENT = (
    "LP duals u (mentees) and V (mentors) satisfy u_i + V_j >= score_ij + BIG for every"
    " feasible pair (bound or full rescoring) with complementary slackness on the chosen"
    " pairs: the assignment is an exact optimum of (matched count, total score)."
)


def _index(ids: Sequence[str]) -> dict[str, int]:
    return {x: i for i, x in enumerate(ids)}


def _pair_arrays(pairs: Iterable[tuple[str, str]], mi: dict, ti: dict) -> tuple:
    pairs = list(pairs)
    r = np.array([mi[a] for a, _ in pairs], np.int64)
    c = np.array([ti[b] for _, b in pairs], np.int64)
    return r, c


def _spread_step(spread_load: bool | float) -> int:
    points = SPREAD_STEP if spread_load is True else float(spread_load or 0.0)
    if points < 0:
        raise InputError("spread_load: the step must be >= 0")
    return int(round(points * SCALE))


@dataclass
class _Instance:
    """The encoded problem: scores, pairs kept and forbidden, what is left to assign."""

    model: ScoreModel
    forbidden: Forbidden
    locked_rows: np.ndarray
    locked_cols: np.ndarray
    capacity: np.ndarray
    n_locked: np.ndarray  # locked pairs per mentor
    free_rows: np.ndarray  # mentees not in a locked pair
    cap_rem: np.ndarray  # places left per mentor after the locked pairs


def _encode(mentees: list[Mentee], mentors: list[Mentor], W: dict[str, float],
            locked: list, forbidden: list) -> _Instance:
    enc = encode(mentees, mentors)
    model = ScoreModel(enc, W)
    n, m = len(mentees), len(mentors)
    mi, ti = _index(enc.mentees.ids), _index(enc.mentors.ids)
    lr, lc = _pair_arrays(locked, mi, ti)
    forb = Forbidden(*_pair_arrays(forbidden, mi, ti), m)
    capacity = np.array([t_.capacity for t_ in mentors], np.int64)
    n_locked = np.bincount(lc, minlength=m).astype(np.int64)
    is_locked = np.zeros(n, bool)
    is_locked[lr] = True
    free_rows = np.nonzero(~is_locked)[0].astype(np.int64)
    return _Instance(model, forb, lr, lc, capacity, n_locked, free_rows, capacity - n_locked)


def solve(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    *,
    weights: Mapping[str, float] | None = None,
    locked: Iterable[tuple[str, str]] = (),
    forbidden: Iterable[tuple[str, str]] = (),
    spread_load: bool | float = False,
    progress: Progress = None,
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
    t_all = t = time.perf_counter()
    report = progress or (lambda phase, frac: None)
    mentees, mentors = list(mentees), list(mentors)
    locked_l, forbidden_l = validate(mentees, mentors, locked, forbidden)
    W = resolve_weights(weights)
    step = _spread_step(spread_load)
    k = max(1, int(candidates))

    report("encoding", 0.0)
    inst = _encode(mentees, mentors, W, locked_l, forbidden_l)
    timings["encoding"] = time.perf_counter() - t
    report("encoding", 1.0)

    t = time.perf_counter()
    workers = workers or default_workers()
    cand = score_candidates(inst.model, inst.forbidden, inst.free_rows, inst.cap_rem > 0, k,
                            workers, report, per_mentor=MENTOR_CANDIDATES)
    timings["scoring"] = time.perf_counter() - t

    t = time.perf_counter()
    lo, hi = score_bounds(W)
    pen_max = int(step * max(int(inst.capacity.max()) if len(mentors) else 0, 1))
    big = _lexicographic_weights(mentees, len(inst.free_rows) * (hi - lo + pen_max)
                                 + pen_max + abs(lo) + 1)
    spread = (inst.n_locked, step) if step > 0 else None
    problem = Problem(inst.model, inst.forbidden, inst.free_rows, inst.cap_rem, spread, big,
                      max(0, (hi - lo) // MARGIN_SHARE), k, workers)
    a, rounds, final_candidates = certify(problem, cand, report)
    timings["solving"] = time.perf_counter() - t
    report("solving", 1.0)

    t = time.perf_counter()
    report("explaining", 0.0)
    pairs, total_units, penalty, unmatched = _explain(inst, a, big, step, cand.feasible_count)
    timings["explaining"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t_all
    report("explaining", 1.0)

    diagnostics = _diagnostics(
        inst, len(mentees), len(mentors), pairs, unmatched, W, step, penalty,
        rounds=rounds, k=k, final_candidates=final_candidates, timings=timings, cand=cand)
    return MatchingResult(pairs, unmatched, True, total_units / SCALE, diagnostics)


def _lexicographic_weights(mentees: list[Mentee], tier: int) -> np.ndarray:
    """Each mentee row's weight on top of its pair scores: ``tier`` exceeds any difference
    in total score (and spread penalty), a priority mentee gets one ``tier`` more, and the
    cardinality weight exceeds every priority bonus together: most matched mentees, then
    most priority mentees matched, then the highest total score."""
    priority = np.fromiter((m.priority for m in mentees), np.int64, len(mentees))
    n_priority = int(priority.sum())
    base = (n_priority + 1) * tier if n_priority else tier
    return base + priority * tier


def _diagnostics(inst: _Instance, n: int, m: int, pairs: list, unmatched: list,
                 W: dict[str, float], step: int, penalty: int, *, rounds: list, k: int,
                 final_candidates: int, timings: dict[str, float], cand) -> dict:
    """What ``MatchingResult.diagnostics`` reports: sizes, reasons, certificate, timings."""
    return {
        "mentees": n,
        "mentors": m,
        "capacity": int(inst.capacity.sum()),
        "locked": len(inst.locked_rows),
        "forbidden": len(inst.forbidden.keys),
        "matched": len(pairs),
        "unmatched": len(unmatched),
        "unmatched_reasons": {r: sum(1 for x in unmatched if x.reason == r)
                              for r in ("no_feasible_mentor", "mentors_full")},
        "spread_load_step": step / SCALE,
        "spread_penalty": penalty / SCALE,
        "weights": W,
        "method": "pruned candidates + sparse assignment (SciPy LAPJVsp) + LP dual certificate",
        "certificate": {
            "rounds": len(rounds),
            "candidates_per_mentee_initial": k,
            "final_candidates": final_candidates,
            "pairs_total": n * m,
            "mentees_rescored": int(sum(r["checked_mentees"] for r in rounds)),
            "detail": rounds,
            "statement": STATEMENT,
        },
        "timings": {key: round(v, 4) for key, v in timings.items()},
        # Seconds inside the scoring pass, summed over its threads (one by default).
        "scoring_detail": {"score_thread_s": round(cand.score_seconds, 4),
                           "prune_thread_s": round(cand.prune_seconds, 4)},
    }


def _explain(inst: _Instance, a, big: np.ndarray, step: int, feasible_count: np.ndarray) -> tuple:
    """The pairs (locked and chosen) explained, their total units, the whole spread
    penalty and the unmatched mentees; checks the solver's objective against the scores."""
    lr, lc, free_rows, n_locked = inst.locked_rows, inst.locked_cols, inst.free_rows, \
        inst.n_locked
    matched = a.mentor_of_row >= 0
    pr = np.concatenate([lr, free_rows[matched]])
    pc = np.concatenate([lc, a.mentor_of_row[matched]])
    pl = np.concatenate([np.ones(len(lr), bool), np.zeros(int(matched.sum()), bool)])
    order = np.argsort(pr, kind="stable")
    pairs, total_units = explain_pairs(inst.model, pr[order], pc[order], pl[order])
    # Sanity: the solver's objective must equal the explained scores (exactness check).
    free_units = total_units - (int(inst.model.pairs(lr, lc)[0].sum()) if len(lr) else 0)
    penalty = 0
    if step > 0:
        penalty = int(((n_locked[a.mentor_of_row[matched]] + a.slot_of_row[matched]) * step).sum())
    if a.objective != free_units + int(big[free_rows[matched]].sum()) - penalty:
        raise RuntimeError("internal error: objective and explained scores disagree")
    # Report the whole spread penalty, locked slots (0, 1, ... per mentor) included.
    penalty += int((n_locked * (n_locked - 1) // 2).sum()) * step
    unmatched = unmatched_reasons(inst.model, free_rows[~matched], feasible_count)
    return pairs, total_units, penalty, unmatched


def score_matrix(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    *,
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
    forb = Forbidden(fr, fc, m)
    for rows in chunks(np.arange(n, dtype=np.int64), m):
        total, feas = model.block(rows)
        scores[rows] = total.astype(np.int64) / SCALE
        feas_all[rows] = forb.apply(feas, rows)
    lr, lc = _pair_arrays(locked_l, mi, ti)
    feas_all[lr, lc] = True
    return scores, feas_all


def suggest(
    mentee: Mentee,
    mentors: Sequence[Mentor],
    *,
    spare_capacity: Mapping[str, int] | None = None,
    weights: Mapping[str, float] | None = None,
    forbidden: Iterable[tuple[str, str]] = (),
    k: int = 5,
    mentees_pool: Sequence[Mentee] | None = None,
) -> list[Pair]:
    """Top-``k`` feasible mentors with spare capacity for one mentee, best first.

    Priority mentors (``Mentor.priority``: freed by a declined or expired proposal) come
    before the others, each group by score; ties are broken by the mentors' order.
    ``spare_capacity`` maps mentor id -> free slots (default: the mentor's capacity). Pass
    the intake's mentees as ``mentees_pool`` so the rarity of interests, hence the scores,
    match those of :func:`solve` on that intake."""
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
    first = np.fromiter((t.priority for t in mentors), np.int8, m)
    order = ok[np.lexsort((ok, -total[ok], -first[ok]))][: max(0, int(k))]
    return [
        Pair(
            mentee.id,
            mentors[j].id,
            int(total[j]) / SCALE,
            {key: int(parts[key][j]) / SCALE for key in parts},
            False,
            evidence(mentee, mentors[j]),
        )
        for j in order
    ]



@dataclass
class Ranking:
    """The mentees one mentor may take, best first (see :func:`rank_mentees`).

    ``order``: indexes into the mentees given; ``scores``: their points, aligned with
    ``order``. Only the rows a caller shows need :meth:`pair` (breakdown and evidence)."""

    mentor: Mentor
    mentees: list[Mentee]
    order: np.ndarray
    scores: np.ndarray
    parts: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.order)

    def pair(self, rank: int) -> Pair:
        """The pair at ``rank`` with its breakdown per criterion and the evidence."""
        i = int(self.order[rank])
        mentee = self.mentees[i]
        return Pair(mentee.id, self.mentor.id, float(self.scores[rank]),
                    {k: int(v[i]) / SCALE for k, v in self.parts.items()}, False,
                    evidence(mentee, self.mentor))


def rank_mentees(
    mentor: Mentor,
    mentees: Sequence[Mentee],
    *,
    weights: Mapping[str, float] | None = None,
    forbidden: Iterable[tuple[str, str]] = (),
) -> Ranking:
    """Every mentee the hard rules allow for ``mentor``, best fit first: the mirror of
    :func:`suggest`, for a buddy choosing among waiting students.

    One vectorised scoring pass over the (mentees x 1) pairs, never a loop over pairs.
    Mentees left over by an earlier run come first (the engine's priority tier), then the
    highest score; ties keep the mentees' order."""
    mentees = list(mentees)
    blocked = {str(a) for a, b in forbidden if str(b) == mentor.id}
    empty = Ranking(mentor, mentees, np.zeros(0, np.int64), np.zeros(0), {})
    if not mentees:
        return empty
    validate(mentees, [mentor], (), ())
    model = ScoreModel(encode(mentees, [mentor]), resolve_weights(weights))
    n = len(mentees)
    total, parts, feas = model.pairs(np.arange(n, dtype=np.int64), np.zeros(n, np.int64))
    if blocked:
        feas &= np.fromiter((m.id not in blocked for m in mentees), bool, n)
    ok = np.nonzero(feas)[0]
    priority = np.fromiter((m.priority for m in mentees), bool, n)[ok]
    order = ok[np.lexsort((ok, -total[ok], ~priority))]
    return Ranking(mentor, mentees, order, total[order] / SCALE, parts)
