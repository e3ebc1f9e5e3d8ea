"""Explanation: each chosen pair's points per criterion and what each criterion found.

The points (``breakdown``) come from the same bilinear factors as the solver's scores, so
they add up to the pair's score exactly. The ``evidence`` says why, in facts a coordinator
can read ("both speak French and Italian"), computed from the two profiles:

``languages``  shared language codes, sorted
``interests``  shared interest ids (as given to the engine), sorted
``university``, ``faculty``, ``same_gender``, ``exchange_country``  true / false, or null
               when either side left the field empty (missing values never match)
``age``        the birth-year gap in whole years, or null when either is unknown
``arrival``    days the buddy is available before the mentee's arrival (negative: after),
               or null when the arrival or the buddy's start date is unknown
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .criteria import SCALE
from .profiles import Mentee, Mentor
from .result import Pair, Unmatched
from .scoring import ScoreModel

__all__ = ["evidence", "explain_pairs", "unmatched_reasons"]


def _same(a: str, b: str) -> bool | None:
    return (a == b) if a and b else None


def evidence(mentee: Mentee, mentor: Mentor) -> dict[str, Any]:
    """What each built-in criterion found for this pair (see the module docstring)."""
    age = (abs(mentee.birth_year - mentor.birth_year)
           if mentee.birth_year is not None and mentor.birth_year is not None else None)
    arrival = ((mentee.arrival - mentor.available_from).days
               if mentee.arrival and mentor.available_from else None)
    return {
        "languages": sorted(mentee.languages & mentor.languages),
        "interests": sorted(mentee.interests & mentor.interests),
        "university": _same(mentee.university.casefold(), mentor.university.casefold()),
        "faculty": _same(mentee.faculty.casefold(), mentor.faculty.casefold()),
        "age": age,
        "exchange_country": _same(mentee.nationality, mentor.exchange_country),
        "arrival": arrival,
        "same_gender": _same(mentee.gender, mentor.gender),
    }


def explain_pairs(
    model: ScoreModel, rows: np.ndarray, cols: np.ndarray, locked: np.ndarray
) -> tuple[list[Pair], int]:
    """Pairs for aligned (encoded row, column, locked) arrays and their total in units."""
    if not len(rows):
        return [], 0
    total, parts, _ = model.pairs(rows, cols)
    keys = list(parts)
    points = (np.stack([parts[k] for k in keys], axis=1) / SCALE).tolist()
    scores = (total / SCALE).tolist()
    mentees, mentors = model.enc.mentees.profiles, model.enc.mentors.profiles
    out = [
        Pair(mentees[i].id, mentors[j].id, score, dict(zip(keys, pts, strict=True)),
             bool(lk), evidence(mentees[i], mentors[j]))
        for i, j, score, pts, lk in zip(rows.tolist(), cols.tolist(), scores, points,
                                       locked.tolist(), strict=True)
    ]
    return out, int(total.sum())


def unmatched_reasons(model: ScoreModel, rows: np.ndarray,
                      feasible_count: np.ndarray) -> list[Unmatched]:
    """``no_feasible_mentor`` when every mentor breaks a rule (or is forbidden), else
    ``mentors_full``."""
    ids = model.enc.mentees.ids
    return [Unmatched(ids[r], "no_feasible_mentor" if feasible_count[r] == 0 else "mentors_full")
            for r in rows.tolist()]
