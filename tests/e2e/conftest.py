"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live server."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.core import mail

# Playwright's sync API runs an event loop in this thread; the tests still use the ORM
# between browser steps, which Django would refuse inside a running loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("BUDDY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


# Live-server tests commit for real and the database is flushed after each one. Playwright's
# event loop gives the test thread a fresh Django connection wrapper, so serialized rollback
# cannot restore the migrated rows: ``wagtail_site`` recreates what the tests need, and
# ``home_page`` puts the shared ``programme`` and ``intake`` fixtures (tests/conftest.py) on
# it. A journey module says ``pytestmark = [pytest.mark.usefixtures("buddy_cache",
# "interests"), pytest.mark.django_db(transaction=True)]``.


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="en-GB",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under docs/screenshots/ (committed, linked from the README)."""

    def take(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def axe_check():
    """``axe_check(page)``: axe-core (bundled by axe-playwright-python) finds no violation
    on the page as it is now; the assertion message lists each rule and element.
    ``enable`` turns on rules axe-core ships disabled (``target-size``, WCAG 2.2 AA)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, what: str = "", enable: tuple[str, ...] = ()) -> None:
        options = {"resultTypes": ["violations"],
                   "rules": {rule: {"enabled": True} for rule in enable}}
        violations = axe.run(page, options=options).response["violations"]
        report = [f"{v['id']} ({v['impact']}): {v['help']} -> "
                  + ", ".join(str(n["target"]) for n in v["nodes"]) for v in violations]
        assert not report, f"axe-core on {what or page.url}:\n" + "\n".join(report)

    return check


@pytest.fixture
def wagtail_site(transactional_db):
    """The root page, a home page as the default site, and the ISO language rows."""
    from wagtail.models import Locale, Page, Site

    from wagtail_buddy.vocabulary import ensure_languages

    ensure_languages()
    Locale.objects.get_or_create(language_code="en")
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        root = Page.get_first_root_node() or Page.add_root(
            instance=Page(title="Root", slug="root", locale=Locale.objects.get(
                language_code="en")))
        home = root.add_child(instance=Page(title="Home", slug="home"))
        site = Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return site.root_page


@pytest.fixture
def home_page(wagtail_site):
    """The site as the live-server tests recreate it (an earlier one flushed the database)."""
    return wagtail_site


@pytest.fixture
def site(live_server, settings, wagtail_site):
    settings.WAGTAILADMIN_BASE_URL = live_server.url  # links in emails point at the server
    return live_server.url


def last_link(to: str, fragment: str) -> str:
    """The path of the newest emailed link to ``to`` that contains ``fragment``."""
    for message in reversed(mail.outbox):
        if message.to == [to]:
            links = re.findall(r"https?://[^/\s]+(/[^\s\"'<>]+)", message.body)
            for link in links:
                if fragment in link:
                    return link
    raise AssertionError(f"no {fragment} link emailed to {to}: {[m.to for m in mail.outbox]}")
