"""``rank_mentees``: the list a buddy chooses from is exactly the mentees the hard rules
allow for them, ordered by the engine's own scores (left-over students first)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wagtail_buddy.matching import Mentee, Mentor, rank_mentees, score_matrix

from .strategies import instances


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_mentees=10, max_mentors=3), st.data())
def test_the_ranking_is_the_feasible_column_of_the_score_matrix(instance, data):
    mentees, mentors = instance[0], instance[1]
    mentor = mentors[0]
    blocked = data.draw(st.sets(st.sampled_from([m.id for m in mentees]))) if mentees else set()
    forbidden = [(b, mentor.id) for b in blocked]
    scores, feasible = score_matrix(mentees, [mentor], forbidden=forbidden)
    ranking = rank_mentees(mentor, mentees, forbidden=forbidden)
    listed = [mentees[i].id for i in ranking.order]
    assert set(listed) == {m.id for m, ok in zip(mentees, feasible[:, 0], strict=True) if ok}
    assert not set(listed) & blocked
    keys = [(not mentees[i].priority, -scores[i, 0]) for i in ranking.order]
    assert keys == sorted(keys)  # left-over first, then best score
    assert np.allclose(ranking.scores, [scores[i, 0] for i in ranking.order])
    for rank in range(len(ranking)):
        pair = ranking.pair(rank)
        assert abs(sum(pair.breakdown.values()) - pair.score) < 1e-6
        assert pair.evidence["languages"] == sorted(
            mentees[ranking.order[rank]].languages & mentor.languages)


def test_no_mentee_gives_an_empty_ranking():
    assert len(rank_mentees(Mentor(id="b", capacity=1), [])) == 0


def test_a_shared_interest_ranks_first():
    buddy = Mentor(id="b", capacity=1, languages=frozenset({"fr"}),
                   interests=frozenset({"chess"}))
    plain = Mentee(id="plain", languages=frozenset({"fr"}))
    chess = Mentee(id="chess", languages=frozenset({"fr"}), interests=frozenset({"chess"}))
    german = Mentee(id="de", languages=frozenset({"de"}), interests=frozenset({"chess"}))
    ranking = rank_mentees(buddy, [plain, chess, german])
    assert [ranking.mentees[i].id for i in ranking.order] == ["chess", "plain"]
