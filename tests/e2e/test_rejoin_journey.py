"""A returning buddy in real Chromium: the coordinator presses "join again" on the overview;
on a 375 px phone the buddy opens the email's link and presses confirm (two presses).
axe-core checks each page; screenshots go to docs/screenshots/."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from tests.conftest import make_coordinator, make_participant
from tests.e2e.conftest import last_link
from tests.e2e.test_coordinator_journey import login
from wagtail_buddy.models import Intake, Participant
from wagtail_buddy.services import rejoin

pytestmark = [pytest.mark.usefixtures("buddy_cache", "interests"),
              pytest.mark.django_db(transaction=True)]


def test_a_returning_buddy_joins_again_in_two_presses(
        site, page, phone_page, intake, interests, screenshot, axe_check,
        django_user_model):
    past_intake = Intake.objects.create(programme=intake.programme, name="Autumn 2026",
                                        starts_on=date(2026, 9, 1), ends_on=date(2027, 1, 31),
                                        signup_open=False)
    marta = make_participant(past_intake, "local", first_name="Marta", email="marta@example.org",
                             languages=("es", "en"), interests=interests[:2], capacity=2,
                             status=Participant.Status.ENDED,
                             consent_version=intake.programme.consent_version())
    rejoin.set_asked(marta, True)
    make_coordinator(django_user_model, "coordinator", intake.programme)
    login(page, site)
    page.goto(f"{site}/admin/buddy/")
    page.get_by_role("button", name="Send “join again” to past buddies").first.click()
    page.wait_for_selector("text=1 past buddy who asked to hear about the next intake was "
                           "invited to join again.")
    screenshot(page, "admin-join-again-sent-desktop")
    assert [m.to for m in mail.outbox] == [["marta@example.org"]]

    link = site + last_link("marta@example.org", "/rejoin/")
    page.goto(link)  # opening changes nothing (mail scanners open links)
    screenshot(page, "buddy-rejoin-desktop")
    axe_check(page, "rejoin form, desktop")
    assert not Participant.objects.filter(intake=intake).exists()
    phone_page.goto(link)  # press 1: the link
    screenshot(phone_page, "buddy-rejoin-phone")
    axe_check(phone_page, "rejoin form")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    phone_page.get_by_role("button", name="Confirm and take part").click()  # press 2
    phone_page.wait_for_selector("text=your email is confirmed")
    screenshot(phone_page, "buddy-rejoin-done-phone")
    axe_check(phone_page, "rejoined")
    again = Participant.objects.get(intake=intake)
    assert (again.email, again.status, again.capacity) == ("marta@example.org", "waiting", 2)
    assert set(again.languages.values_list("pk", flat=True)) == {"es", "en"}
    assert rejoin.intakes_taken_part(again) == 2
