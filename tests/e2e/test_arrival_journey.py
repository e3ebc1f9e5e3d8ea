"""Arrival and pick-up in real Chromium at 375 px: a student gives her arrival (a past date is
refused first) and asks for a pick-up, her buddy confirms from his private page; another
student's pick-up is taken from the board by another buddy; the coordinator sees the coming
arrivals and the uncovered count at 1280 px. axe-core checks every page; screenshots go to
docs/screenshots/."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.conftest import make_coordinator, make_participant
from tests.e2e.conftest import last_link
from tests.e2e.test_coordinator_journey import login
from wagtail_buddy.models import Arrival, Match
from wagtail_buddy.services import arrivals, tokens

pytestmark = [pytest.mark.usefixtures("buddy_cache", "interests"),
              pytest.mark.django_db(transaction=True)]

SOON = timezone.localdate() + timedelta(days=4)


def private(base, page, person, name="participant") -> str:
    return base + page.url + page.reverse_subpage(
        name, kwargs={"token": tokens.make_token(person, tokens.ACCESS)})


def sent(to: str, purpose: str):
    return [m for m in mail.outbox if m.to == [to]
            and m.extra_headers.get("X-Buddy-Purpose") == purpose]


def test_arrival_pickup_and_the_board(site, page, phone_page, programme, intake,
                                      screenshot, axe_check, django_user_model):
    programme.arrival_places = "Lyon Part-Dieu station\nLyon Saint-Exupéry airport"
    programme.save_revision().publish()
    make_coordinator(django_user_model, "coordinator", programme)
    lucia = make_participant(intake, "international", first_name="Lucia", last_name="Pérez",
                             email="lucia@example.org", status="matched")
    paul = make_participant(intake, "local", first_name="Paul", email="paul@example.org",
                            phone="+33 6 00 00 00 00", status="matched")
    Match.objects.create(intake=intake, mentee=lucia, mentor=paul, status="confirmed",
                         confirmed_at=timezone.now(), introduced_at=timezone.now())

    phone = phone_page
    phone.goto(private(site, programme, lucia))
    phone.get_by_role("heading", name="Your arrival").wait_for()
    phone.fill("#id_arrival_date", (timezone.localdate() - timedelta(days=2)).isoformat())
    phone.fill("#id_time", "14:30")
    phone.get_by_label("Train").check()
    phone.select_option("#id_place", "Lyon Part-Dieu station")
    phone.get_by_label("I would like someone to pick me up").check()
    phone.get_by_role("button", name="Save my arrival").click()
    phone.get_by_text("This date is in the past").first.wait_for()
    assert phone.input_value("#id_time") == "14:30"  # nothing typed is lost
    assert not Arrival.objects.exists()
    screenshot(phone, "arrival-past-date-phone")
    axe_check(phone)
    phone.fill("#id_arrival_date", SOON.isoformat())
    phone.get_by_role("button", name="Save my arrival").click()
    phone.get_by_text("Your arrival is saved.").wait_for()
    phone.get_by_text("we are waiting for your buddy's answer").wait_for()
    screenshot(phone, "arrival-saved-phone")
    axe_check(phone)
    arrival = Arrival.objects.get(participant=lucia)
    assert (arrival.place, arrival.pickup) == ("Lyon Part-Dieu station", "asked")

    # Paul follows the email's link and says he will be there.
    assert sent("paul@example.org", "pickup_asked")
    phone.goto(site + last_link("paul@example.org", "/me/"))
    phone.get_by_text("Lucia asks you to pick them up.").wait_for()
    screenshot(phone, "arrival-buddy-asked-phone")
    axe_check(phone)
    phone.get_by_role("button", name="I'll be there").click()
    phone.get_by_text("Thank you: the student knows you will be there.").wait_for()
    screenshot(phone, "arrival-buddy-confirmed-phone")
    axe_check(phone)
    arrival.refresh_from_db()
    assert (arrival.pickup, arrival.covered_by_id) == ("covered", paul.pk)
    [covered] = sent("lucia@example.org", "pickup_covered")
    assert "Paul" in covered.subject and "paul@example.org" in covered.body

    # Maria has no buddy yet: her pick-up goes to the board, where Jonas takes it.
    maria = make_participant(intake, "international", first_name="Maria",
                             email="maria@example.org")
    jonas = make_participant(intake, "local", first_name="Jonas", email="jonas@example.org")
    arrivals.save_arrival(maria, day=SOON + timedelta(days=2), at=time(9, 5), how="plane",
                          place="Lyon Saint-Exupéry airport", pickup=True)
    phone.goto(private(site, programme, jonas))
    phone.get_by_role("link", name="Pick-up board: 1 student needs a buddy at arrival").click()
    phone.get_by_role("heading", name="Maria").wait_for()
    assert "maria@example.org" not in phone.content()
    screenshot(phone, "arrival-board-phone")
    axe_check(phone)
    phone.get_by_role("button", name="I'll pick up Maria").click()
    phone.get_by_text("We have emailed Maria your first name").wait_for()
    screenshot(phone, "arrival-board-covered-phone")
    axe_check(phone)
    assert "jonas@example.org" in sent("maria@example.org", "pickup_covered")[0].body

    # Olga's pick-up nobody covers yet: the coordinator sees it on the overview.
    olga = make_participant(intake, "international", first_name="Olga")
    arrivals.save_arrival(olga, day=SOON, at=time(22, 0),
                          how="bus", place="Perrache", pickup=True)
    login(page, site)
    page.goto(f"{site}/admin/buddy/")
    todo = page.locator('[data-todo="pickups"]')
    todo.wait_for()
    assert "1" in todo.inner_text()
    screenshot(page, "arrival-coordinator-overview-desktop")
    axe_check(page)
    page.goto(f"{site}/admin/buddy/intake/{intake.pk}/arrivals/")
    page.locator("tr[data-participant]").first.wait_for()
    assert page.locator("tr[data-participant]").count() == 3
    body = page.content()
    assert "Lyon Part-Dieu station" in body and "by Paul" in body and "by Jonas" in body
    assert "on the pick-up board" in body and "Perrache" in body
    screenshot(page, "arrival-coordinator-list-desktop")
    axe_check(page)
    # The same list on a phone: every tab in reach, the table scrolls inside its frame.
    login(phone, site)
    phone.goto(f"{site}/admin/buddy/intake/{intake.pk}/arrivals/")
    phone.locator("tr[data-participant]").first.wait_for()
    screenshot(phone, "arrival-coordinator-list-phone")
    axe_check(phone)
