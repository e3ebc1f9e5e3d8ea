"""Mode "coordinator proposes, both accept" in real Chromium at 375 px: a student and her
buddy accept (the introduction follows), another buddy declines with a reason; the
coordinator sees it on the proposals list and the overview at 1280 px. axe-core checks
every page; screenshots go to docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.conftest import make_coordinator, make_participant
from tests.e2e.test_coordinator_journey import login
from tests.e2e.test_student_journey import (  # noqa: F401 (fixtures)
    intake,
    interests,
    last_link,
    programme,
    site,
    wagtail_site,
)
from wagtail_buddy.models import Match
from wagtail_buddy.services import decisions

pytestmark = [pytest.mark.usefixtures("buddy_cache"), pytest.mark.django_db(transaction=True)]


def test_a_student_accepts_and_a_buddy_declines(
        site, page, phone_page, programme, intake, interests,  # noqa: F811 (fixtures)
        screenshot, axe_check, django_user_model):
    programme.pairing_mode = "both_accept"
    programme.save(update_fields=["pairing_mode"])
    coordinator = make_coordinator(django_user_model, "coordinator", programme)
    lucia = make_participant(intake, "international", first_name="Lucia",
                             email="lucia@example.org", interests=interests[:2],
                             languages=("en", "es"))
    paul = make_participant(intake, "local", first_name="Paul", email="paul@example.org",
                            phone="+33 6 00 00 00 00", interests=interests[1:3], capacity=1)
    maria = make_participant(intake, "international", first_name="Maria",
                             email="maria@example.org")
    jonas = make_participant(intake, "local", first_name="Jonas", email="jonas@example.org",
                             capacity=1)
    first = Match.objects.create(intake=intake, mentee=lucia, mentor=paul)
    second = Match.objects.create(intake=intake, mentee=maria, mentor=jonas)
    decisions.confirm(list(Match.objects.filter(pk__in=[first.pk, second.pk])
                           .select_related("mentee", "mentor", "intake__programme")),
                      coordinator)

    phone = phone_page
    phone.goto(site + last_link("lucia@example.org", "/answer/"))
    phone.get_by_role("heading", name="Would you like Paul as your buddy?").wait_for()
    body = phone.content()
    assert "Cinema" in body and "paul@example.org" not in body and "+33 6" not in body
    screenshot(phone, "answer-proposal-phone")
    axe_check(phone)
    phone.get_by_role("button", name="Accept", exact=True).click()
    phone.get_by_text("Thank you: you have accepted.").wait_for()
    screenshot(phone, "answer-accepted-phone")
    axe_check(phone)

    phone.goto(site + last_link("paul@example.org", "/answer/"))
    phone.get_by_role("button", name="Accept", exact=True).click()
    phone.get_by_role("status").get_by_text("You have both accepted").wait_for()
    first.refresh_from_db()
    assert first.status == "confirmed" and first.introduced_at
    intro = [m for m in mail.outbox if m.to == ["lucia@example.org"]
             and m.extra_headers.get("X-Buddy-Purpose") == "introduction"]
    assert intro and "paul@example.org" in intro[0].body

    phone.goto(site + last_link("jonas@example.org", "/answer/"))
    phone.get_by_text("Decline", exact=True).click()  # opens the reason
    phone.get_by_label(re.compile("Reason")).fill("I am away in February")
    screenshot(phone, "answer-declining-phone")
    axe_check(phone)
    phone.get_by_role("button", name="Decline this proposal").click()
    phone.get_by_text("You have declined this proposal.").wait_for()
    screenshot(phone, "answer-declined-phone")
    axe_check(phone)
    second.refresh_from_db()
    assert (second.status, second.answers, second.end_reason) == (
        "rejected", "declined", "I am away in February")
    # The link again: a clear answer, nothing changes.
    phone.goto(phone.url.split("?")[0])
    phone.get_by_text("This proposal has ended").wait_for()

    login(page, site)
    page.goto(f"{site}/admin/buddy/")
    page.locator('[data-todo="answers_declined"]').wait_for()
    screenshot(page, "answer-coordinator-overview-desktop")
    page.locator('[data-todo="answers_declined"] a').click()
    page.locator('tr[data-match]').first.wait_for()
    assert page.locator('tr[data-match]').count() == 1
    screenshot(page, "answer-coordinator-declined-desktop")
    axe_check(page)
