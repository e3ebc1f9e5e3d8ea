"""wagtail-buddy's matching engine: exact, explainable mentor/mentee assignment.

Pure numpy + SciPy (no Django), so it runs in the admin's background task, in the
``buddy-match`` CLI and in tests alike. See ``docs/engine.md`` for the model and the method.
"""

from .criteria import CRITERIA, DEFAULT_WEIGHTS, SCALE, Block, Criterion, register_criterion
from .engine import Ranking, rank_mentees, score_matrix, solve, suggest
from .explain import evidence
from .profiles import InputError, Mentee, Mentor, parse_problem
from .result import MatchingResult, Pair, Unmatched

__all__ = [
    "Block",
    "CRITERIA",
    "Criterion",
    "DEFAULT_WEIGHTS",
    "InputError",
    "MatchingResult",
    "Mentee",
    "Mentor",
    "Pair",
    "Ranking",
    "SCALE",
    "Unmatched",
    "evidence",
    "parse_problem",
    "rank_mentees",
    "register_criterion",
    "score_matrix",
    "solve",
    "suggest",
]
