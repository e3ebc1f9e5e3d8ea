"""Mode "coordinator proposes, both accept": the student a decline or an expiry frees comes
first (next run, proposals list, suggestions); coordinators' decisions on a stale list; a
pair made by hand is asked too."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import make_participant
from wagtail_buddy.models import BuddyLogEntry, Match, MatchingRun, OutboundEmail, Participant
from wagtail_buddy.services import answers, decisions, runs
from wagtail_buddy.services.pool import suggestions

pytestmark = pytest.mark.usefixtures("buddy_cache")


@pytest.fixture
def both_accept(programme):
    programme.pairing_mode = "both_accept"
    programme.save(update_fields=["pairing_mode"])
    return programme


def asked(intake, coordinator, *pairs) -> list[Match]:
    """Proposals of ``pairs`` (mentee, mentor), confirmed: both students asked."""
    created = [Match.objects.create(intake=intake, mentee=a, mentor=b) for a, b in pairs]
    matches = list(Match.objects.filter(pk__in=[m.pk for m in created]).order_by("pk")
                   .select_related("mentee", "mentor", "intake__programme"))
    assert decisions.confirm(matches, coordinator) == len(matches)
    return matches


def listed(client, intake, query="") -> list[int]:
    html = client.get(reverse("wagtail_buddy_admin:proposals", args=[intake.pk]) + query)
    return [int(pk) for pk in re.findall(r'<tr data-match="(\d+)"', html.content.decode())]


def left_over(*people) -> list[bool]:
    rows = dict(Participant.objects.filter(pk__in=[p.pk for p in people])
                .values_list("pk", "left_over_at"))
    return [rows[p.pk] is not None for p in people]


def test_a_declined_student_is_paired_first_by_the_next_run_and_listed_first(
        both_accept, intake, coordinator, interests, client,
        django_capture_on_commit_callbacks):
    lucia = make_participant(intake, languages=("de", "en"))
    paul = make_participant(intake, "local", languages=("de",), capacity=1)
    newcomer = make_participant(intake, languages=("fr",), interests=interests[:3],
                                faculty="Physics")
    kim = make_participant(intake, "local", languages=("fr", "en"), capacity=1,
                           interests=interests[:3], faculty="Physics")
    [first] = asked(intake, coordinator, (lucia, paul))
    answers.answer(first.pk, lucia, True)
    answers.answer(first.pk, paul, False, "Exams")
    assert left_over(lucia, paul) == [True, False]
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(both_accept, intake, coordinator, {})
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED, run.error
    # Kim fits the newcomer far better; Lucia, left over, gets her (Paul declined Lucia).
    proposed = Match.objects.get(intake=intake, status="proposed")
    assert (proposed.mentee_id, proposed.mentor_id) == (lucia.pk, kim.pk)
    assert left_over(lucia, newcomer) == [True, True]  # a proposal keeps the priority
    client.force_login(coordinator)
    html = client.get(reverse("wagtail_buddy_admin:proposals", args=[intake.pk])).content.decode()
    assert html.count("data-left-over=") == 1 and f'data-left-over="{lucia.pk}"' in html
    # Asked and both accept: matched, the priority is spent.
    decisions.confirm([Match.objects.select_related("mentee", "mentor", "intake__programme")
                       .get(pk=proposed.pk)], coordinator)
    answers.answer(proposed.pk, lucia, True)
    assert left_over(lucia) == [True]
    answers.answer(proposed.pk, kim, True)
    assert left_over(lucia) == [False]


def test_proposals_list_shows_left_over_students_first_with_a_filter(
        intake, coordinator, participant_factory, client):
    pairs = []
    for score in (0.2, 0.5, 0.9):
        pairs.append(Match.objects.create(
            intake=intake, mentee=participant_factory("international"),
            mentor=participant_factory("local"), score=score))
    weak, middle, strong = pairs
    client.force_login(coordinator)
    assert listed(client, intake) == [weak.pk, middle.pk, strong.pk]  # weakest first
    Participant.objects.filter(pk=strong.mentee_id).update(left_over_at="2027-01-01T00:00Z")
    assert listed(client, intake) == [strong.pk, weak.pk, middle.pk]
    assert listed(client, intake, "?ordering=score") == [strong.pk, weak.pk, middle.pk]
    assert listed(client, intake, "?ordering=-score") == [strong.pk, middle.pk, weak.pk]
    assert listed(client, intake, "?left_over=true") == [strong.pk]
    assert listed(client, intake, "?left_over=false") == [weak.pk, middle.pk]
    assert listed(client, intake, "?left_over=maybe") == [strong.pk, weak.pk, middle.pk]


def test_a_buddy_freed_by_a_decline_heads_the_suggestions_until_matched(
        both_accept, intake, coordinator, interests):
    ana = make_participant(intake)
    freed = make_participant(intake, "local", capacity=1)
    waiting = make_participant(intake, interests=interests[:3])
    better = make_participant(intake, "local", capacity=1, interests=interests[:3])
    assert [s.mentor for s in suggestions(waiting)][:2] == [str(better.pk), str(freed.pk)]
    [match] = asked(intake, coordinator, (ana, freed))
    answers.answer(match.pk, freed, True)
    answers.answer(match.pk, ana, False)  # the student declines: her buddy is freed
    assert left_over(ana, freed) == [False, True]
    assert [s.mentor for s in suggestions(waiting)][:2] == [str(freed.pk), str(better.pk)]
    pair = decisions.pair_manually(waiting, freed, coordinator)
    answers.answer(pair.pk, waiting, True)
    answers.answer(pair.pk, freed, True)
    assert left_over(freed) == [False]


def test_a_buddy_still_matched_to_another_student_is_not_marked(both_accept, intake,
                                                                 coordinator):
    buddy = make_participant(intake, "local", capacity=2)
    [kept, declined] = asked(intake, coordinator, (make_participant(intake), buddy),
                             (make_participant(intake), buddy))
    answers.answer(kept.pk, kept.mentee, True)
    answers.answer(kept.pk, buddy, True)
    answers.answer(declined.pk, buddy, True)
    answers.answer(declined.pk, declined.mentee, False)
    buddy.refresh_from_db()
    assert buddy.status == "matched" and buddy.left_over_at is None


def test_a_pair_made_by_hand_asks_both_students(both_accept, intake, coordinator, client):
    mentee = make_participant(intake)
    mentor = make_participant(intake, "local", capacity=1)
    client.force_login(coordinator)
    response = client.post(reverse("wagtail_buddy_admin:pair", args=[mentee.pk]),
                           {"mentor": str(mentor.pk)}, follow=True)
    match = Match.objects.get(mentee=mentee)
    assert (match.status, match.answers, match.source) == ("proposed", "waiting", "manual")
    assert "are asked whether they accept each other" in response.content.decode()
    assert sorted(OutboundEmail.objects.filter(purpose="proposal")
                  .values_list("participant_id", flat=True)) == sorted([mentee.pk, mentor.pk])
    assert not OutboundEmail.objects.filter(purpose="introduction").exists()
    assert Participant.objects.get(pk=mentee.pk).status == "proposed"


def test_decisions_from_a_stale_list_change_nothing(both_accept, intake, coordinator):
    mentee = make_participant(intake)
    mentor = make_participant(intake, "local", capacity=1)
    [match] = asked(intake, coordinator, (mentee, mentor))
    stale = Match.objects.select_related("mentee", "mentor", "intake__programme").get(
        pk=match.pk)
    answers.answer(match.pk, mentee, True)
    answers.answer(match.pk, mentor, True)  # confirmed and introduced meanwhile
    assert stale.status == "proposed"
    assert decisions.reject([stale], coordinator) == 0
    assert decisions.set_locked([stale], coordinator, locked=False) == 0
    match.refresh_from_db()
    assert (match.status, match.locked) == ("confirmed", True)
    assert not BuddyLogEntry.objects.filter(
        action__in=["wagtail_buddy.match_reject", "wagtail_buddy.match_unlock"]).exists()
    # Cancelling from the stale page: the pair was introduced, so both are told ...
    also_stale = Match.objects.select_related("mentee", "mentor").get(pk=match.pk)
    decisions.cancel(stale, coordinator, "They never met", message="Sorry")
    assert OutboundEmail.objects.filter(purpose="cancelled").count() == 2
    logged = BuddyLogEntry.objects.filter(action="wagtail_buddy.match_cancel").count()
    # ... and a second cancel from another stale page is refused, nothing more sent.
    with pytest.raises(decisions.DecisionError):
        decisions.cancel(also_stale, coordinator, "Twice")
    assert OutboundEmail.objects.filter(purpose="cancelled").count() == 2
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.match_cancel").count() == logged
    assert Match.objects.get(pk=match.pk).end_reason == "They never met"


def test_the_decline_reason_is_in_the_decliners_data_only(both_accept, intake, coordinator):
    from wagtail_buddy.services.participant_data import export_data

    mentee = make_participant(intake)
    mentor = make_participant(intake, "local", capacity=1)
    [match] = asked(intake, coordinator, (mentee, mentor))
    answers.answer(match.pk, mentee, True)
    answers.answer(match.pk, mentor, False, "Private reason 42")
    match.refresh_from_db()
    assert export_data(mentor)["proposal_answers"] == [
        {"answer": "declined", "asked_until": match.answers_due_at.isoformat(),
         "reason": "Private reason 42"}]
    theirs = export_data(mentee)
    assert theirs["proposal_answers"] == [
        {"answer": "accepted", "asked_until": match.answers_due_at.isoformat()}]
    assert "Private reason 42" not in str(theirs)


def test_a_one_day_deadline_is_reminded_half_way(both_accept, intake, coordinator):
    from datetime import timedelta

    both_accept.answer_days = 1
    both_accept.save(update_fields=["answer_days"])
    [match] = asked(intake, coordinator, (make_participant(intake),
                                         make_participant(intake, "local", capacity=1)))
    match.refresh_from_db()
    due = match.answers_due_at
    assert answers.expire_and_remind(now=due - timedelta(hours=23)) == {"expired": 0,
                                                                       "reminded": 0}
    assert answers.expire_and_remind(now=due - timedelta(hours=11)) == {"expired": 0,
                                                                       "reminded": 1}
    assert OutboundEmail.objects.filter(purpose="proposal_reminder").count() == 2
