"""Mode "coordinator proposes, both accept": ask, answer, introduce, decline, expire, remind."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from wagtail_buddy.models import BuddyLogEntry, Match, OutboundEmail, Participant
from wagtail_buddy.services import answers, decisions, tokens
from wagtail_buddy.services.email_rendering import render_email
from wagtail_buddy.services.maintenance import SCHEDULES
from wagtail_buddy.services.pool import load_pool, suggestions

pytestmark = pytest.mark.usefixtures("buddy_cache")


@pytest.fixture
def both_accept(programme):
    programme.pairing_mode = "both_accept"
    programme.answer_days = 4
    programme.save(update_fields=["pairing_mode", "answer_days"])
    return programme


@pytest.fixture
def proposal(participant_factory, intake, interests):
    mentee = participant_factory("international", interests=interests[:2], first_name="Ana",
                                 preferred_language="fr", phone="+33 6 11 11 11 11")
    mentor = participant_factory("local", interests=interests[1:3], capacity=1,
                                 first_name="Bruno", phone="+33 6 22 22 22 22")
    spare = participant_factory("local", capacity=1, first_name="Chloe")
    Participant.objects.filter(pk__in=[mentee.pk, mentor.pk]).update(status="proposed")
    match = Match.objects.create(intake=intake, mentee=mentee, mentor=mentor)
    match = Match.objects.select_related("mentee", "mentor", "intake__programme").get(
        pk=match.pk)
    match.spare = spare
    return match


def answer_url(programme, participant, match, purpose=tokens.ANSWER):
    return programme.url + programme.reverse_subpage(
        "answer", kwargs={"token": tokens.make_token(participant, purpose, match.pk)})


def reload(match):
    return Match.objects.select_related("mentee", "mentor", "intake__programme").get(pk=match.pk)


def test_coordinator_only_stays_the_default(programme, proposal, coordinator):
    assert programme.pairing_mode == "coordinator"
    assert decisions.confirm([proposal], coordinator) == 1
    assert reload(proposal).status == "confirmed"
    assert not OutboundEmail.objects.filter(purpose="proposal").exists()


def test_confirming_asks_both_in_their_language(both_accept, proposal, coordinator):
    before = timezone.now()
    assert decisions.confirm([proposal], coordinator) == 1
    match = reload(proposal)
    assert (match.status, match.answers, match.locked) == ("proposed", "waiting", True)
    assert before + timedelta(days=4) <= match.answers_due_at <= timezone.now() + timedelta(
        days=4)
    rows = OutboundEmail.objects.filter(purpose="proposal")
    assert sorted(rows.values_list("participant_id", flat=True)) == sorted(
        [match.mentee_id, match.mentor_id])
    message = render_email(rows.get(participant=match.mentee))
    assert "Bruno" in message.subject
    assert "Bonjour" in message.body  # the mentee's own language (fr)
    html = message.alternatives[0][0]
    assert "/answer/" in message.body and "/answer/" in html
    assert "+33 6 22" not in message.body + html and match.mentor.email not in message.body + html
    # asked twice: nothing new queued, no second deadline
    assert decisions.confirm([match], coordinator) == 0
    assert rows.count() == 2
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.match_ask",
                                        data__match=match.pk).count() == 1


def test_bulk_confirm_asks_every_pair(both_accept, participant_factory, intake, coordinator):
    matches = []
    for _ in range(3):
        a, b = participant_factory("international"), participant_factory("local", capacity=1)
        matches.append(Match.objects.create(intake=intake, mentee=a, mentor=b))
    matches = list(Match.objects.filter(pk__in=[m.pk for m in matches])
                   .select_related("mentee", "mentor", "intake__programme"))
    assert decisions.confirm(matches, coordinator) == 3
    assert Match.objects.filter(answers="waiting", status="proposed").count() == 3
    assert OutboundEmail.objects.filter(purpose="proposal").count() == 6


def test_both_accept_introduces_the_pair(both_accept, proposal, coordinator, client):
    decisions.confirm([proposal], coordinator)
    answers.answer(proposal.pk, proposal.mentee, True)
    match = reload(proposal)
    assert match.status == "proposed" and match.mentee_answer == "accepted"
    assert not OutboundEmail.objects.filter(purpose="introduction").exists()
    answers.answer(proposal.pk, proposal.mentor, True)
    match = reload(proposal)
    assert (match.status, match.answers) == ("confirmed", "accepted")
    assert match.introduced_at is not None
    assert OutboundEmail.objects.filter(purpose="introduction").count() == 2
    assert set(Participant.objects.filter(pk__in=[match.mentee_id, match.mentor_id])
               .values_list("status", flat=True)) == {"matched"}
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.match_accept",
                                        data__match=match.pk).count() == 2


def test_decline_forbids_the_pair_and_frees_the_other(both_accept, proposal, coordinator):
    decisions.confirm([proposal], coordinator)
    answers.answer(proposal.pk, proposal.mentee, True)
    answers.answer(proposal.pk, proposal.mentor, False, "  Not my field  ")
    match = reload(proposal)
    assert (match.status, match.answers, match.end_reason) == ("rejected", "declined",
                                                               "Not my field")
    assert set(Participant.objects.filter(pk__in=[match.mentee_id, match.mentor_id])
               .values_list("status", flat=True)) == {"waiting"}
    assert (str(match.mentee_id), str(match.mentor_id)) in load_pool(match.intake).forbidden
    assert str(match.mentor_id) not in [s.mentor for s in suggestions(match.mentee)]
    entry = BuddyLogEntry.objects.get(action="wagtail_buddy.match_decline", data__match=match.pk)
    assert entry.data["reason"] == "Not my field" and entry.data["side"] == "mentor"
    assert not OutboundEmail.objects.filter(purpose="introduction").exists()
    left_over = dict(Participant.objects.filter(pk__in=[match.mentee_id, match.mentor_id])
                     .values_list("pk", "left_over_at"))
    assert left_over[match.mentee_id] is not None  # she accepted: first in the next run
    assert left_over[match.mentor_id] is None  # he declined


@pytest.mark.parametrize("case", ["twice", "after_decline", "late", "stranger", "rejected"])
def test_bad_answers_change_nothing(both_accept, proposal, coordinator, participant_factory,
                                   case):
    decisions.confirm([proposal], coordinator)
    who = proposal.mentee
    if case == "twice":
        answers.answer(proposal.pk, who, True)
    elif case == "after_decline":
        answers.answer(proposal.pk, proposal.mentor, False)
    elif case == "late":
        Match.objects.filter(pk=proposal.pk).update(
            answers_due_at=timezone.now() - timedelta(minutes=1))
    elif case == "stranger":
        who = participant_factory("local")
    elif case == "rejected":
        decisions.reject([reload(proposal)], coordinator)
    before = Match.objects.filter(pk=proposal.pk).values().get()
    with pytest.raises(answers.AnswerError):
        answers.answer(proposal.pk, who, case != "twice")
    assert Match.objects.filter(pk=proposal.pk).values().get() == before


def test_page_shows_allowed_details_and_takes_the_answer(both_accept, proposal, coordinator,
                                                         client):
    decisions.confirm([proposal], coordinator)
    url = answer_url(both_accept, proposal.mentor, proposal)
    html = client.get(url).content.decode()
    assert "Ana" in html and "Spain" in html and "Cinema" in html
    assert proposal.mentee.email not in html and "+33 6 11" not in html
    assert proposal.mentee.last_name not in html
    assert reload(proposal).mentor_answer == ""  # opening the link answers nothing
    response = client.post(url, {"answer": "decline", "reason": "<script>x</script>"})
    assert response.status_code == 302
    assert "declined" in client.get(response["Location"]).content.decode()
    assert reload(proposal).answers == "declined"
    again = client.post(url, {"answer": "accept"})
    assert again.status_code == 409
    assert "no longer open" in again.content.decode()
    assert reload(proposal).answers == "declined"


@pytest.mark.parametrize("purpose", [tokens.ACCESS, tokens.CHECKIN])
def test_other_purpose_or_forged_link_is_refused(both_accept, proposal, coordinator, client,
                                                 purpose):
    decisions.confirm([proposal], coordinator)
    wrong = both_accept.url + both_accept.reverse_subpage(
        "answer", kwargs={"token": tokens.make_token(proposal.mentee, purpose, proposal.pk)})
    assert client.post(wrong, {"answer": "accept"}).status_code == 404
    good = answer_url(both_accept, proposal.mentee, proposal)
    assert client.post(good[:-5] + "AAAA/", {"answer": "accept"}).status_code == 404
    assert reload(proposal).mentee_answer == ""


def test_expired_link_is_refused(both_accept, proposal, coordinator, client, settings):
    decisions.confirm([proposal], coordinator)
    url = answer_url(both_accept, proposal.mentee, proposal)
    settings.WAGTAIL_BUDDY_TOKEN_MAX_AGE = -1
    response = client.post(url, {"answer": "accept"})
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert reload(proposal).mentee_answer == ""


def test_link_of_someone_no_longer_in_the_pair(both_accept, proposal, coordinator, client):
    decisions.confirm([proposal], coordinator)
    url = answer_url(both_accept, proposal.mentor, proposal)
    Match.objects.filter(pk=proposal.pk).update(mentor=proposal.spare)
    response = client.post(url, {"answer": "accept"})
    assert response.status_code == 409
    assert "no longer part" in response.content.decode()
    assert reload(proposal).mentor_answer == ""


def test_schedule_reminds_once_then_expires(both_accept, proposal, coordinator):
    decisions.confirm([proposal], coordinator)
    answers.answer(proposal.pk, proposal.mentee, True)
    due = reload(proposal).answers_due_at
    assert answers.expire_and_remind(now=due - timedelta(days=2)) == {"expired": 0,
                                                                      "reminded": 0}
    assert answers.expire_and_remind(now=due - timedelta(hours=12)) == {"expired": 0,
                                                                        "reminded": 1}
    assert answers.expire_and_remind(now=due - timedelta(hours=6)) == {"expired": 0,
                                                                       "reminded": 0}
    reminded = OutboundEmail.objects.filter(purpose="proposal_reminder")
    assert list(reminded.values_list("participant_id", flat=True)) == [proposal.mentor_id]
    assert "/answer/" in render_email(reminded.get()).body
    assert answers.expire_and_remind(now=due + timedelta(minutes=1)) == {"expired": 1,
                                                                         "reminded": 0}
    assert answers.expire_and_remind(now=due + timedelta(minutes=20)) == {"expired": 0,
                                                                          "reminded": 0}
    match = reload(proposal)
    assert (match.status, match.answers) == ("rejected", "expired")
    assert (str(match.mentee_id), str(match.mentor_id)) in load_pool(match.intake).forbidden
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.match_expire",
                                        data__match=match.pk).count() == 1
    left_over = dict(Participant.objects.filter(pk__in=[match.mentee_id, match.mentor_id])
                     .values_list("pk", "left_over_at"))
    assert left_over[match.mentee_id] is not None and left_over[match.mentor_id] is None


def test_schedule_is_registered():
    assert "wagtail_buddy.tasks.expire_and_remind_answers" in [s.func for s in SCHEDULES]


def test_waiting_pair_cannot_be_swapped_or_unlocked(both_accept, proposal, coordinator):
    decisions.confirm([proposal], coordinator)
    match = reload(proposal)
    with pytest.raises(decisions.DecisionError):
        decisions.swap(match, proposal.spare, coordinator)
    assert decisions.set_locked([match], coordinator, locked=False) == 0


def test_coordinator_sees_answers_with_counts_that_link(both_accept, intake, coordinator,
                                                        participant_factory, client):
    pairs = []
    for _ in range(4):
        a, b = participant_factory("international"), participant_factory("local", capacity=1)
        pairs.append(Match.objects.create(intake=intake, mentee=a, mentor=b))
    pairs = list(Match.objects.filter(pk__in=[m.pk for m in pairs]).order_by("pk")
                 .select_related("mentee", "mentor", "intake__programme"))
    decisions.confirm(pairs[:3], coordinator)  # the 4th stays a proposal to review
    answers.answer(pairs[0].pk, pairs[0].mentee, False, "Different plans")
    Match.objects.filter(pk=pairs[1].pk).update(answers_due_at=timezone.now())
    answers.expire_and_remind()
    client.force_login(coordinator)
    overview = client.get(reverse("wagtail_buddy_admin:overview")).content.decode()
    expected = {"proposals": 1, "answers_waiting": 1, "answers_declined": 1,
                "answers_expired": 1}
    for key, value in expected.items():
        todo = re.search(rf'data-todo="{key}"[^>]*><a href="([^"]+)"><strong>(\d+)</strong>',
                         overview)
        assert todo, key
        link, shown = todo.group(1).replace("&amp;", "&"), int(todo.group(2))
        assert shown == value, key
        listed = client.get(link).content.decode()
        assert len(re.findall(r'<tr data-match="', listed)) == value, (key, link)
    page = client.get(reverse("wagtail_buddy_admin:match", args=[pairs[0].pk])).content.decode()
    assert 'data-answers="declined"' in page
    assert '<dd data-decline-reason>Different plans<' in page


def test_overview_hides_answers_in_coordinator_mode(programme, intake, coordinator, client):
    client.force_login(coordinator)
    overview = client.get(reverse("wagtail_buddy_admin:overview")).content.decode()
    assert intake.name in overview and 'data-todo="answers_waiting"' not in overview


def test_hostile_details_are_escaped_on_the_page_and_in_both_email_formats(
        both_accept, participant_factory, intake, coordinator, client):
    evil = '<img src=x onerror="alert(1)">'
    mentee = participant_factory("international", first_name=evil, university=evil,
                                 faculty=evil)
    mentor = participant_factory("local", capacity=1)
    match = Match.objects.create(intake=intake, mentee=mentee, mentor=mentor)
    match = reload(match)
    decisions.confirm([match], coordinator)
    html = client.get(answer_url(both_accept, mentor, match)).content.decode()
    assert evil not in html and "&lt;img src=x" in html
    message = render_email(OutboundEmail.objects.get(purpose="proposal", participant=mentor))
    assert evil not in message.alternatives[0][0]
    assert evil in message.subject or "<img" in message.subject  # plain text: not escaped


def test_private_page_links_to_the_open_question_until_answered(both_accept, proposal,
                                                                 coordinator, client):
    url = both_accept.url + both_accept.reverse_subpage(
        "participant", kwargs={"token": tokens.make_token(proposal.mentee, tokens.ACCESS)})
    assert "data-answer" not in client.get(url).content.decode()
    decisions.confirm([proposal], coordinator)
    assert "data-answer" in client.get(url).content.decode()
    answers.answer(proposal.pk, proposal.mentee, True)
    assert "data-answer" not in client.get(url).content.decode()
