"""The coordinator's side of a run's configuration: criterion weights, options and labels.

A programme stores the weights and options its next run starts from
(``BuddyProgrammePage.matching_weights`` and ``spread_load``); :func:`programme_config`
fills in the engine's defaults for criteria never saved, :func:`clean_config` keeps only
known criteria with weights clamped to ``[0, MAX_WEIGHT]``, and the engine's English
criterion labels get translated ones here.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from ..matching import CRITERIA, DEFAULT_WEIGHTS
from ..models import BuddyProgrammePage
from .audit import audit

#: Criterion key -> translated label (the engine's labels are English only).
CRITERION_LABELS = {
    "languages": _("Shared languages"),
    "interests": _("Shared interests"),
    "university": _("Same university"),
    "faculty": _("Same faculty or field of study"),
    "age": _("Similar age"),
    "exchange_country": _("Buddy's exchange was in the student's country"),
    "arrival": _("Buddy available before arrival"),
    "same_gender": _("Same gender"),
}
MAX_WEIGHT = 10.0


def criterion_label(key: str) -> str:
    """Translated label of a criterion, the engine's English label for criteria we don't know."""
    if key in CRITERION_LABELS:
        return str(CRITERION_LABELS[key])
    criterion = CRITERIA.get(key)
    return criterion.label if criterion else key


def programme_config(programme: BuddyProgrammePage) -> dict:
    """The weights and options a new run of ``programme`` starts from (defaults filled in)."""
    saved = programme.matching_weights or {}
    weights = {k: float(saved.get(k, default)) for k, default in DEFAULT_WEIGHTS.items()}
    return {"weights": weights, "spread_load": bool(programme.spread_load)}


def clean_config(config: Mapping | None) -> dict:
    """Known criteria only, weights as floats within ``[0, MAX_WEIGHT]``."""
    config = dict(config or {})
    weights = {}
    for key, default in DEFAULT_WEIGHTS.items():
        value = (config.get("weights") or {}).get(key, default)
        try:
            value = float(value)
        except (TypeError, ValueError):
            value = default
        weights[key] = min(max(value, 0.0), MAX_WEIGHT)
    return {"weights": weights, "spread_load": bool(config.get("spread_load", True))}


def save_programme_config(programme: BuddyProgrammePage, config: Mapping, user=None) -> None:
    """Store weights and options on the programme (without a new page revision)."""
    config = clean_config(config)
    BuddyProgrammePage.objects.filter(pk=programme.pk).update(
        matching_weights=config["weights"], spread_load=config["spread_load"]
    )
    programme.matching_weights, programme.spread_load = config["weights"], config["spread_load"]
    audit([programme], "wagtail_buddy.matching_settings", user, data=config)
