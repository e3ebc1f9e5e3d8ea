"""Hard rules, soft criteria and the criterion registry.

A *criterion* maps a :class:`Block` of pairs to values in ``[0, 1]``; the coordinator's weight
scales it. Scores are fixed-point integers internally: each weighted contribution is rounded
to ``1 / SCALE`` points (``SCALE = 10_000``: four decimals), so

* the objective is exact integer arithmetic (no float ties decided by rounding noise),
* a pair's reported score is exactly the sum of its reported breakdown, and
* the same pair scores identically in a block, on its own, in ``solve`` and ``score_matrix``.

A block is either a rectangle (mentee rows x mentor columns, arrays broadcast as ``(R, 1)``
against ``(1, M)``) or a list of pairs (both sides ``(P,)``). Criteria are written once with
broadcasting and work in both shapes. Sites add their own with :func:`register_criterion`.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .encoding import Encoded, Side
from .profiles import InputError

__all__ = [
    "SCALE",
    "Block",
    "Criterion",
    "CRITERIA",
    "DEFAULT_WEIGHTS",
    "register_criterion",
    "resolve_weights",
    "score_block",
]

SCALE = 10_000
MAX_ABS_WEIGHT = 1000.0


class _View:
    """Lazy, cached, reshaped access to one side's encoded arrays for a block."""

    def __init__(self, side: Side, idx: np.ndarray | slice, shape: tuple[int, int] | None):
        self._side, self._idx, self._shape, self._cache = side, idx, shape, {}

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        cache = self.__dict__["_cache"]
        if name not in cache:
            arr = getattr(self._side, name)[self._idx]
            if self._shape is not None and arr.ndim == 1:
                arr = arr.reshape(self._shape)
            cache[name] = arr
        return cache[name]


class Block:
    """The pairs a criterion scores: ``a`` = mentee features, ``b`` = mentor features.

    ``block.a.university == block.b.university`` broadcasts to the block's shape in both
    modes. ``block.mentees`` / ``block.mentors`` are the profile records in row / column (or
    pair) order, for criteria that need raw fields: see :meth:`mentee_values`.
    """

    def __init__(self, enc: Encoded, rows: np.ndarray, cols: np.ndarray, paired: bool = False):
        self.enc, self.rows, self.cols, self.paired = enc, rows, cols, paired
        if paired:
            self.shape = (len(rows),)
            self.a = _View(enc.mentees, rows, None)
            self.b = _View(enc.mentors, cols, None)
        else:
            self.shape = (len(rows), len(cols))
            self.a = _View(enc.mentees, rows, (-1, 1))
            self.b = _View(enc.mentors, cols, (1, -1))
        self._shared: dict[tuple[str, str], np.ndarray] = {}

    def shared(self, a_name: str, b_name: str) -> np.ndarray:
        """Row-by-row inner products of two feature matrices (exact small integers)."""
        key = (a_name, b_name)
        if key not in self._shared:
            A = getattr(self.enc.mentees, a_name)[self.rows]
            B = getattr(self.enc.mentors, b_name)[self.cols]
            if self.paired:
                out = np.einsum("ij,ij->i", A, B, dtype=np.float64)
            else:
                out = (A @ B.T).astype(np.float64)
            self._shared[key] = out
        return self._shared[key]

    @property
    def mentees(self) -> list:
        return [self.enc.mentees.profiles[i] for i in self.rows]

    @property
    def mentors(self) -> list:
        return [self.enc.mentors.profiles[j] for j in self.cols]

    def mentee_values(self, fn: Callable[[Any], Any], dtype: Any = object) -> np.ndarray:
        """``fn(mentee)`` per row, shaped to broadcast against :meth:`mentor_values`."""
        arr = np.array([fn(p) for p in self.mentees], dtype=dtype)
        return arr if self.paired else arr.reshape(-1, 1)

    def mentor_values(self, fn: Callable[[Any], Any], dtype: Any = object) -> np.ndarray:
        arr = np.array([fn(p) for p in self.mentors], dtype=dtype)
        return arr if self.paired else arr.reshape(1, -1)


@dataclass(frozen=True)
class Levels:
    """A criterion value given as an index into a small table of levels.

    Built-in criteria return this so the weighted, rounded contribution is a table lookup
    instead of float arithmetic over the whole block (same result, fewer passes)."""

    index: np.ndarray  # bool or small non-negative ints
    levels: tuple[float, ...]


