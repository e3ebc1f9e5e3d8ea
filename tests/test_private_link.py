"""The confirmation link and the private page: view, edit, download, withdraw, delete."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from wagtail_buddy.models import CheckIn, Match, OutboundEmail, Participant
from wagtail_buddy.services import lifecycle, participant_data, tokens

pytestmark = pytest.mark.usefixtures("buddy_cache")


def route(programme, name, participant, purpose=tokens.ACCESS):
    return programme.url + programme.reverse_subpage(
        name, kwargs={"token": tokens.make_token(participant, purpose)})


def test_confirmation_link_shows_a_button_that_confirms(client, programme,
                                                         participant_factory):
    p = participant_factory(status=Participant.Status.UNCONFIRMED, confirmed_at=None)
    url = route(programme, "confirm", p, tokens.CONFIRM)
    # Opening the link (as a mail scanner does) changes nothing.
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200 and "Confirm my sign-up" in response.content.decode()
    p.refresh_from_db()
    assert (p.status, p.confirmed_at) == ("unconfirmed", None)
    assert response["Cache-Control"] == "no-store, private"
    response = client.post(url)
    p.refresh_from_db()
    assert response.status_code == 200
    assert (p.status, bool(p.confirmed_at)) == ("waiting", True)
    html = response.content.decode()
    assert "your email is confirmed" in html
    assert programme.url + "me/" in html  # the private page is one click away
    assert response["Referrer-Policy"] == "same-origin"  # POSTs need an Origin
    # Idempotent: a second press or a later visit does not touch the timestamp.
    first = p.confirmed_at
    assert client.post(url).status_code == 200
    assert "your email is confirmed" in client.get(url).content.decode()
    p.refresh_from_db()
    assert p.confirmed_at == first


def test_confirmation_does_not_resurrect_a_matched_participant(client, programme,
                                                               participant_factory):
    p = participant_factory(status=Participant.Status.MATCHED)
    client.post(route(programme, "confirm", p, tokens.CONFIRM))
    p.refresh_from_db()
    assert p.status == "matched"


def test_private_link_confirms_on_a_press_not_on_opening(client, programme,
                                                         participant_factory):
    p = participant_factory(status=Participant.Status.UNCONFIRMED, confirmed_at=None)
    url = route(programme, "participant", p)
    html = client.get(url).content.decode()
    p.refresh_from_db()
    assert p.status == "unconfirmed" and "Your email is not confirmed yet" in html
    response = client.post(url, {"action": "confirm"})
    assert response.status_code == 302 and response["Location"].endswith("?confirmed=1")
    p.refresh_from_db()
    assert p.status == "waiting"
    html = client.get(response["Location"]).content.decode()
    assert "you are now in the pool" in html and "not confirmed yet" not in html


def test_private_page_shows_own_data_and_edit_form(client, programme, participant_factory,
                                                   django_assert_max_num_queries):
    p = participant_factory(first_name="Lena", phone="+49 151 000")
    other = participant_factory(first_name="Zoltan", email="zoltan@example.org")
    url = route(programme, "participant", p)
    client.get(url)
    with django_assert_max_num_queries(20):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hello Lena" in html and p.email in html and 'value="+49 151 000"' in html
    assert "Zoltan" not in html and other.email not in html
    assert 'name="email"' not in html  # the address is not editable here
    assert 'name="consent"' not in html
    assert 'name="robots" content="noindex' in html


def test_editing_the_profile(client, programme, participant_factory, signup_payload):
    p = participant_factory()
    url = route(programme, "participant", p)
    data = signup_payload(first_name="Lenka", languages=["cs", "de"], university="INSA Lyon")
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == url + "?saved=1#profile"
    p.refresh_from_db()
    assert (p.first_name, p.university) == ("Lenka", "INSA Lyon")
    assert sorted(p.languages.values_list("code", flat=True)) == ["cs", "de"]
    assert p.email != data["email"]  # unchanged
    assert "Your changes are saved." in client.get(response["Location"]).content.decode()


def test_invalid_edit_keeps_input(client, programme, participant_factory, signup_payload):
    p = participant_factory(first_name="Lena")
    response = client.post(route(programme, "participant", p),
                           signup_payload(first_name="Lenka", birth_year="abc"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a whole number." in html and 'value="Lenka"' in html
    p.refresh_from_db()
    assert p.first_name == "Lena"


def _confirmed_match(participant_factory, **mentor_fields):
    mentee = participant_factory("international", first_name="Ines", status="matched")
    mentor = participant_factory("local", first_name="Paul", phone="+33 7 00",
                                 status="matched", **mentor_fields)
    match = Match.objects.create(intake=mentee.intake, mentee=mentee, mentor=mentor,
                                 status=Match.Status.CONFIRMED, confirmed_at=timezone.now())
    return mentee, mentor, match


def test_matched_participant_sees_buddy_contact_and_cannot_edit(client, programme,
                                                                participant_factory,
                                                                signup_payload):
    mentee, mentor, _ = _confirmed_match(participant_factory)
    url = route(programme, "participant", mentee)
    html = client.get(url).content.decode()
    assert "Paul" in html and mentor.email in html and "+33 7 00" in html
    assert mentor.last_name not in html  # first name only
    assert 'name="first_name"' not in html
    response = client.post(url, signup_payload(first_name="Hacker"))
    assert response.status_code == 409
    mentee.refresh_from_db()
    assert mentee.first_name == "Ines"


def test_proposed_match_is_not_revealed(client, programme, participant_factory):
    mentee = participant_factory("international", status="proposed")
    mentor = participant_factory("local", first_name="Secretname", status="proposed")
    Match.objects.create(intake=mentee.intake, mentee=mentee, mentor=mentor)
    html = client.get(route(programme, "participant", mentee)).content.decode()
    assert "Secretname" not in html and mentor.email not in html


def test_download_contains_everything_about_me(client, programme, participant_factory,
                                               interests):
    mentee, mentor, match = _confirmed_match(participant_factory)
    mentee.interests.set(interests[:2])
    CheckIn.objects.create(match=match, participant=mentee, answer="met", rating=5,
                           comment="Great", answered_at=timezone.now())
    OutboundEmail.objects.create(participant=mentee, purpose="confirm", dedup_key="x")
    response = client.get(route(programme, "download", mentee))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["email"] == mentee.email and data["nationality"] == "ES"
    assert data["languages"] == ["en"] and data["interests"] == ["Cinema", "Hiking"]
    assert data["matches"][0]["buddy_first_name"] == "Paul"
    assert mentor.email not in response.content.decode()
    assert data["checkins"][0]["comment"] == "Great"
    assert data["emails"][0]["purpose"] == "confirm"


def test_withdraw_cancels_matches_frees_buddy_and_revokes_links(client, programme,
                                                                participant_factory):
    mentee, mentor, match = _confirmed_match(participant_factory)
    page_url = route(programme, "participant", mentee)
    confirm_page = client.get(route(programme, "withdraw", mentee))
    assert confirm_page.status_code == 200 and "Withdraw" in confirm_page.content.decode()
    mentee.refresh_from_db()
    assert mentee.status == "matched"  # GET changes nothing
    response = client.post(route(programme, "withdraw", mentee))
    assert response.status_code == 200 and "You have withdrawn" in response.content.decode()
    mentee.refresh_from_db()
    match.refresh_from_db()
    mentor.refresh_from_db()
    assert (mentee.status, bool(mentee.withdrawn_at)) == ("withdrawn", True)
    assert match.status == "cancelled" and match.ended_at
    assert mentor.status == "waiting"
    old = client.get(page_url)
    assert old.status_code == 404 and mentee.email not in old.content.decode()


def test_withdraw_keeps_busy_buddy_matched(participant_factory):
    mentee, mentor, _ = _confirmed_match(participant_factory, capacity=2)
    second = participant_factory("international", status="matched")
    Match.objects.create(intake=mentee.intake, mentee=second, mentor=mentor,
                         status=Match.Status.CONFIRMED)
    lifecycle.withdraw([mentee])
    mentor.refresh_from_db()
    assert mentor.status == "matched"


def test_delete_erases_everything(client, programme, participant_factory):
    mentee, mentor, match = _confirmed_match(participant_factory)
    CheckIn.objects.create(match=match, participant=mentee)
    url = route(programme, "delete", mentee)
    assert client.get(url).status_code == 200
    assert Participant.objects.filter(pk=mentee.pk).exists()
    response = client.post(url)
    assert response.status_code == 200 and "Your data is deleted" in response.content.decode()
    assert not Participant.objects.filter(pk=mentee.pk).exists()
    assert not Match.objects.filter(pk=match.pk).exists()
    assert not CheckIn.objects.exists()
    mentor.refresh_from_db()
    assert mentor.status == "waiting"
    assert client.get(url).status_code == 404


def test_bad_and_expired_links(client, programme, participant_factory, settings):
    p = participant_factory()
    url = route(programme, "participant", p)
    bad = client.get(url.rstrip("/")[:-3] + "abc/")
    assert bad.status_code == 404 and "This link does not work" in bad.content.decode()
    settings.WAGTAIL_BUDDY_TOKEN_MAX_AGE = -1
    expired = client.get(url)
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert p.email not in expired.content.decode()


def test_link_of_another_programme_is_refused(client, programme, home_page,
                                              participant_factory):
    from tests.conftest import make_programme

    other = make_programme(home_page, title="Other")
    p = participant_factory()
    token = tokens.make_token(p, tokens.ACCESS)
    response = client.get(other.url + other.reverse_subpage("participant",
                                                            kwargs={"token": token}))
    assert response.status_code == 404


def test_export_query_count(participant_factory, django_assert_max_num_queries):
    mentee, _, _ = _confirmed_match(participant_factory)
    mentee = Participant.objects.select_related("intake__programme").get(pk=mentee.pk)
    with django_assert_max_num_queries(7):
        participant_data.export_data(mentee)
