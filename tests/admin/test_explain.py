"""Scores on a stated scale and reasons in words, the same on every page."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from wagtail_buddy.matching import DEFAULT_WEIGHTS
from wagtail_buddy.models import Participant
from wagtail_buddy.services import reasons
from wagtail_buddy.services.pool import suggestions

weights_st = st.fixed_dictionaries(
    {k: st.floats(0, 10, allow_nan=False) for k in DEFAULT_WEIGHTS})


@given(weights_st, st.data())
def test_scale_is_a_percent_of_the_best_possible_score(weights, data):
    breakdown = {k: data.draw(st.floats(0, w, allow_nan=False)) for k, w in weights.items()}
    score = sum(breakdown.values())
    scaled = reasons.scale(score, weights)
    best = reasons.best_possible(weights)
    assert 0 <= scaled["percent"] <= 100
    if best:
        assert abs(scaled["percent"] - 100 * score / best) <= 0.5 + 1e-9
    low = dict(reasons.BANDS)[scaled["band"]]
    assert scaled["percent"] >= low
    rows = reasons.explain(breakdown, weights)
    assert abs(sum(r["points"] for r in rows) - score) < 1e-9
    assert all(0 <= r["width"] <= 100 for r in rows)


def test_reasons_name_the_evidence(participant_factory, interests, intake,
                                   django_assert_num_queries):
    hiking, cinema, cooking = interests[:3]
    mentee = participant_factory("international", languages=("en", "es"),
                                 interests=[hiking, cinema], birth_year=2003,
                                 arrival_date=date(2027, 2, 10), nationality="ES")
    mentor = participant_factory("local", languages=("en", "es", "fr"),
                                 interests=[cinema, cooking], birth_year=2000,
                                 available_from=date(2027, 2, 5), exchange_country="ES")
    pair = suggestions(mentee)[0]
    people = {p.pk: p for p in Participant.objects.filter(pk__in=[mentee.pk, mentor.pk])
              .prefetch_related("languages", "interests")}
    with django_assert_num_queries(0):
        rows = {r["key"]: r for r in reasons.explain(
            pair.breakdown, DEFAULT_WEIGHTS, mentee=people[mentee.pk], mentor=people[mentor.pk])}
    words = {k: r["words"] for k, r in rows.items()}
    assert words["languages"] == "Both speak English, Spanish"
    assert words["interests"] == "Both like Cinema"
    assert words["university"] == "Same university (Université Lyon 2)"
    assert words["age"] == "Born 3 years apart"
    assert words["exchange_country"] == "The buddy's exchange was in Spain"
    assert words["arrival"] == "Available 5 days before the arrival"
    assert rows["interests"]["max"] == DEFAULT_WEIGHTS["interests"]
    # Stored evidence (Match.evidence) wins over the profiles.
    stored = reasons.explain({"interests": 1.0}, DEFAULT_WEIGHTS,
                             evidence={"interests": [hiking.slug]},
                             mentee=people[mentee.pk], mentor=people[mentor.pk])
    assert stored[0]["words"] == "Both like Hiking"
