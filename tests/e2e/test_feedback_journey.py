"""End of the semester in real Chromium: a student answers the feedback email at 375 px, her
buddy downloads his certificate (its text read back), the coordinator sees the results and
downloads the XLSX at 1280 px. axe-core checks every page; screenshots go to
docs/screenshots/."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import make_coordinator, make_participant
from tests.e2e.conftest import last_link
from tests.e2e.test_coordinator_journey import login
from tests.pdf_text import pdf_text
from wagtail_buddy.models import Feedback, Match
from wagtail_buddy.services import feedback, tokens

pytestmark = [pytest.mark.usefixtures("buddy_cache", "interests"),
              pytest.mark.django_db(transaction=True)]
END = datetime(2027, 7, 1, 12, 0, tzinfo=UTC)  # the intake's end date


def test_feedback_answered_certificate_downloaded_results_seen(
        site, page, phone_page, programme, intake,
        screenshot, axe_check, django_user_model):
    make_coordinator(django_user_model, "coordinator", programme)
    lucia = make_participant(intake, "international", first_name="Lucia",
                             email="lucia@example.org", status="matched")
    nikos = make_participant(intake, "local", first_name="Νίκος", last_name="Παππάς",
                             email="nikos@example.org", status="matched")
    Match.objects.create(intake=intake, mentee=lucia, mentor=nikos, status="confirmed",
                         confirmed_at=timezone.now(), introduced_at=timezone.now())
    assert feedback.send_due_feedback(END) == 2
    phone = phone_page

    # The email's "Yes, we met" opens the questionnaire with that answer chosen.
    link = last_link("lucia@example.org", "/feedback/")
    assert link.endswith("?met=yes")
    phone.goto(site + link)
    phone.get_by_role("heading", name="Lucia, how was it with Νίκος?").wait_for()
    assert phone.get_by_label("Yes, we met").is_checked()
    assert not Feedback.objects.filter(answered_at__isnull=False).exists()
    phone.get_by_label("A few times a month").check()
    phone.locator('input[name="overall"][value="5"]').check()
    phone.locator('input[name="recommend"][value="yes"]').check()
    phone.get_by_label("Anything you want to tell the coordinators? (optional)").fill(
        "Νίκος showed me the whole city!")
    screenshot(phone, "feedback-form-phone")
    axe_check(phone)
    phone.get_by_role("button", name="Send my feedback").click()
    phone.get_by_text("Thank you for your feedback!").wait_for()
    screenshot(phone, "feedback-thanks-phone")
    axe_check(phone)
    row = Feedback.objects.get(participant=lucia)
    assert (row.met, row.frequency, row.overall, row.recommend) == ("yes", "monthly", 5, "yes")
    phone.goto(site + link)  # the link again: a clear answer, nothing changes
    phone.get_by_text("You have already answered").wait_for()

    # Lucia said they met: Nikos's private page offers the certificate.
    private = programme.url + programme.reverse_subpage(
        "participant", kwargs={"token": tokens.make_token(nikos, tokens.ACCESS)})
    phone.goto(site + private)
    offer = phone.locator("[data-certificate-offer]")
    offer.get_by_text("Thank you for welcoming 1 international student!").wait_for()
    offer.scroll_into_view_if_needed()
    screenshot(phone, "certificate-offer-phone")
    axe_check(phone)
    with phone.expect_download() as download:
        offer.get_by_role("link", name="Download the certificate (PDF)").click()
    path = download.value.path()
    text = pdf_text(open(path, "rb").read()).replace("\n", " ")
    assert "Νίκος Παππάς" in text and "welcomed 1 international student." in text
    offer = phone.locator("[data-certificate-offer]")
    offer.get_by_role("link", name="Show the certificate to print").click()
    phone.locator("[data-certificate]").get_by_text("Νίκος Παππάς").wait_for()
    screenshot(phone, "certificate-page-phone")
    axe_check(phone)

    # The coordinator at 375 px and 1280 px: the overview's feedback card links to the
    # results: figures, charts, the comment, the export.
    login(phone, site)
    phone.goto(f"{site}/admin/buddy/")
    phone.locator(".buddy-feedback-card").get_by_text("of 2 students answered").wait_for()
    phone.locator(".buddy-feedback-card").scroll_into_view_if_needed()
    screenshot(phone, "feedback-coordinator-overview-phone")
    axe_check(phone)
    login(page, site)
    page.goto(f"{site}/admin/buddy/")
    card = page.locator(f'[data-intake="{intake.pk}"] .buddy-feedback-card')
    assert "1 of 2 students answered · overall 5.0 of 5" in " ".join(card.inner_text().split())
    card.scroll_into_view_if_needed()
    screenshot(page, "feedback-coordinator-overview-desktop")
    axe_check(page)
    card.get_by_role("link", name="1 of 2 students answered").click()
    page.wait_for_url(f"{site}/admin/buddy/intake/{intake.pk}/feedback/")
    page.locator("[data-feedback-comments]").get_by_text(
        "Νίκος showed me the whole city!").wait_for()
    assert page.locator("svg.buddy-hbars").count() == 5
    screenshot(page, "feedback-coordinator-desktop")
    axe_check(page)
    page.locator("[data-feedback-comments]").scroll_into_view_if_needed()
    screenshot(page, "feedback-coordinator-comments-desktop")
    phone.goto(page.url)
    phone.locator("[data-feedback-comments]").get_by_text(
        "Νίκος showed me the whole city!").wait_for()
    screenshot(phone, "feedback-coordinator-phone")
    axe_check(phone)
    with page.expect_download() as download:
        page.locator("[data-feedback-export]").click()
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and "Νίκος showed me the whole city!" in [r[11] for r in rows]
    assert len([m for m in mail.outbox if "/feedback/" in m.body]) == 2
