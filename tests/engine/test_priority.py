"""Students left unmatched by a run come first in the next one: the priority tier ranks
below the number of matched students and above the total score."""

from __future__ import annotations

from wagtail_buddy.matching import Mentee, Mentor, solve


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
