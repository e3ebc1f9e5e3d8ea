"""wagtail-buddy's matching engine: exact, explainable mentor/mentee assignment.

Pure numpy + SciPy (no Django), so it runs in the admin's background task, in the
``buddy-match`` CLI and in tests alike. See ``docs/engine.md`` for the model and the method.
"""

from .criteria import CRITERIA, DEFAULT_WEIGHTS, SCALE, Block, Criterion, register_criterion
from .engine import score_matrix, solve, suggest
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
    "SCALE",
    "Unmatched",
    "parse_problem",
    "register_criterion",
    "score_matrix",
    "solve",
    "suggest",
]
