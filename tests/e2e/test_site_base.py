"""Real Chromium: the public pages styled and scripted inside a bakerydemo-shaped base
template (only a content block, an inline theme script, no padding around <main>) and the
example site's base, and the intake form's date pickers."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.install.conftest import site_templates  # noqa: F401  (fixture)

pytestmark = [pytest.mark.usefixtures("buddy_cache"), pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("BUDDY_SHOTS", "/tmp/buddy-shots"))



def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 375])
def test_signup_form_in_a_bakery_base_is_styled_and_searchable(
        live_server, browser, settings, site_templates, programme, intake, width):  # noqa: F811
    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = "bakery/base.html"
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{programme.url}signup/international/")
        assert page.inner_text("header.bakery-header") == "The Wagtail Bakery"
        # public.css applied: the cards get their border radius from it, not the browser.
        radius = page.eval_on_selector(".buddy-card", "e => getComputedStyle(e).borderRadius")
        assert radius not in ("", "0px")
        # public.js ran: the 184-language list has its filter box, and it filters.
        search = page.locator("input.buddy-filter").first
        search.fill("Portug")
        visible = page.locator("#id_languages label:visible")
        assert visible.count() >= 1
        assert all("Portug" in text for text in visible.all_inner_texts())
        width_px = page.evaluate("document.documentElement.scrollWidth")
        assert width_px <= width, "no horizontal scrolling"
        shoot(page, f"bakery-signup-{width}")
    finally:
        context.close()


BASES = {"example": "base.html", "bakery": "bakery/base.html"}
SIDE_MARGIN_PX = 12  # text this far from the screen edge at least, whatever the base pads


def text_edges(page) -> tuple[float, float]:
    """Leftmost and rightmost edge of the buddy text (headings and paragraphs)."""
    return page.evaluate("""() => {
        const boxes = [...document.querySelectorAll('.buddy h1, .buddy h2, .buddy p')]
            .map(e => e.getBoundingClientRect()).filter(r => r.width > 0);
        return [Math.min(...boxes.map(r => r.left)), Math.max(...boxes.map(r => r.right))];
    }""")


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("base", sorted(BASES))
def test_public_pages_keep_the_sites_scripts_and_their_margins(
        live_server, browser, settings, site_templates, programme, intake,  # noqa: F811
        axe_check, base, width):
    """No CSP of the app's own blocks the site's inline script; text keeps a side margin."""
    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = BASES[base]
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    try:
        for name, path in (("programme", ""), ("signup", "signup/international/")):
            page.goto(f"{live_server.url}{programme.url}{path}")
            if base == "bakery":  # the site's inline script ran before the page painted
                assert page.get_attribute("html", "data-theme") == "light"
            left, right = text_edges(page)
            assert left >= SIDE_MARGIN_PX and right <= width - SIDE_MARGIN_PX, (left, right)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            axe_check(page, f"{name} in {base} at {width}")
            shoot(page, f"{base}-{name}-{width}")
        assert page.locator("input.buddy-filter").count() >= 1  # public.js ran
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()


def test_a_dark_site_theme_keeps_the_buddy_text_readable(
        live_server, browser, settings, site_templates, programme, intake, axe_check):  # noqa: F811
    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = BASES["bakery"]
    context = browser.new_context(viewport={"width": 375, "height": 900}, locale="en-GB",
                                  color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{programme.url}signup/local/")
        assert page.get_attribute("html", "data-theme") == "dark"  # the inline script ran
        axe_check(page, "sign-up in the bakery's dark theme")  # colour contrast included
        shoot(page, "bakery-signup-dark-375")
    finally:
        context.close()


def test_intake_dates_use_wagtails_date_picker(live_server, page, programme, admin_user):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "password")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))
    page.goto(f"{live_server.url}/admin/buddy/intakes/new/")
    page.click("#id_starts_on")
    picker = page.locator(".xdsoft_datetimepicker:visible")
    picker.wait_for()
    assert picker.locator(".xdsoft_calendar").is_visible()
    shoot(page, "intake-date-picker")


@pytest.mark.parametrize("width", [1280, 375])
def test_a_translated_programme_in_a_bakery_base_is_french_and_keeps_the_sites_script(
        live_server, browser, settings, site_templates, programme, intake, axe_check,  # noqa: F811
        width):
    from django.utils import translation
    from wagtail.models import Locale

    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = BASES["bakery"]
    french = programme.copy_for_translation(Locale.objects.get_or_create(language_code="fr")[0],
                                            copy_parents=True)
    french.save_revision().publish()
    with translation.override("fr"):
        become, sign_up = translation.gettext("Become a buddy"), translation.gettext("Sign up")
    assert become != "Become a buddy"
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    page = context.new_page()
    try:
        for name, path in (("programme", ""), ("signup", "signup/local/")):
            page.goto(f"{live_server.url}{french.url}{path}")
            assert "/fr/" in page.url
            assert page.get_attribute("html", "data-theme") == "light"  # the site's script ran
            text = page.inner_text(".buddy")
            assert become in text or sign_up in text, text[:300]
            left, right = text_edges(page)
            assert left >= SIDE_MARGIN_PX and right <= width - SIDE_MARGIN_PX, (left, right)
            axe_check(page, f"French {name} in the bakery base at {width}")
            shoot(page, f"bakery-fr-{name}-{width}")
    finally:
        context.close()
