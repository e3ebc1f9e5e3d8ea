"""Real Chromium and axe-core on the example site's home page (example_site/home), which
lists the section's programmes, at 1280 and 375 px."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from home.models import HomePage
from wagtail.models import Site

from tests.conftest import make_programme

pytestmark = [pytest.mark.usefixtures("buddy_cache"), pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("BUDDY_SHOTS", "/tmp/buddy-shots"))


@pytest.fixture
def example_home(wagtail_site):  # the site as recreated (flushed after every test)
    """The demo's shape: an ESN home page as the site root with two programmes under it."""
    home = wagtail_site.get_parent().add_child(instance=HomePage(
        title="ESN Example", slug="esn-home",
        body="<p>Welcome to ESN Example, the Erasmus Student Network section.</p>"))
    Site.objects.filter(is_default_site=True).update(root_page=home)
    for title in ("Buddy Programme", "Buddy Programme for PhD students"):
        make_programme(home, title)
    return home


@pytest.mark.parametrize("page_fixture", ["page", "phone_page"])
def test_home_page_passes_axe(live_server, example_home, axe_check, request, page_fixture):
    page = request.getfixturevalue(page_fixture)
    page.goto(live_server.url + "/")
    links = page.locator("main a")
    assert links.all_inner_texts() == ["Buddy Programme", "Buddy Programme for PhD students"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"example-home-{page_fixture}.png"), full_page=True)
    axe_check(page, "the example site's home page", enable=("target-size",))
