"""Soft criteria and the criterion registry (hard rules and the score model: ``scoring``).

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
        if self.bilinear is not None:
            A, B = self.bilinear(block.enc, int(round(units)))
            A, B = np.asarray(A, np.float64)[block.rows], np.asarray(B, np.float64)[block.cols]
            v = np.einsum("ij,ij->i", A, B) if block.paired else A @ B.T
            return np.rint(v).astype(np.int32)
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
#
# Every built-in is bilinear: contribution(i, j) = sum_f A[i, f] * B[j, f] with small integer
# entries. Proportional criteria (languages, interests) split the weight over the mentee's
# items with the largest-remainder method, so a perfect match is worth exactly the weight and
# every part is an integer number of units.


def _split(units: int, shares: np.ndarray) -> np.ndarray:
    """Integer parts of ``units`` proportional to each row's ``shares`` (largest remainder;
    rows of zeros stay zero; ties go to the lower column, deterministically)."""
    sign = -1 if units < 0 else 1
    u = abs(units)
    tot = shares.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        exact = np.where(tot > 0, u * shares / tot, 0.0)
    base = np.floor(exact)
    left = np.rint(np.where(tot[:, 0] > 0, u - base.sum(axis=1), 0)).astype(np.int64)
    frac = np.where(shares > 0, exact - base, -1.0)
    order = np.argsort(-frac, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(shares.shape[1])[None, :], axis=1)
    base += (rank < left[:, None]) & (shares > 0)
    return sign * base


def onehot_codes(codes: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros((len(codes), max(size, 1)), np.float64)
    ok = codes >= 0
    out[np.nonzero(ok)[0], codes[ok]] = 1.0
    return out


def _bl_equal(field: str) -> Callable[[Encoded, int], tuple[np.ndarray, np.ndarray]]:
    def bilinear(enc: Encoded, units: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = getattr(enc.mentees, field), getattr(enc.mentors, field)
        size = int(max(a.max(initial=-1), b.max(initial=-1))) + 1
        return onehot_codes(a, size), units * onehot_codes(b, size)

    return bilinear


def _bl_languages(enc: Encoded, units: int) -> tuple[np.ndarray, np.ndarray]:
    return _split(units, enc.mentees.lang.astype(np.float64)), enc.mentors.lang.astype(np.float64)


def _bl_interests(enc: Encoded, units: int) -> tuple[np.ndarray, np.ndarray]:
    shares = enc.mentees.interest_w.astype(np.float64)
    return _split(units, shares), enc.mentors.interest.astype(np.float64)


AGE_SPAN = 5  # years apart at which age closeness reaches 0


def _bl_age(enc: Encoded, units: int) -> tuple[np.ndarray, np.ndarray]:
    ya, yb = enc.mentees.birth_year, enc.mentors.birth_year
    years = np.unique(ya[np.abs(ya) < 5000])
    A = (ya[:, None] == years[None, :]).astype(np.float64)
    d = np.abs(yb[:, None].astype(np.int64) - years[None, :])
    B = np.rint(units * np.clip(1.0 - d / AGE_SPAN, 0.0, 1.0))
    return A, B


READY_DAYS = 3  # days before arrival from which a buddy counts as fully ready


def _bl_arrival(enc: Encoded, units: int) -> tuple[np.ndarray, np.ndarray]:
    da, has = enc.mentees.date_lo, enc.mentees.has_date
    days = np.unique(da[has])
    A = ((da[:, None] == days[None, :]) & has[:, None]).astype(np.float64)
    gap = days[None, :].astype(np.int64) - enc.mentors.date_lo[:, None]
    B = np.rint(units * np.clip(gap / READY_DAYS, 0.0, 1.0))
    return A, B


def _values(key: str) -> Callable[[Block], np.ndarray]:
    """Values in [0, 1] of a bilinear built-in (its contribution at weight 1)."""

    def fn(block: Block) -> np.ndarray:
        return CRITERIA[key].contribution(block, 1.0) / SCALE

    fn.__name__ = f"crit_{key}"
    return fn


CRITERIA: OrderedDict[str, Criterion] = OrderedDict()
DEFAULT_WEIGHTS: dict[str, float] = {}


def register_criterion(
    name: str,
    fn: Callable[[Block], Any],
    default_weight: float = 1.0,
    label: str | None = None,
    description: str = "",
    replace: bool = False,
    bilinear: Callable[[Encoded, int], tuple[np.ndarray, np.ndarray]] | None = None,
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
                  description or (fn.__doc__ or "").strip(), bilinear)
    CRITERIA[name] = c
    DEFAULT_WEIGHTS[name] = c.default_weight
    return c


def unregister_criterion(name: str) -> None:
    """Remove a criterion (mostly for tests)."""
    CRITERIA.pop(name, None)
    DEFAULT_WEIGHTS.pop(name, None)


_BUILTINS = (
    ("languages", _bl_languages, 1.0, "Shared languages",
     "Share of the mentee's languages the buddy speaks (one common language is required)."),
    ("interests", _bl_interests, 2.0, "Shared interests",
     "Share of the mentee's interests the buddy shares, each weighted by its rarity in the "
     "intake: a shared rare interest says more than a shared ubiquitous one."),
    ("university", _bl_equal("university"), 1.0, "Same university", "Same university."),
    ("faculty", _bl_equal("faculty"), 1.5, "Same faculty or field of study",
     "Same faculty or field of study."),
    ("age", _bl_age, 1.0, "Similar age",
     "1 for the same birth year, falling linearly to 0 at five years apart."),
    ("exchange_country", _bl_equal("country"), 1.0, "Buddy's exchange was in mentee's country",
     "The buddy spent an exchange in the mentee's home country."),
    ("arrival", _bl_arrival, 0.5, "Buddy available before arrival",
     "1 when the buddy is available three or more days before the arrival (or gave no start"
     " date), linear down to 0 on the arrival day; 0 when the arrival is unknown."),
    ("same_gender", _bl_equal("gender"), 0.25, "Same gender",
     "Same gender (a soft preference, on top of the hard 'same' rule)."),
)
for _key, _bl, _w, _label, _desc in _BUILTINS:
    register_criterion(_key, _values(_key), _w, _label, _desc, bilinear=_bl)


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
