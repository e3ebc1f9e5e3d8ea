"""Returning buddies: ask -> intake opens -> one "join again" email -> prefilled form ->
a new sign-up with the old profile. Nobody who did not ask is contacted; bad links refused."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import make_participant
from wagtail_buddy.models import BuddyLogEntry, Intake, OutboundEmail, Participant
from wagtail_buddy.services import lifecycle, participant_data, rejoin, tokens

pytestmark = pytest.mark.usefixtures("buddy_cache")


@pytest.fixture
def past_intake(programme):
    return Intake.objects.create(programme=programme, name="Autumn 2026",
                                 starts_on=date(2026, 9, 1), ends_on=date(2027, 1, 31),
                                 signup_open=False)


@pytest.fixture
def asked(past_intake, interests):
    buddy = make_participant(past_intake, "local", languages=("fr", "en"), capacity=2,
                             status=Participant.Status.ENDED, preferred_language="fr",
                             interests=interests[:2], phone="+33 6 12", faculty="History")
    rejoin.set_asked(buddy, True)
    return buddy


def send(intake, coordinator, client, capture):
    client.force_login(coordinator)
    with capture(execute=True):
        return client.post(reverse("wagtail_buddy_admin:shortage", args=[intake.pk]),
                           {"action": "join_again"})


def link_in(message) -> str:
    return re.search(r"https?://localhost(/\S+/rejoin/[\w-]+/)", message.body).group(1)


def test_asked_buddy_gets_one_email_and_joins_with_the_old_profile(
        intake, asked, coordinator, client, django_capture_on_commit_callbacks):
    did_not_ask = make_participant(asked.intake, "local", status=Participant.Status.ENDED)
    response = send(intake, coordinator, client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    send(intake, coordinator, client, django_capture_on_commit_callbacks)  # pressed twice
    (message,) = mail.outbox
    assert message.to == [asked.email] and did_not_ask.email not in message.to
    assert "Un nouveau semestre" in message.subject  # in their language
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.participant_join_again").count()
    client.logout()
    link = link_in(message)
    page = client.get(link).content.decode()
    assert 'name="capacity"' in page and 'name="consent"' in page
    assert 'name="first_name"' not in page and 'name="languages"' not in page
    assert not Participant.objects.filter(intake=intake).exists()  # opening changes nothing
    response = client.post(link, {"capacity": "3", "available_from": "2027-02-10",
                                  "consent": "on", "charter": "on"})
    assert response.status_code == 200
    new = Participant.objects.get(intake=intake)
    assert (new.email, new.first_name, new.phone, new.faculty) == (
        asked.email, asked.first_name, "+33 6 12", "History")
    assert new.status == Participant.Status.WAITING and new.consent_at is not None
    assert (new.capacity, new.available_from) == (3, date(2027, 2, 10))
    assert set(new.languages.values_list("pk", flat=True)) == {"fr", "en"}
    assert set(new.interests.all()) == set(asked.interests.all())
    # the second press (a stale form): still one sign-up, nothing changed
    client.post(link, {"capacity": "1", "consent": "on", "charter": "on"})
    assert Participant.objects.filter(intake=intake).count() == 1
    new.refresh_from_db()
    assert new.capacity == 3
    # and they are no longer asked about this intake
    assert rejoin.past_buddies_who_asked(intake) == []


def test_consent_is_asked_again_and_nothing_is_lost(intake, asked, client):
    asked.preferred_language = "en"
    asked.save()
    link = tokens.rejoin_url(asked, intake.pk).split("localhost", 1)[1]
    response = client.post(link, {"capacity": "2", "available_from": "2027-02-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "We need your consent" in html and 'value="2027-02-10"' in html
    assert not Participant.objects.filter(intake=intake).exists()


def test_a_buddy_who_did_not_ask_gets_nothing(intake, past_intake, coordinator, client,
                                               django_capture_on_commit_callbacks):
    buddy = make_participant(past_intake, "local", status=Participant.Status.ENDED)
    rejoin.set_asked(buddy, True)
    rejoin.set_asked(buddy, False)  # changed their mind on the private page
    make_participant(past_intake, "international", status=Participant.Status.ENDED)
    send(intake, coordinator, client, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not OutboundEmail.objects.filter(purpose=rejoin.JOIN_AGAIN).exists()


def test_only_local_buddies_can_ask(past_intake):
    student = make_participant(past_intake, "international")
    rejoin.set_asked(student, True)
    student.refresh_from_db()
    assert student.rejoin_asked_at is None


@pytest.mark.parametrize("case", ["forged", "other_purpose", "other_intake", "expired"])
def test_bad_links_are_refused_with_a_clear_message(case, intake, past_intake, asked, client,
                                                    settings):
    token = {"forged": tokens.make_token(asked, tokens.REJOIN, intake.pk)[:-3] + "abc",
             "other_purpose": tokens.make_token(asked, tokens.ACCESS),
             "other_intake": tokens.make_token(asked, tokens.REJOIN, past_intake.pk),
             "expired": tokens.make_token(asked, tokens.REJOIN, intake.pk)}[case]
    if case == "expired":
        settings.WAGTAIL_BUDDY_TOKEN_MAX_AGE = -1
    base = intake.programme.url + intake.programme.reverse_subpage("rejoin",
                                                                   kwargs={"token": token})
    response = client.post(base, {"capacity": "1", "consent": "on", "charter": "on"})
    html = response.content.decode()
    if case == "other_intake":
        assert response.status_code == 200 and "buddy-form" not in html
    else:
        assert response.status_code == {"expired": 410}.get(case, 404)
        assert ("expired" in html.lower()) if case == "expired" else "link" in html.lower()
    assert not Participant.objects.filter(intake=intake).exists()


def test_private_page_and_signup_ask(intake, client, programme):
    buddy = make_participant(intake, "local")
    link = tokens.private_url(buddy).split("localhost", 1)[1]
    assert "Email me when the next intake opens" in client.get(link).content.decode()
    client.post(link, {"action": "rejoin_ask"})
    buddy.refresh_from_db()
    assert buddy.rejoin_asked_at is not None
    client.post(link, {"action": "rejoin_stop"})
    buddy.refresh_from_db()
    assert buddy.rejoin_asked_at is None
    form_page = client.get(programme.url + programme.reverse_subpage(
        "signup", kwargs={"role": "local"})).content.decode()
    assert 'name="tell_next_intake"' in form_page
    international = client.get(programme.url + programme.reverse_subpage(
        "signup", kwargs={"role": "international"})).content.decode()
    assert 'name="tell_next_intake"' not in international


def test_intakes_count_in_one_query(intake, past_intake, asked, coordinator, client):
    make_participant(intake, "local", email=asked.email.upper())
    make_participant(intake, "international", email=asked.email)  # other role: not counted
    with CaptureQueriesContext(connection) as queries:
        assert rejoin.intakes_taken_part(asked) == 2
    assert len(queries) == 1
    client.force_login(coordinator)
    page = client.get(reverse("wagtail_buddy_participant_modeladmin_inspect",
                              args=[asked.pk])).content.decode()
    assert re.search(r"data-intakes-count>\s*2\s*<", page)


def test_unchanged_texts_renew_consent_with_the_confirm_press(intake, asked, client):
    asked.consent_version = intake.programme.consent_version()
    asked.preferred_language = "en"
    asked.save()
    link = tokens.rejoin_url(asked, intake.pk).split("localhost", 1)[1]
    html = client.get(link).content.decode()
    assert "they have not changed" in html and 'type="checkbox" name="consent"' not in html
    client.post(link, {"capacity": "1", "consent": "on", "charter": "on"})  # the hidden pair
    new = Participant.objects.get(intake=intake)
    assert new.consent_version == asked.consent_version and new.charter_accepted_at


def test_only_earlier_intakes_are_invited_and_only_to_an_open_intake(
        intake, past_intake, asked, coordinator, client):
    later = make_participant(intake, "local")
    rejoin.set_asked(later, True)
    assert rejoin.past_buddies_who_asked(past_intake) == []  # not back to an older intake
    assert [p.pk for p in rejoin.past_buddies_who_asked(intake)] == [asked.pk]
    client.force_login(coordinator)
    html = client.get(reverse("wagtail_buddy_admin:overview")).content.decode()
    assert html.count("data-join-again") == 1  # the open intake only


def test_withdrawing_drops_the_wish_and_the_download_shows_it(intake, asked):
    assert participant_data.export_data(asked)["rejoin_asked_at"]
    lifecycle.withdraw([asked])
    asked.refresh_from_db()
    assert asked.rejoin_asked_at is None
    assert rejoin.past_buddies_who_asked(intake) == []


def test_asking_keeps_nobody_past_retention(intake, past_intake, asked, settings):
    """The wish to hear about the next intake is no reason to keep data: retention deletes
    the buddy with their intake, and nobody is left to email."""
    from wagtail_buddy.services import maintenance

    settings.WAGTAIL_BUDDY_RETENTION_DAYS = 0
    Intake.objects.filter(pk=past_intake.pk).update(starts_on=date(2019, 9, 1),
                                                    ends_on=date(2020, 1, 31))
    assert maintenance.apply_retention() >= 1
    assert not Participant.objects.filter(pk=asked.pk).exists()
    assert rejoin.past_buddies_who_asked(intake) == []
    assert rejoin.send_join_again(intake).emailed == 0
