"""Result records returned by :func:`~wagtail_buddy.matching.solve` and friends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Pair", "Unmatched", "MatchingResult", "UNMATCHED_REASONS"]

#: ``no_feasible_mentor``: every mentor breaks a hard rule for this mentee (or is forbidden);
#: ``mentors_full``: some mentor would fit, but all of them are needed by (or locked to) other
#: mentees in the optimal assignment.
UNMATCHED_REASONS = ("no_feasible_mentor", "mentors_full")


@dataclass(frozen=True)
class Pair:
    """One mentee with one mentor: the score, its points per criterion (``breakdown``, which
    adds up to ``score``) and what each criterion found (``evidence``, see
    :mod:`~wagtail_buddy.matching.explain`)."""

    mentee: str
    mentor: str
    score: float
    breakdown: dict[str, float]
    locked: bool = False
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mentee": self.mentee,
            "mentor": self.mentor,
            "score": self.score,
            "breakdown": dict(self.breakdown),
            "evidence": dict(self.evidence),
            "locked": self.locked,
        }


@dataclass(frozen=True)
class Unmatched:
    mentee: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"mentee": self.mentee, "reason": self.reason}


@dataclass
class MatchingResult:
    """What :func:`~wagtail_buddy.matching.solve` returns, in the style of SciPy's results.

    ``objective`` is the total score of ``pairs`` in points (locked pairs included; the
    matched count comes first and is ``len(pairs)``); ``optimal`` is true when the dual
    certificate proved the assignment optimal over all pairs. ``diagnostics`` holds counts,
    the spread-load penalty, per-round certificate detail and timings: for people and
    benchmarks, not for program logic.
    """

    pairs: list[Pair]
    unmatched: list[Unmatched]
    optimal: bool
    objective: float
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def total_score(self) -> float:
        """Alias of ``objective`` (the name the service layer has always used)."""
        return self.objective

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able document the CLI writes."""
        return {
            "pairs": [p.to_dict() for p in self.pairs],
            "unmatched": [u.to_dict() for u in self.unmatched],
            "optimal": self.optimal,
            "objective": self.objective,
            "diagnostics": self.diagnostics,
        }
