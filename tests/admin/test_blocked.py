"""A student no buddy fits: which rule blocks each near candidate, and pairing anyway."""

from __future__ import annotations

from django.urls import reverse

from wagtail_buddy.models import BuddyLogEntry, Match
from wagtail_buddy.services import reasons


def test_blocked_student_sees_the_rule_and_can_be_paired_anyway(
        client, coordinator, intake, participant_factory, django_assert_max_num_queries):
    dutch = participant_factory("international", languages=("nl",), first_name="Femke")
    german = participant_factory("local", languages=("de", "en"), capacity=1)
    late = participant_factory("local", languages=("nl",), capacity=1,
                               available_from=intake.starts_on.replace(day=20))
    near = reasons.near_candidates(dutch)
    by_mentor = {row["mentor"].pk: row["rules"] for row in near}
    assert by_mentor[german.pk] == ["No common language (the student speaks Dutch)"]
    assert by_mentor[late.pk] == [f"Not available on the arrival day ({dutch.arrival_date})"]
    # One rule each: the closer (higher-scoring) buddy first; both before any 2-rule buddy.
    assert [len(r["rules"]) for r in near] == [1, 1]

    logged_in = client
    client.force_login(coordinator)
    url = reverse("wagtail_buddy_admin:pair", args=[dutch.pk])
    page = logged_in.get(url).content.decode()
    assert "No buddy with a free place fits" in page and "No common language" in page
    with django_assert_max_num_queries(40):
        missing = logged_in.post(url, {"override": "1", "mentor": german.pk, "reason": ""})
    assert missing.status_code == 400
    assert "Please give a reason to override the rule." in missing.content.decode()
    assert not Match.objects.filter(mentee=dutch).exists()

    done = logged_in.post(url, {"override": "1", "mentor": german.pk,
                                "reason": "She speaks some German"})
    match = Match.objects.get(mentee=dutch)
    assert done.status_code == 302 and match.mentor_id == german.pk
    assert match.status == "confirmed"
    entry = BuddyLogEntry.objects.get(action="wagtail_buddy.match_manual", data__match=match.pk)
    assert entry.data["override_reason"].startswith("She speaks some German [No common")
