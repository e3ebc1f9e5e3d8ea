"""Real Chromium at 375 px: the French copy of a programme page shows its own texts and
interests, an international student reads their own commitment, and axe-core finds
nothing on either page (issue 26)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from wagtail.models import Locale

from tests.test_translated_copies import (
    COMMITMENT_INTERNATIONAL,
    COMMITMENT_LOCAL,
    french_copy,
    question,
)

pytestmark = [pytest.mark.usefixtures("buddy_cache"), pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("BUDDY_SHOTS", "/tmp/buddy-shots"))



@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 812},
                                  device_scale_factor=1, is_mobile=True, has_touch=True,
                                  locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_french_copy_at_375px(live_server, phone, programme, intake, interests, axe_check):
    programme.extra_questions = [question("Diet", ["Vegan", "Anything"])]
    programme.save_revision().publish()
    hiking = interests[0].copy_for_translation(Locale.objects.get_or_create(
        language_code="fr")[0])
    hiking.name = "Randonnée"
    hiking.save()
    copy = french_copy(programme)
    phone.goto(f"{live_server.url}{copy.url}")
    assert phone.locator(".buddy").get_attribute("lang") == "fr"
    text = phone.inner_text(".buddy")
    assert phone.inner_text("h1") == "Parrainage"
    assert COMMITMENT_LOCAL not in text and COMMITMENT_INTERNATIONAL not in text
    shoot(phone, "fr-programme-375")
    axe_check(phone, "French programme page")
    phone.goto(f"{live_server.url}{copy.url}signup/international/")
    phone.get_by_text("Lire la politique de confidentialité").click()
    legal = phone.locator(".buddy-legal").first
    assert "Nous conservons vos données" in legal.inner_text()
    assert legal.get_attribute("lang") == "fr"
    assert phone.locator("label[for=id_extra_diet]").inner_text().startswith(
        "Régime alimentaire")
    assert phone.get_by_text("Randonnée").count() >= 1
    body = phone.inner_text(".buddy")
    assert COMMITMENT_LOCAL not in body
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shoot(phone, "fr-signup-international-375")
    axe_check(phone, "French sign-up form (international)")
    phone.goto(f"{live_server.url}{copy.url}sent/?role=international")
    assert COMMITMENT_LOCAL not in phone.inner_text(".buddy")
    shoot(phone, "fr-sent-international-375")


def test_international_pages_in_english_at_375px(live_server, browser, programme, intake,
                                                 axe_check):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                  has_touch=True, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{programme.url}signup/international/")
        page.get_by_text("What taking part means").click()  # folded on the form
        body = page.inner_text(".buddy")
        assert COMMITMENT_INTERNATIONAL in body and COMMITMENT_LOCAL not in body
        shoot(page, "en-signup-international-375")
        axe_check(page, "English sign-up form (international)")
        page.goto(f"{live_server.url}{programme.url}sent/?role=international")
        body = page.inner_text(".buddy")
        assert COMMITMENT_INTERNATIONAL in body and COMMITMENT_LOCAL not in body
        shoot(page, "en-sent-international-375")
    finally:
        context.close()


def test_arabic_reader_gets_the_default_language_said_plainly(live_server, browser, settings,
                                                              programme, intake, axe_check):
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "Arabic")]
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                  has_touch=True, locale="ar")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/ar{programme.url}signup/international/")
        assert page.locator(".buddy").get_attribute("lang") == "en"
        assert "not available in العربية yet" in page.inner_text(".buddy-untranslated")
        assert page.locator("#id_preferred_language option[value=ar]").inner_text() == "العربية"
        shoot(page, "ar-signup-international-375")
        axe_check(page, "sign-up form for an Arabic reader")
    finally:
        context.close()
