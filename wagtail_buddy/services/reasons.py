"""Scores on a stated scale and reasons in words, with the evidence behind each criterion.

A pair's score is the sum of its criteria's points; each criterion gives at most its weight,
so the best possible score under the current weights is the sum of the positive weights.
Scores are shown as a percent of that and a band (good / fair / weak), the same on the
proposals, swap, pairing and pair pages.

The evidence per criterion (shared language codes and interest slugs, same university and
faculty, age gap in years, exchange country, days of availability before the arrival, same
gender) is what the engine's criteria looked at. ``Match.evidence`` carries it for pairs
the engine proposed; without it, :func:`profile_evidence` computes the same dict from the
two people's prefetched languages and interests, with no query of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django_countries import countries

from ..matching import DEFAULT_WEIGHTS, score_matrix
from ..models import Interest, Language, Match, Participant
from ..models.vocabulary import interest_names
from ..vocabulary import language_name
from . import pool
from .matching_config import criterion_label, programme_config

#: Lower bound (percent of the best possible score) of each band, best first.
BANDS = (("good", 70), ("fair", 40), ("weak", 0))


def best_possible(weights: Mapping[str, float] | None) -> float:
    """The highest score any pair can reach under ``weights`` (defaults filled in)."""
    merged = {**DEFAULT_WEIGHTS, **(weights or {})}
    return sum(max(0.0, float(w)) for w in merged.values())


def band_label(key: str) -> str:
    return _band_label(key, get_language())


@lru_cache(maxsize=64)
def _band_label(key: str, language: str | None) -> str:
    """Once per band and language: a proposals page names 50 bands."""
    return {"good": _("good"), "fair": _("fair"), "weak": _("weak")}[key]


def scale(score: float, weights: Mapping[str, float] | None) -> dict[str, Any]:
    """``score`` on the one scale every screen shows: the best possible score (``best``),
    the score as a percent of it and its band."""
    top = best_possible(weights)
    percent = max(0, min(100, round(100 * float(score) / top))) if top else 0
    band = next(key for key, low in BANDS if percent >= low)
    return {"best": top, "percent": percent, "band": band, "band_label": band_label(band)}


def _codes(person) -> set[str]:
    """Language codes: those ``pool.profiles`` read, else the prefetched languages."""
    codes = getattr(person, "_lang_codes", None)
    if codes is not None:
        return set(codes)
    return {lang.code for lang in person.languages.all()}


def _interests(person) -> dict[str, str]:
    """Interest slug -> name: the engine identifies interests by slug (case-folded)."""
    return {i.slug.lower(): i.name for i in person.interests.all()}


def profile_evidence(mentee, mentor) -> dict[str, Any]:
    """The engine's evidence dict, computed from two participants' prefetched profiles."""
    def same(a: str, b: str) -> bool | None:
        return (a.strip().casefold() == b.strip().casefold()) if a and b else None

    age = (abs(mentee.birth_year - mentor.birth_year)
           if mentee.birth_year and mentor.birth_year else None)
    arrival = ((mentee.arrival_date - mentor.available_from).days
               if mentee.arrival_date and mentor.available_from else None)
    return {
        "languages": sorted(_codes(mentee) & _codes(mentor)),
        "interests": sorted(set(_interests(mentee)) & set(_interests(mentor))),
        "university": same(mentee.university or "", mentor.university or ""),
        "faculty": same(mentee.faculty or "", mentor.faculty or ""),
        "age": age,
        "exchange_country": (str(mentor.exchange_country) == str(mentee.nationality)
                             if mentor.exchange_country else None),
        "arrival": arrival,
        "same_gender": (mentee.gender == mentor.gender
                        if mentee.gender and mentor.gender else None),
    }


def shared_words(person, other) -> dict[str, list[str]]:
    """The languages and interests two people share, named in the active language (for
    "a buddy has chosen you"; two queries)."""
    mine = {i.pk for i in person.interests.all()}
    interests = [i for i in other.interests.all() if i.pk in mine]
    return {"languages": sorted(language_name(c) for c in _codes(person) & _codes(other)),
            "interests": sorted(interest_names(interests), key=str.casefold)}


def _words(key: str, value: Any, mentee, mentor, names: Mapping[str, str]) -> str:
    """One criterion's evidence as a short sentence."""
    if key == "languages":
        return (_("Both speak %(languages)s") % {
            "languages": ", ".join(language_name(c) for c in value)}
            if value else _("No shared language"))
    if key == "interests":
        return (_("Both like %(interests)s") % {
            "interests": ", ".join(names.get(str(i), "?") for i in value)}
            if value else _("No shared interests"))
    if key == "university":
        return {True: _("Same university (%(name)s)") % {"name": getattr(mentee, "university",
                                                                         "")},
                False: _("Different universities"), None: _("University not given")}[value]
    if key == "faculty":
        return {True: _("Same field (%(name)s)") % {"name": getattr(mentee, "faculty", "")},
                False: _("Different fields"), None: _("Field not given")}[value]
    if key == "age":
        if value is None:
            return _("Age not given")
        return _("Born the same year") if value == 0 else ngettext(
            "Born %(n)s year apart", "Born %(n)s years apart", value) % {"n": value}
    if key == "exchange_country":
        if not value:
            return _("The buddy's exchange was elsewhere") if value is False else \
                _("The buddy gave no exchange country")
        return _("The buddy's exchange was in %(country)s") % {
            "country": countries.name(str(getattr(mentee, "nationality", ""))) or "?"}
    if key == "arrival":
        if value is None:
            if getattr(mentee, "arrival_date", None) is None:
                return _("Arrival date not given")
            return _("The buddy gave no start date (counts as available)")
        if value <= 0:
            return _("The buddy is available only from the arrival day")
        return ngettext("Available %(n)s day before the arrival",
                        "Available %(n)s days before the arrival", value) % {"n": value}
    if key == "same_gender":
        return {True: _("Same gender"), False: _("Different genders"),
                None: _("Gender not given")}[value]
    return ""


