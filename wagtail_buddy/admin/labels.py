"""The constant words of the coordinator lists' cells, translated and escaped once.

A proposals page renders 300 cells and 100 profiles; each ``{% trans %}`` in them made a
lazy string and looked it up in the catalogue again (500 lookups a page). The cell
templates, ``_profile.html`` and ``_score.html`` read ``{{ labels.<key> }}`` instead: the
same text, escaped as ``{% trans %}`` escapes it, made once per language and process. Every
buddy admin view has ``labels`` in its context and in its table's ``cell_context``.

Only these fixed interface words are cached here, never data.
"""

from __future__ import annotations

from functools import lru_cache

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

WORDS = {
    "international_student": _("International student"),
    "local_buddy": _("Local buddy"),
    "score": _("Score"),
    "score_breakdown": _("Score breakdown"),
    "status": _("Status"),
    "select": _("Select"),
    "locked": _("Locked"),
    "manual": _("Manual"),
    "confirm": _("Confirm"),
    "reject": _("Reject"),
    "lock": _("Lock"),
    "unlock": _("Unlock"),
    "swap": _("Swap buddy"),
    "details": _("Details"),
    "undo_choice": _("Undo the choice"),
    "arrives": _("Arrives"),
    "available": _("Available"),
    "left_over": _("Left over last time"),
    "left_over_title": _("Left without a buddy by a run or a declined or expired proposal: "
                         "matched first"),
}


def labels() -> dict[str, SafeString]:
    """``WORDS`` in the active language, each escaped (what ``{% trans %}`` outputs)."""
    return _labels(get_language())


@lru_cache(maxsize=64)
def _labels(language: str | None) -> dict[str, SafeString]:
    return {key: conditional_escape(str(word)) for key, word in WORDS.items()}
