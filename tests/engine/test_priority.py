"""Students left unmatched by a run come first in the next one: the priority tier ranks
below the number of matched students and above the total score."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wagtail_buddy.matching import SCALE, Mentee, Mentor, score_matrix, solve

from .strategies import instances


def test_a_left_over_student_wins_the_one_buddy_over_a_better_fit():
    buddy = Mentor(id="b", capacity=1, languages=frozenset({"fr"}),
                   interests=frozenset({"chess", "cinema"}), university="Lyon")
    fit = Mentee(id="fit", languages=frozenset({"fr"}), interests=frozenset({"chess", "cinema"}),
                 university="Lyon")
    newcomer = Mentee(id="left", languages=frozenset({"fr"}))
    assert [p.mentee for p in solve([fit, newcomer], [buddy]).pairs] == ["fit"]  # by score
    left_over = Mentee(id="left", languages=frozenset({"fr"}), priority=True)
    result = solve([fit, left_over], [buddy])
    assert [p.mentee for p in result.pairs] == ["left"]
    assert [u.mentee for u in result.unmatched] == ["fit"]
    assert result.objective == result.pairs[0].score  # the tier is not in the scores


def test_priority_never_costs_a_match():
    fr_buddy = Mentor(id="fr", capacity=1, languages=frozenset({"fr"}))
    de_buddy = Mentor(id="de", capacity=1, languages=frozenset({"de"}))
    only_fr = Mentee(id="only_fr", languages=frozenset({"fr"}))
    both = Mentee(id="both", languages=frozenset({"fr", "de"}), priority=True)
    result = solve([only_fr, both], [fr_buddy, de_buddy])
    assert sorted((p.mentee, p.mentor) for p in result.pairs) == [("both", "de"),
                                                                 ("only_fr", "fr")]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances(max_mentees=5, max_mentors=3), flags=st.lists(st.booleans(), min_size=5,
                                                                     max_size=5))
def test_priority_is_the_tier_between_matches_and_score(inst, flags):
    """For every small instance: the most matches, then the most priority mentees matched,
    then the highest score (brute force over every assignment)."""
    mentees, mentors, weights, locked, forbidden, _spread = inst
    mentees = [replace(m, priority=flag) for m, flag in zip(mentees, flags, strict=False)]
    res = solve(mentees, mentors, weights=weights, locked=locked, forbidden=forbidden)
    scores, feas = score_matrix(mentees, mentors, weights=weights, forbidden=forbidden,
                                locked=locked)
    units = np.rint(scores * SCALE).astype(np.int64)
    lock = {a: b for a, b in locked}
    ids = [t.id for t in mentors]
    choices = [[lock[m.id]] if m.id in lock else
               [None, *(t.id for j, t in enumerate(mentors) if feas[i, j])]
               for i, m in enumerate(mentees)]
    best = None
    for combo in itertools.product(*choices):
        if any(combo.count(t.id) > t.capacity for t in mentors):
            continue
        chosen = [(i, c) for i, c in enumerate(combo) if c is not None]
        key = (len(chosen), sum(mentees[i].priority for i, _ in chosen),
               int(sum(units[i, ids.index(c)] for i, c in chosen)))
        best = key if best is None or key > best else best
    by_id = {m.id: m for m in mentees}
    got = (len(res.pairs), sum(by_id[p.mentee].priority for p in res.pairs),
           int(round(res.objective * SCALE)))
    assert got == best


def test_suggestions_offer_a_freed_buddy_before_better_fits():
    """A buddy whose student declined (``Mentor.priority``) heads the suggestions; the rest
    stay by score, and an infeasible priority buddy is still left out."""
    from wagtail_buddy.matching import suggest

    student = Mentee(id="s", languages=frozenset({"fr"}), interests=frozenset({"chess"}))
    best = Mentor(id="best", languages=frozenset({"fr"}), interests=frozenset({"chess"}))
    good = Mentor(id="good", languages=frozenset({"fr"}))
    freed = Mentor(id="freed", languages=frozenset({"fr"}), priority=True)
    blocked = Mentor(id="blocked", languages=frozenset({"de"}), priority=True)
    assert [p.mentor for p in suggest(student, [best, good, replace(freed, priority=False)])] \
        == ["best", "good", "freed"]
    assert [p.mentor for p in suggest(student, [best, good, freed, blocked])] == [
        "freed", "best", "good"]
    assert [p.mentor for p in suggest(student, [best, good, freed], k=1)] == ["freed"]
