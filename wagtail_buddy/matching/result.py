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
    mentee: str
    mentor: str
    score: float
    breakdown: dict[str, float]
    locked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "mentee": self.mentee,
            "mentor": self.mentor,
            "score": self.score,
            "breakdown": dict(self.breakdown),
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
    pairs: list[Pair]
    unmatched: list[Unmatched]
    total_score: float
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able document the CLI writes."""
        return {
            "pairs": [p.to_dict() for p in self.pairs],
            "unmatched": [u.to_dict() for u in self.unmatched],
            "total_score": self.total_score,
            "stats": self.stats,
        }