@dataclass(frozen=True)
class Criterion:
    """A registered soft criterion.

    ``fn(block)`` gives values in [0, 1] for any block. Built-in criteria also give a
    ``bilinear(enc, units)`` form: integer matrices ``A`` (mentees x F) and ``B``
    (mentors x F) whose product is the weighted contribution in fixed-point units, so that
    all built-ins are scored together by one matrix product (see :class:`ScoreModel`).
    """

    key: str
    fn: Callable[[Block], Any]
    default_weight: float
    label: str
    description: str = ""
    bilinear: Callable[[Encoded, int], tuple[np.ndarray, np.ndarray]] | None = None

    def contribution(self, block: Block, weight: float) -> np.ndarray:
        """Weighted contribution in fixed-point units (int32), broadcast to the block."""
        units = weight * SCALE
        v = self.fn(block)
        if isinstance(v, Levels):
            table = np.rint(units * np.asarray(v.levels, np.float64)).astype(np.int32)
            if v.index.dtype == bool:
                if table[0] == 0:
                    out = v.index * table[1]
                else:
                    out = np.where(v.index, table[1], table[0])
            else:
                out = table[v.index]
        else:
            v = np.asarray(v, np.float64)
            if not np.all(np.isfinite(v)):
                raise ValueError(f"criterion {self.key!r} returned non-finite values")
            out = np.rint(units * np.clip(v, 0.0, 1.0)).astype(np.int32)
        return np.broadcast_to(out, block.shape).astype(np.int32, copy=False)


# --------------------------------------------------------------------------- built-ins


def _eq(a: np.ndarray, b: np.ndarray) -> Levels:
    return Levels(a == b, (0.0, 1.0))


def crit_languages(block: Block) -> Levels:
    """Shared languages: one is required (hard rule); each extra one helps, up to three."""
    n = np.minimum(block.shared("lang", "lang"), 3.0).astype(np.int8)
    return Levels(n, (0.0, 1 / 3, 2 / 3, 1.0))


def crit_interests(block: Block) -> np.ndarray:
    """Rarity-weighted Jaccard overlap of interests: a shared rare interest ("chess boxing")
    says more than a shared ubiquitous one ("travel")."""
    shared = block.shared("interest_w", "interest")
    union = block.a.interest_mass + block.b.interest_mass - shared
    with np.errstate(invalid="ignore", divide="ignore"):
        v = shared / union
    return np.where(union > 0, v, 0.0)


def crit_university(block: Block) -> Levels:
    return _eq(block.a.university, block.b.university)


def crit_faculty(block: Block) -> Levels:
    return _eq(block.a.faculty, block.b.faculty)


AGE_SPAN = 5  # years apart at which age closeness reaches 0


def crit_age(block: Block) -> Levels:
    """Age closeness: 1 for the same birth year, falling linearly to 0 at five years apart."""
    d = np.abs(block.a.birth_year - block.b.birth_year)
    idx = np.minimum(d, AGE_SPAN).astype(np.int8)
    return Levels(idx, tuple(1.0 - k / AGE_SPAN for k in range(AGE_SPAN + 1)))


def crit_exchange_country(block: Block) -> Levels:
    """The mentor spent an exchange in the mentee's home country."""
    return _eq(block.a.country, block.b.country)


READY_DAYS = 3  # days before arrival from which a buddy counts as fully ready


def crit_arrival(block: Block) -> Levels:
    """The buddy is around some days before the mentee arrives (pick-up, keys, SIM card).

    1 when available at least three days before arrival (or no start date given), linear
    down to 0 when available only from the arrival day; 0 when the arrival is unknown."""
    days = block.a.date_lo - block.b.date_lo
    idx = np.clip(days, 0, READY_DAYS).astype(np.int8)
    idx = np.where(block.a.has_date, idx, 0).astype(np.int8)
    return Levels(idx, tuple(k / READY_DAYS for k in range(READY_DAYS + 1)))


def crit_same_gender(block: Block) -> Levels:
    """Same gender (a soft preference many sections give a small weight)."""
    return _eq(block.a.gender, block.b.gender)


CRITERIA: OrderedDict[str, Criterion] = OrderedDict()
DEFAULT_WEIGHTS: dict[str, float] = {}


