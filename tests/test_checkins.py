"""Follow-up check-ins: due matches get one email per side, exactly once; answers are stored."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from wagtail_buddy import tasks
from wagtail_buddy.models import CheckIn, Match, OutboundEmail
from wagtail_buddy.services import checkins, tokens

pytestmark = pytest.mark.usefixtures("buddy_cache")


def make_match(participant_factory, weeks_ago: float, status=Match.Status.CONFIRMED):
    mentee = participant_factory("international", first_name="Ines", status="matched")
    mentor = participant_factory("local", first_name="Paul", status="matched")
    return Match.objects.create(
        intake=mentee.intake, mentee=mentee, mentor=mentor, status=status,
        confirmed_at=timezone.now(), introduced_at=timezone.now() - timedelta(weeks=weeks_ago),
    )


def test_due_matches_get_one_checkin_email_per_side_exactly_once(
        participant_factory, settings, django_capture_on_commit_callbacks):
    settings.WAGTAIL_BUDDY_CHECKIN_WEEKS = 3
    due = make_match(participant_factory, 4)
    make_match(participant_factory, 1)  # too recent
    make_match(participant_factory, 5, status=Match.Status.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_due_checkins() == 2
    rows = CheckIn.objects.all()
    assert {(c.match_id, c.participant_id) for c in rows} == {
        (due.pk, due.mentee_id), (due.pk, due.mentor_id)}
    assert all(c.sent_at for c in rows)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([due.mentee.email, due.mentor.email])
    to_mentee = next(m for m in mail.outbox if m.to == [due.mentee.email])
    assert "Paul" in to_mentee.subject  # names the buddy
    assert "?answer=met" in to_mentee.body and to_mentee.alternatives
    with django_capture_on_commit_callbacks(execute=True):
        assert checkins.send_due_checkins() == 0
    assert len(mail.outbox) == 2 and CheckIn.objects.count() == 2


def test_missing_side_is_completed_without_resending(participant_factory):
    match = make_match(participant_factory, 4)
    CheckIn.objects.create(match=match, participant=match.mentee, sent_at=timezone.now())
    OutboundEmail.objects.create(participant=match.mentee, purpose="checkin",
                                 dedup_key=f"checkin:{match.mentee_id}:{match.pk}")
    assert checkins.send_due_checkins() == 1
    assert OutboundEmail.objects.filter(purpose="checkin").count() == 2


def test_send_due_checkins_query_count(participant_factory, django_assert_max_num_queries):
    for _ in range(5):
        make_match(participant_factory, 4)
    with django_assert_max_num_queries(12):
        assert checkins.send_due_checkins() == 10


def checkin_page(programme, participant, match_id):
    return programme.url + programme.reverse_subpage(
        "checkin", kwargs={"token": tokens.make_token(participant, tokens.CHECKIN, match_id)})


def chosen_answer(html: str) -> str | None:
    found = re.search(r'<input[^>]*name="answer" value="(\w+)"[^>]*checked', html)
    return found[1] if found else None


def test_emailed_answer_is_chosen_then_sent_with_rating_and_comment(client, programme,
                                                                    participant_factory):
    match = make_match(participant_factory, 4)
    checkins.send_due_checkins()
    url = checkin_page(programme, match.mentee, match.pk)
    # A mail scanner opening every answer link of the email stores nothing.
    for answer in ("met", "in_contact", "no_contact"):
        response = client.get(url + f"?answer={answer}")
        assert response.status_code == 200 and chosen_answer(response.content.decode()) == answer
    checkin = CheckIn.objects.get(participant=match.mentee)
    assert checkin.answer == "" and checkin.answered_at is None
    assert "Press “Send my answer” to send it" in response.content.decode()
    response = client.post(url, {"answer": "in_contact"})
    assert "Thank you for your answer" in response.content.decode()
    html = client.get(url).content.decode()
    assert "we have your answer" in html and chosen_answer(html) == "in_contact"
    response = client.post(url, {"answer": "met", "rating": "4", "comment": "Nice coffee"})
    assert "Thank you for your answer" in response.content.decode()
    checkin.refresh_from_db()
    assert (checkin.answer, checkin.rating, checkin.comment) == ("met", 4, "Nice coffee")
    bad = client.post(url, {"answer": "maybe", "rating": "9"})
    assert "Choose one answer." in bad.content.decode()
    assert "Choose a rating between 1 and 5." in bad.content.decode()
    checkin.refresh_from_db()
    assert checkin.answer == "met"


def test_checkin_links_are_personal(client, programme, participant_factory):
    match = make_match(participant_factory, 4)
    other = make_match(participant_factory, 4)
    checkins.send_due_checkins()
    # A valid token of the mentee, but for a match that is not theirs: not shown, and an
    # answer sent to it is not stored (on the other pair's check-in or anywhere else).
    foreign = checkin_page(programme, match.mentee, other.pk)
    assert client.get(foreign + "?answer=met").status_code == 404
    assert client.post(foreign, {"answer": "met", "rating": "5"}).status_code == 404
    assert CheckIn.objects.filter(match=other).count() == 2  # the other pair's, still open
    assert not CheckIn.objects.exclude(answer="").exists()
    # An access token does not open the check-in page.
    access = tokens.make_token(match.mentee, tokens.ACCESS)
    url = programme.url + programme.reverse_subpage("checkin", kwargs={"token": access})
    assert client.get(url).status_code == 404


def test_emailed_checkin_link_works(client, participant_factory,
                                    django_capture_on_commit_callbacks):
    match = make_match(participant_factory, 4)
    with django_capture_on_commit_callbacks(execute=True):
        checkins.send_due_checkins()
    link = re.search(r"https?://localhost(/\S+\?answer=no_contact)", mail.outbox[0].body)[1]
    response = client.get(link)
    assert response.status_code == 200 and chosen_answer(response.content.decode()) == "no_contact"
    assert client.post(link, {"answer": "no_contact"}).status_code == 200
    assert CheckIn.objects.filter(answer="no_contact").count() == 1
    assert match.pk in CheckIn.objects.values_list("match_id", flat=True)


def test_record_answer_validates():
    with pytest.raises(ValueError):
        checkins.record_answer(CheckIn(), "perhaps")
    with pytest.raises(ValueError):
        checkins.record_answer(CheckIn(), "met", rating=0)
