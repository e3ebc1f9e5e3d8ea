"""Mode "buddies choose" in real Chromium at 375 px: a buddy waits for the window, chooses a
student when it opens, and the student sees her buddy on her page; the coordinator sees the
choice, the closed window and what is left at 1280 px. axe-core checks every page;
screenshots go to docs/screenshots/."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.conftest import make_coordinator, make_participant
from tests.e2e.conftest import last_link
from tests.e2e.test_coordinator_journey import login
from wagtail_buddy.models import Intake, Match
from wagtail_buddy.services import tokens

pytestmark = [pytest.mark.usefixtures("buddy_cache", "interests"),
              pytest.mark.django_db(transaction=True)]


def window(of: Intake, opens: float, closes: float) -> None:
    now = timezone.now()
    Intake.objects.filter(pk=of.pk).update(
        choosing_opens_at=now + timedelta(days=opens),
        choosing_closes_at=now + timedelta(days=closes))


def test_a_buddy_waits_chooses_and_the_student_sees_her_buddy(
        site, page, phone_page, programme, intake, interests,
        screenshot, axe_check, django_user_model):
    programme.pairing_mode = "choose"
    programme.save_revision().publish()
    make_coordinator(django_user_model, "coordinator", programme)
    window(intake, opens=2, closes=9)
    make_participant(intake, "international", first_name="Lucia",
                             email="lucia@example.org", interests=interests[:2],
                             languages=("en", "es"), home_university="Universidad de Sevilla",
                             phone="+34 6 00 00 00 00")
    make_participant(intake, "international", first_name="Maria", email="maria@example.org")
    make_participant(intake, "international", first_name="Kai", email="kai@example.org",
                     languages=("de",))  # no common language with Paul: never listed
    paul = make_participant(intake, "local", first_name="Paul", email="paul@example.org",
                            phone="+33 6 11 11 11 11", interests=interests[1:3], capacity=1)
    path = urlsplit(programme.full_url).path + programme.reverse_subpage(
        "participant", kwargs={"token": tokens.make_token(paul, tokens.ACCESS)})

    phone = phone_page
    phone.goto(site + path)
    phone.locator('[data-choosing="before"]').wait_for()
    assert "3 students are waiting for a buddy." in phone.content()
    screenshot(phone, "choosing-before-phone")
    axe_check(phone)

    window(intake, opens=-1, closes=6)  # the window opens
    phone.reload()
    phone.locator('[data-choosing="open"]').wait_for()
    cards = phone.locator("[data-student]")
    assert cards.count() == 2  # Kai is not listed
    assert "Lucia" in cards.first.inner_text()  # shared interests: best fit first
    body = phone.content()
    assert "lucia@example.org" not in body and "+34 6" not in body and "Kai" not in body
    screenshot(phone, "choosing-list-phone")
    axe_check(phone)
    phone.get_by_role("button", name="Choose Lucia").click()
    phone.get_by_text("Done: the student is yours.").wait_for()
    assert phone.locator("[data-student]").count() == 0  # capacity 1: full now
    screenshot(phone, "choosing-chosen-phone")
    axe_check(phone)
    match = Match.objects.get()
    assert (match.status, match.locked, match.source) == ("confirmed", True, "buddy")

    phone.goto(site + last_link("lucia@example.org", "/me/"))
    phone.get_by_role("heading", name="Your buddy").wait_for()
    assert "Paul" in phone.locator(".buddy-buddies").inner_text()
    screenshot(phone, "choosing-student-page-phone")
    axe_check(phone)

    window(intake, opens=-3, closes=-1)  # closed: the coordinator pairs the rest
    login(page, site)
    page.goto(f"{site}/admin/buddy/")
    page.locator('[data-todo="choosing_closed"]').wait_for()
    assert "2 students are still waiting" in page.locator('[data-choosing="closed"]').inner_text()
    screenshot(page, "choosing-coordinator-overview-desktop")
    axe_check(page)
    page.goto(f"{site}/admin/buddy/intake/{intake.pk}/proposals/?status=all")
    page.locator('[data-source="buddy"]').first.wait_for()
    screenshot(page, "choosing-coordinator-proposals-desktop")
    axe_check(page)
    page.locator('[data-action="undo-claim"]').click()
    page.locator("#undo-claim").wait_for()
    screenshot(page, "choosing-coordinator-pair-desktop")
    axe_check(page)
