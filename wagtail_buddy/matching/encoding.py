"""Profiles -> numpy feature arrays.

Everything the built-in criteria and hard rules need is turned into flat arrays once, so that a
block of (mentees x mentors) pairs is scored with a few broadcast operations and two small
matrix products instead of Python loops over pairs.

Encoding choices (they make the comparisons branch-free):

* categorical fields (university, faculty, gender, country) share one code space per field; a
  missing value is ``-1`` on the mentee side and ``-2`` on the mentor side, so plain equality
  never matches two missing values;
* languages and interests are 0/1 float32 matrices (one column per distinct value); products of
  them count shared items exactly (integers far below 2**24);
* interests carry integer rarity weights (a quantised inverse document frequency), so the
  weighted overlap is an exact integer too and every pair scores bit-identically whether it is
  computed in a block or on its own;
* dates are proleptic ordinals; a missing window bound is an open bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .profiles import Mentee, Mentor

__all__ = ["Encoded", "encode"]

MISSING_A = -1  # mentee side
MISSING_B = -2  # mentor side
NO_DATE_LOW = -(10**7)
NO_DATE_HIGH = 10**7
NO_YEAR_A = -(10**4)
NO_YEAR_B = 10**4


@dataclass
class Side:
    """Encoded features of one side; arrays have one entry (row) per person."""

    ids: list[str]
    profiles: Sequence[Mentor] | Sequence[Mentee]
    lang: np.ndarray  # (n, L) float32 0/1
    interest: np.ndarray  # (n, T) float32 0/1
    interest_w: np.ndarray  # (n, T) float32 0/1 times the interest's integer rarity weight
    interest_mass: np.ndarray  # (n,) float64: sum of rarity weights of the person's interests
    university: np.ndarray  # int32 codes
    faculty: np.ndarray
    gender: np.ndarray
    gender_same: np.ndarray  # bool: this person requires the same gender
    country: np.ndarray  # mentee: nationality, mentor: exchange_country
    birth_year: np.ndarray  # int32, missing = far away sentinel
    date_lo: np.ndarray  # int32 ordinal: mentee arrival / mentor available_from
    date_hi: np.ndarray  # int32 ordinal: mentee arrival / mentor available_until
    has_date: np.ndarray  # bool: mentee has an arrival date (unused for mentors)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Encoded:
    mentees: Side
    mentors: Side
    languages: list[str]
    interests: list[str]
    interest_weight: np.ndarray  # (T,) integer rarity weight per interest


def _codes(values_a: list[str], values_b: list[str]) -> tuple[np.ndarray, np.ndarray]:
    vocab: dict[str, int] = {}
    for v in sorted(set(values_a) | set(values_b)):
        if v:
            vocab[v] = len(vocab)
    a = np.array([vocab.get(v, MISSING_A) if v else MISSING_A for v in values_a], np.int32)
    b = np.array([vocab.get(v, MISSING_B) if v else MISSING_B for v in values_b], np.int32)
    return a, b


def _onehot(sets: list[frozenset[str]], vocab: dict[str, int]) -> np.ndarray:
    out = np.zeros((len(sets), max(len(vocab), 1)), np.float32)
    rows = [i for i, s in enumerate(sets) for _ in s]
    cols = [vocab[v] for s in sets for v in s]
    if rows:
        out[np.array(rows), np.array(cols)] = 1.0
    return out


def rarity_weights(counts: np.ndarray, population: int) -> np.ndarray:
    """Integer inverse-document-frequency weights: an interest everybody has weighs 1, one
    that a single person in a thousand has weighs about 8 (scaled by 100 and rounded).

    Integers keep the weighted overlap exact (see the module docstring)."""
    counts = np.asarray(counts, np.float64)
    w = 1.0 + np.log((population + 1.0) / (counts + 1.0))
    return np.maximum(np.rint(100.0 * w), 1.0)


def encode(
    mentees: Sequence[Mentee],
    mentors: Sequence[Mentor],
    rarity_pool: Sequence[Mentee | Mentor] | None = None,
) -> Encoded:
    """Encode both sides. ``rarity_pool`` (default: everybody given) defines how rare an
    interest is; :func:`~wagtail_buddy.matching.suggest` passes the intake's mentees so its
    scores agree with :func:`~wagtail_buddy.matching.solve`."""
    langs = sorted({x for p in (*mentees, *mentors) for x in p.languages})
    inter = sorted({x for p in (*mentees, *mentors) for x in p.interests})
    lv = {x: i for i, x in enumerate(langs)}
    iv = {x: i for i, x in enumerate(inter)}

    pool = list(rarity_pool) if rarity_pool is not None else [*mentees, *mentors]
    counts = np.zeros(max(len(inter), 1))
    for p in pool:
        for x in p.interests:
            if x in iv:
                counts[iv[x]] += 1
    iw = rarity_weights(counts, len(pool) or 1)

    def fold(people, name):
        return [getattr(p, name).casefold() for p in people]

    uni = _codes(fold(mentees, "university"), fold(mentors, "university"))
    fac = _codes(fold(mentees, "faculty"), fold(mentors, "faculty"))
    gen = _codes([m.gender for m in mentees], [t.gender for t in mentors])
    cty = _codes([m.nationality for m in mentees], [t.exchange_country for t in mentors])

    def side(people, u, f, g, c, is_mentor: bool) -> Side:
        lang = _onehot([p.languages for p in people], lv)
        interest = _onehot([p.interests for p in people], iv)
        interest_w = interest * iw[None, : interest.shape[1]].astype(np.float32)
        missing_year = NO_YEAR_B if is_mentor else NO_YEAR_A
        by = np.array(
            [p.birth_year if p.birth_year is not None else missing_year for p in people],
            np.int32,
        )
        if is_mentor:
            lo = [p.available_from.toordinal() if p.available_from else NO_DATE_LOW for p in people]
            hi = [
                p.available_until.toordinal() if p.available_until else NO_DATE_HIGH
                for p in people
            ]
            has = [p.available_from is not None for p in people]
        else:
            lo = [p.arrival.toordinal() if p.arrival else NO_DATE_LOW for p in people]
            hi = lo
            has = [p.arrival is not None for p in people]
        return Side(
            ids=[p.id for p in people],
            profiles=people,
            lang=lang,
            interest=interest,
            interest_w=interest_w,
            interest_mass=interest_w.astype(np.float64).sum(axis=1),
            university=u,
            faculty=f,
            gender=g,
            gender_same=np.array([p.gender_preference == "same" for p in people], bool),
            country=c,
            birth_year=by,
            date_lo=np.array(lo, np.int32).reshape(-1),
            date_hi=np.array(hi, np.int32).reshape(-1),
            has_date=np.array(has, bool).reshape(-1),
        )

    return Encoded(
        mentees=side(mentees, uni[0], fac[0], gen[0], cty[0], False),
        mentors=side(mentors, uni[1], fac[1], gen[1], cty[1], True),
        languages=langs,
        interests=inter,
        interest_weight=iw,
    )

