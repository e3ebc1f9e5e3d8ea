"""Deterministic synthetic ESN intakes for benchmarks, demos and tests.

The distributions mimic real sign-ups: English nearly universal plus one or two skewed
languages, Zipf-like interests, ~15 universities and ~30 faculties, birth years 1996-2006,
arrivals in a six-week window, mentor availability windows, ~10% asking for the same gender,
~40% of mentors with a past exchange country. Many pairs therefore score exactly the same,
which is what makes real instances hard for naive solvers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from .profiles import Mentee, Mentor

LANGS = ["en", "de", "es", "fr", "it", "pt", "pl", "nl", "tr", "cs", "sv", "el", "ro", "hu",
         "fi", "da", "ru", "uk", "zh", "ar"]
COUNTRIES = ["ES", "IT", "FR", "DE", "PL", "PT", "NL", "TR", "CZ", "SE", "GR", "RO", "HU", "FI",
             "DK", "BE", "AT", "IE", "HR", "SI", "SK", "LT", "LV", "EE", "US", "CN", "BR", "IN"]
INTERESTS = [f"interest-{k:02d}" for k in range(40)]
START = dt.date(2026, 9, 1)


def _zipf(n: int, s: float = 1.1) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1) ** s
    return p / p.sum()


def generate(
    n_mentees: int, mentor_ratio: float = 0.6, seed: int = 0
) -> tuple[list[Mentee], list[Mentor]]:
    """A reproducible intake of ``n_mentees`` mentees and ``mentor_ratio`` x as many mentors
    with capacities 1-3."""
    rng = np.random.default_rng(seed)
    n_mentors = max(1, int(round(n_mentees * mentor_ratio)))
    lang_p = _zipf(len(LANGS) - 1, 1.0)
    int_p = _zipf(len(INTERESTS), 1.0)
    uni_p = _zipf(15, 0.8)
    fac_p = _zipf(30, 0.7)

    def person(k: int, local: bool) -> dict[str, Any]:
        langs = {"en"} if rng.random() < 0.93 else set()
        extra = rng.choice(np.arange(1, len(LANGS)), size=rng.integers(1, 3), p=lang_p)
        langs |= {LANGS[i] for i in extra}
        if local:
            langs.add("de")  # the local language
        n_int = int(rng.integers(2, 7))
        ints = rng.choice(len(INTERESTS), size=n_int, replace=False, p=int_p)
        gender = rng.choice(["female", "male", "nonbinary", ""], p=[0.55, 0.4, 0.02, 0.03])
        return dict(
            id=("t" if local else "m") + str(k),
            gender=str(gender),
            gender_preference="same" if rng.random() < 0.1 else "any",
            languages=frozenset(langs),
            interests=frozenset(INTERESTS[i] for i in ints),
            university=f"uni-{rng.choice(15, p=uni_p):02d}" if rng.random() < 0.97 else "",
            faculty=f"fac-{rng.choice(30, p=fac_p):02d}" if rng.random() < 0.95 else "",
            birth_year=int(rng.integers(1996, 2007)) if rng.random() < 0.98 else None,
        )

    mentees = []
    for k in range(n_mentees):
        p = person(k, False)
        arrival = START + dt.timedelta(days=int(rng.integers(0, 42)))
        mentees.append(
            Mentee(
                **p,
                nationality=str(rng.choice(COUNTRIES)),
                arrival=arrival if rng.random() < 0.9 else None,
            )
        )
    mentors = []
    for k in range(n_mentors):
        p = person(k, True)
        frm = until = None
        if rng.random() < 0.6:
            frm = START - dt.timedelta(days=int(rng.integers(-10, 30)))
            if rng.random() < 0.3:
                until = START + dt.timedelta(days=int(rng.integers(25, 60)))
        mentors.append(
            Mentor(
                **p,
                capacity=int(rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2])),
                available_from=frm,
                available_until=until,
                exchange_country=str(rng.choice(COUNTRIES)) if rng.random() < 0.4 else "",
            )
        )
    return mentees, mentors


def to_json(mentees: list[Mentee], mentors: list[Mentor]) -> dict[str, Any]:
    """The CLI's input document for these records."""

    def common(p) -> dict[str, Any]:
        return {
            "id": p.id,
            "gender": p.gender,
            "gender_preference": p.gender_preference,
            "languages": sorted(p.languages),
            "interests": sorted(p.interests),
            "university": p.university,
            "faculty": p.faculty,
            "birth_year": p.birth_year,
        }

    def d(x: dt.date | None) -> str | None:
        return x.isoformat() if x else None

    return {
        "mentors": [
            {
                **common(t),
                "capacity": t.capacity,
                "available_from": d(t.available_from),
                "available_until": d(t.available_until),
                "exchange_country": t.exchange_country,
            }
            for t in mentors
        ],
        "mentees": [
            {**common(m), "nationality": m.nationality, "arrival": d(m.arrival)} for m in mentees
        ],
    }