def register_criterion(
    name: str,
    fn: Callable[[Block], Any],
    default_weight: float = 1.0,
    label: str | None = None,
    description: str = "",
    replace: bool = False,
) -> Criterion:
    """Register a soft criterion ``fn(block) -> values in [0, 1]`` (array broadcastable to
    ``block.shape``; values are clipped). Returns the :class:`Criterion`.

    Example::

        def same_city(block):
            a = block.mentee_values(lambda m: m.faculty.split("/")[0])
            b = block.mentor_values(lambda t: t.faculty.split("/")[0])
            return a == b
        register_criterion("same_school", same_city, 0.5, "Same school")
    """
    if not name or not isinstance(name, str):
        raise ValueError("criterion name must be a non-empty string")
    if name in CRITERIA and not replace:
        raise ValueError(f"criterion {name!r} is already registered (pass replace=True)")
    if not math.isfinite(default_weight):
        raise ValueError("default_weight must be finite")
    c = Criterion(name, fn, float(default_weight), label or name.replace("_", " ").capitalize(),
                  description or (fn.__doc__ or "").strip())
    CRITERIA[name] = c
    DEFAULT_WEIGHTS[name] = c.default_weight
    return c


def unregister_criterion(name: str) -> None:
    """Remove a criterion (mostly for tests)."""
    CRITERIA.pop(name, None)
    DEFAULT_WEIGHTS.pop(name, None)


for _key, _fn, _w, _label in (
    ("languages", crit_languages, 1.0, "Shared languages"),
    ("interests", crit_interests, 2.0, "Shared interests"),
    ("university", crit_university, 1.0, "Same university"),
    ("faculty", crit_faculty, 1.5, "Same faculty or field of study"),
    ("age", crit_age, 1.0, "Similar age"),
    ("exchange_country", crit_exchange_country, 1.0, "Buddy's exchange was in mentee's country"),
    ("arrival", crit_arrival, 0.5, "Buddy available before arrival"),
    ("same_gender", crit_same_gender, 0.25, "Same gender"),
):
    register_criterion(_key, _fn, _w, _label)


def resolve_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """Registered criteria in order with the coordinator's weights over the defaults."""
    out = dict(DEFAULT_WEIGHTS)
    for k, v in (weights or {}).items():
        if k not in CRITERIA:
            raise InputError(f"weights: unknown criterion {k!r} (known: {', '.join(CRITERIA)})")
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InputError(f"weights: field {k!r} must be a finite number, got {v!r}")
        if abs(v) > MAX_ABS_WEIGHT:
            raise InputError(f"weights: field {k!r} must be within +-{MAX_ABS_WEIGHT:g}")
        out[k] = float(v)
    return out


# --------------------------------------------------------------------------- hard rules


def feasible_block(block: Block) -> np.ndarray:
    """Hard rules (forbidden pairs are applied by the caller, locks override everything).

    * at least one common language;
    * gender preference "same" on either side requires equal, non-empty gender;
    * a mentor's availability window (inclusive) contains the mentee's arrival date when
      both are given.
    """
    ok = block.shared("lang", "lang") > 0
    a, b = block.a, block.b
    same = a.gender_same | b.gender_same
    if np.any(same):
        ok &= ~same | (a.gender == b.gender)  # missing codes differ by side: never equal
    arrival = a.date_lo
    ok &= ~a.has_date | ((arrival >= b.date_lo) & (arrival <= b.date_hi))
    return np.broadcast_to(ok, block.shape)


def score_block(
    block: Block, weights: Mapping[str, float], breakdown: bool = False
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray] | None]:
    """Integer total score (fixed-point, int32), feasibility mask and optional parts."""
    total = np.zeros(block.shape, np.int32)
    parts: dict[str, np.ndarray] | None = {} if breakdown else None
    for key, crit in CRITERIA.items():
        w = weights.get(key, 0.0)
        if w == 0.0:
            if parts is not None:
                parts[key] = np.zeros(block.shape, np.int32)
            continue
        c = crit.contribution(block, w)
        total += c
        if parts is not None:
            parts[key] = c
    return total, feasible_block(block), parts


def score_bounds(weights: Mapping[str, float]) -> tuple[int, int]:
    """Lower and upper bound of any pair's integer score."""
    lo = sum(min(0, int(round(w * SCALE))) for w in weights.values())
    hi = sum(max(0, int(round(w * SCALE))) for w in weights.values())
    return lo - len(weights), hi + len(weights)
