"""A buddy answers "I can't" to a pick-up (issue 25): the student is emailed, in their
language, that it is on the pick-up board, and the coordinators still see it uncovered."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from wagtail_buddy.models import Arrival, Match, OutboundEmail
from wagtail_buddy.services import arrivals, tokens
from wagtail_buddy.services.email_rendering import render_email

pytestmark = pytest.mark.usefixtures("buddy_cache")

SOON = timezone.localdate() + timedelta(days=5)
NAME = 'Bruno <b>"&'  # a buddy's typed first name: verbatim in text, escaped in HTML
PLACE = '<script>alert("x")</script>'


@pytest.fixture
def arrival(participant_factory, intake, programme):
    """Ana (French emails) asks her introduced buddy for a pick-up."""
    programme.contact_email = "buddy@esn.example"
    programme.save(update_fields=["contact_email"])
    ana = participant_factory("international", first_name="Ana", preferred_language="fr",
                              status="matched")
    bruno = participant_factory("local", first_name=NAME, status="matched")
    Match.objects.create(intake=intake, mentee=ana, mentor=bruno, status="confirmed",
                         confirmed_at=timezone.now(), introduced_at=timezone.now())
    return arrivals.save_arrival(ana, day=SOON, at=time(14, 30), how="train", place=PLACE,
                                 pickup=True)


def answer(client, programme, arrival, choice):
    buddy = arrivals.introduced_buddy(arrival.participant)
    url = programme.url + programme.reverse_subpage(
        "pickup_answer", kwargs={"token": tokens.make_token(buddy, tokens.ACCESS)})
    return client.post(url, {"arrival": arrival.pk, "version": arrival.version,
                             "answer": choice})


def declined():
    return list(OutboundEmail.objects.filter(purpose=arrivals.DECLINED_EMAIL)
                .select_related("participant"))


def test_i_cant_emails_the_student_in_their_language(client, programme, arrival):
    assert answer(client, programme, arrival, "no").status_code == 302
    [email] = declined()
    assert email.participant == arrival.participant
    message = render_email(email)
    assert message.subject == (f"{programme.display_name} : {NAME} ne peut pas venir vous "
                               "accueillir")
    text, html = message.body, message.alternatives[0][0]
    assert "Bonjour Ana" in text and "tableau des accueils" in text
    assert f"{NAME}, votre buddy," in text and PLACE in text  # plain text: verbatim
    assert "écrivez aux coordinateurs : buddy@esn.example" in text
    assert tokens.private_url(arrival.participant) in text  # their page, signed at send time
    assert NAME not in html and PLACE not in html
    assert "Bruno &lt;b&gt;&quot;&amp;" in html and "&lt;script&gt;" in html
    # The same press again: refused, no second email.
    arrival.refresh_from_db()
    assert answer(client, programme, arrival, "no").status_code == 409
    assert len(declined()) == 1


def test_the_coordinators_still_see_the_pickup_open(client, programme, arrival, coordinator):
    answer(client, programme, arrival, "no")
    arrival.refresh_from_db()
    assert (arrival.pickup, arrival.covered_by) == (Arrival.Pickup.OPEN, None)
    intake = arrival.participant.intake
    assert arrivals.uncovered_counts([intake]) == {intake.pk: 1}
    client.force_login(coordinator)
    listing = client.get(reverse("wagtail_buddy_admin:arrivals", args=[intake.pk])).content
    assert b'data-pickup="open"' in listing and b"on the pick-up board" in listing
    overview = client.get(reverse("wagtail_buddy_admin:overview")).content.decode()
    assert 'data-todo="pickups"' in overview
    todo = overview.split('data-todo="pickups"')[1].split("</li>")[0]
    assert "<strong>1</strong>" in todo and "buddy-todo--done" not in todo


def test_taking_back_an_ill_be_there_tells_the_student_again(client, programme, arrival):
    assert answer(client, programme, arrival, "yes").status_code == 302
    arrival.refresh_from_db()
    assert answer(client, programme, arrival, "no").status_code == 302
    arrival.refresh_from_db()
    assert arrival.pickup == Arrival.Pickup.OPEN
    assert [e.participant_id for e in declined()] == [arrival.participant_id]
