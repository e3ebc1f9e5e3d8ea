"""Real Chromium in a site translated with wagtail-localize, whose base template is shaped
like bakerydemo's: the French programme page and sign-up form, served by the site's own
``runserver`` with its own settings (tests/install/localize_settings.py), show the French
texts a translator entered in wagtail-localize, keep the site's inline script working and
pass axe-core, at desktop and phone width."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.install.localize_site import ROOT, build_site

NAMES = {1280: "desktop", 375: "phone"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def localize_site(tmp_path_factory):
    """The translated site behind its own development server (static files included)."""
    env = build_site(tmp_path_factory.mktemp("localize-site"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--insecure",
         f"127.0.0.1:{port}"], cwd=ROOT / "example_site", env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/fr/buddy/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the wagtail-localize site's runserver did not answer")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("width", [1280, 375])
def test_the_french_copy_in_a_wagtail_localize_site(localize_site, browser, axe_check,
                                                     screenshot, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        for name, path, french in (
                ("programme", "", "Parrainage"),
                ("signup", "signup/local/", "Nous conservons vos données.")):
            page.goto(f"{localize_site}/fr/buddy/{path}")
            assert page.get_attribute("html", "data-theme") == "light"  # the site's script ran
            assert page.inner_text("header.bakery-header") == "The Wagtail Bakery"
            assert page.get_attribute(".buddy", "lang") == "fr"
            text = page.text_content(".buddy")  # folded sections (the notice) included
            assert french in text, text[:400]
            if name == "signup":
                assert "Un régime alimentaire ?" in text and "Randonnée" in text
                assert "Any diet?" not in text and "Hiking" not in text
                assert page.locator("input.buddy-filter").count() >= 1  # public.js ran
                # Unfold the commitment and the privacy notice: the shot shows the French
                # notice, and axe-core checks it too.
                page.eval_on_selector_all(".buddy details", "ds => ds.forEach(d => d.open = true)")
                assert page.is_visible("text=Nous conservons vos données.")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            axe_check(page, f"French {name} in the wagtail-localize site at {width}")
            screenshot(page, f"localize-fr-{name}-{NAMES[width]}")
    finally:
        context.close()