#: What of the student a criterion's sentence names besides the evidence (``_words``).
_SENTENCE_CONTEXT = {
    "university": lambda mentee: getattr(mentee, "university", ""),
    "faculty": lambda mentee: getattr(mentee, "faculty", ""),
    "exchange_country": lambda mentee: str(getattr(mentee, "nationality", "")),
    "arrival": lambda mentee: getattr(mentee, "arrival_date", None) is None,
}


def _sentence(key: str, value: Any, mentee, mentor, names: Mapping[str, str],
              language: str | None) -> str:
    """``_words``, made once per evidence, student detail and language: a proposals page
    says 400 of these, most of them alike (interests, named from the two people, are
    always made anew)."""
    if key == "interests":
        return _words(key, value, mentee, mentor, names)
    frozen = tuple(value) if isinstance(value, list) else value
    context = _SENTENCE_CONTEXT[key](mentee) if key in _SENTENCE_CONTEXT else None
    try:
        return _sentence_of(key, frozen, context, language)
    except TypeError:  # evidence that cannot be a key (not the engine's)
        return _words(key, value, mentee, mentor, names)


@lru_cache(maxsize=4096)
def _sentence_of(key: str, value: Any, context: Any, language: str | None) -> str:
    student = SimpleNamespace(
        university=context if key == "university" else "",
        faculty=context if key == "faculty" else "",
        nationality=context if key == "exchange_country" else "",
        arrival_date=None if key == "arrival" and context else date.min)
    return _words(key, list(value) if isinstance(value, tuple) else value, student, None, {})


@lru_cache(maxsize=256)
def _label(key: str, language: str | None) -> str:
    return criterion_label(key)


def explain(breakdown: Mapping[str, float] | None, weights: Mapping[str, float] | None,
            evidence: Mapping[str, Any] | None = None, mentee=None, mentor=None,
            ) -> list[dict[str, Any]]:
    """Per criterion: label, points out of the weight, bar width and the evidence in words.

    Without ``evidence``, it is computed from ``mentee`` and ``mentor`` (their languages
    and interests prefetched); without either, the rows carry no words.
    """
    merged = {**DEFAULT_WEIGHTS, **(weights or {})}
    if evidence is None and mentee is not None and mentor is not None:
        evidence = profile_evidence(mentee, mentor)
    names: dict[str, str] = {}
    for person in (mentee, mentor):
        if person is not None:
            names.update(_interests(person))
    rows = []
    language = get_language()
    for key, points in (breakdown or {}).items():
        top = max(0.0, float(merged.get(key) or 0))
        words = (_sentence(key, evidence.get(key), mentee, mentor, names, language)
                 if evidence is not None and key in evidence else "")
        rows.append({
            "key": key, "label": _label(key, language), "points": float(points), "max": top,
            "width": max(0, min(100, round(100 * float(points) / top))) if top else 0,
            "words": words,
        })
    return rows


# --------------------------------------------------------------------------- blocked pairs


def blocking_rules(mentee, mentor, ended_before: bool = False) -> list[str]:
    """The hard rules that keep ``mentor`` from ``mentee``, in words (empty: the pair fits).

    The same rules as the engine's ``feasibility_factors``: a common language, a requested
    same gender, the buddy's availability on the arrival day; plus a coordinator's earlier
    rejection or cancellation of the pair.
    """
    rules = []
    if not _codes(mentee) & _codes(mentor):
        rules.append(_("No common language (the student speaks %(languages)s)") % {
            "languages": ", ".join(language_name(c) for c in sorted(_codes(mentee))) or "–"})
    wants_same = "same" in (mentee.gender_preference, mentor.gender_preference)
    if wants_same and not (mentee.gender and mentee.gender == mentor.gender):
        rules.append(_("A same-gender buddy was requested"))
    arrival = mentee.arrival_date
    if arrival and ((mentor.available_from and arrival < mentor.available_from)
                    or (mentor.available_until and arrival > mentor.available_until)):
        rules.append(_("Not available on the arrival day (%(day)s)") % {
            "day": arrival.isoformat()})
    if ended_before:
        rules.append(_("A coordinator rejected or cancelled this pair before"))
    return rules


def near_candidates(mentee, k: int = 5, free: list | None = None) -> list[dict[str, Any]]:
    """Buddies with a free place that a hard rule keeps from ``mentee``, closest first.

    Closest: the fewest broken rules, then the highest score. A constant number of queries
    (the buddies with a free place as engine profiles, the pairs ended before, the profiles
    of the ``k`` shown) and one engine scoring call; the rules themselves are checked in
    Python on the profiles' codes. ``free``: the intake's ``pool.free_mentors``, when the
    caller has read them already.
    """
    mentors = pool.free_mentors(mentee.intake) if free is None else free
    if not mentors:
        return []
    ended = set(Match.objects.filter(
        mentee=mentee, status__in=pool.ENDED_BY_COORDINATOR).values_list(
        "mentor_id", flat=True))
    me = pool.profiles(Participant.objects.filter(pk=mentee.pk))[0]
    weights = programme_config(mentee.intake.programme)["weights"]
    scores, _feasible = score_matrix([pool.to_mentee(me)],
                                     [pool.to_mentor(m) for m in mentors], weights=weights)
    rows = []
    for j, mentor in enumerate(mentors):
        rules = blocking_rules(me, mentor, ended_before=mentor.pk in ended)
        if rules:
            rows.append({"mentor": mentor, "rules": rules, "spare": mentor.free,
                         "scale": scale(float(scores[0, j]), weights),
                         "score": float(scores[0, j])})
    rows.sort(key=lambda r: (len(r["rules"]), -r["score"], r["mentor"].pk))
    rows = rows[:k]
    prefetch = [Prefetch("languages", queryset=Language.objects.only("code")),
                Prefetch("interests", queryset=Interest.objects.only("pk", "name", "slug"))]
    people = Participant.objects.prefetch_related(*prefetch).in_bulk(
        [r["mentor"].pk for r in rows])
    for row in rows:
        row["mentor"] = people[row["mentor"].pk]
    return rows
