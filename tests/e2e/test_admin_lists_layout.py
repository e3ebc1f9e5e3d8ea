"""The coordinator lists on Wagtail's generic listing (proposals, waiting list,
introductions) at 1280 px and on a phone (375 px), in real Chromium.

Measured: nothing scrolls sideways; the filters open from Wagtail's header and refresh the
results in place without covering them once closed; every criterion label of a score
breakdown is readable in full (no "…") and no bar runs under its points; axe-core finds
nothing. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_coordinator, make_participant
from tests.e2e.test_coordinator_journey import login
from wagtail_buddy.models import Match
from wagtail_buddy.services import decisions, runs
from wagtail_buddy.services.demo import create_demo_participants

pytestmark = pytest.mark.django_db(transaction=True)



@pytest.fixture
def matched_intake(intake, django_user_model):
    """60 students and 40 buddies after one run; three pairs confirmed."""
    coordinator = make_coordinator(django_user_model, "coordinator", intake.programme)
    create_demo_participants(intake, 60, 40, seed=7)
    runs.start_run(intake.programme, intake, coordinator, {})
    decisions.confirm(list(Match.objects.filter(intake=intake).order_by("pk")[:3]), coordinator)
    for n in range(6):  # late sign-ups: the waiting list
        make_participant(intake, "international", languages=("en",), first_name=f"Late{n}")
    return intake


# A label cut by its box, and any bar whose box meets its row's points.
BREAKDOWN = """() => {
  const cut = [...document.querySelectorAll('.buddy-breakdown__label')]
    .filter(l => l.scrollWidth > l.clientWidth + 1
                 || getComputedStyle(l).textOverflow === 'ellipsis')
    .map(l => l.textContent);
  const covered = [...document.querySelectorAll('.buddy-breakdown li')].filter(li => {
    const bar = li.querySelector('.buddy-bar').getBoundingClientRect();
    const points = li.querySelector('.buddy-breakdown__points').getBoundingClientRect();
    return bar.right > points.left && bar.left < points.right
      && bar.bottom > points.top && bar.top < points.bottom;
  }).map(li => li.textContent.trim());
  return {cut, covered, labels: document.querySelectorAll('.buddy-breakdown__label').length};
}"""


def lists(intake) -> dict[str, str]:
    base = f"/admin/buddy/intake/{intake.pk}"
    return {"proposals": f"{base}/proposals/", "waiting": f"{base}/waiting/",
            "introductions": f"{base}/introductions/?show=all"}


# Tabs not wholly inside the tab bar (cut off by its sideways scroll).
TABS_CUT = """() => {
  const bar = document.querySelector('.buddy-tabs').getBoundingClientRect();
  return [...document.querySelectorAll('.buddy-tab')].filter(tab => {
    const box = tab.getBoundingClientRect();
    return box.right > bar.right + 1 || box.left < bar.left - 1;
  }).map(tab => tab.textContent.trim());
}"""


def check_page(page, screenshot, axe_check, name: str, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, \
        f"{name} scrolls sideways at {width}px"
    assert page.evaluate(TABS_CUT) == [], f"{name}: tabs cut off at {width}px"
    assert page.locator("#listing-results table.listing tbody tr").count() > 0, name
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", page.inner_text("#listing-results")), \
        f"{name}: a US-style date"
    if name == "proposals":
        found = page.evaluate(BREAKDOWN)
        assert found["labels"] > 8
        assert found["cut"] == [], f"labels cut at {width}px: {found['cut'][:3]}"
        assert found["covered"] == [], f"bars over points at {width}px: {found['covered'][:3]}"
    axe_check(page, f"{name} at {width}px")


def test_lists_at_desktop_width(live_server, page, screenshot, axe_check, matched_intake):
    login(page, live_server.url)
    for name, path in lists(matched_intake).items():
        page.goto(live_server.url + path)
        screenshot(page, f"admin-{name}")
        check_page(page, screenshot, axe_check, name, 1280)
    # The filters open from the header and refresh only the results, URL kept in step.
    page.goto(live_server.url + lists(matched_intake)["proposals"])
    proposed = page.locator("tr[data-match]").count()
    page.locator("#filters-drilldown button").first.click()
    page.get_by_role("button", name=re.compile("Status")).click()
    screenshot(page, "admin-proposals-filters")
    page.get_by_label("Confirmed").check()
    page.wait_for_url(re.compile(r".*status=confirmed"))
    page.wait_for_function("document.querySelectorAll('tr[data-match]').length === 3")
    assert proposed > 3
    # Closed again (a click outside, as a coordinator would), nothing covers the table.
    page.locator("p.buddy-counts").first.click()
    page.wait_for_function("""() => ![...document.querySelectorAll('[data-tippy-root]')]
        .some(e => e.offsetParent !== null && e.getBoundingClientRect().height > 0)""")
    screenshot(page, "admin-proposals-filtered")
    assert page.locator("#listing-results table.listing").bounding_box()["height"] > 0
    # Sorting from a column header: highest score first.
    page.goto(live_server.url + lists(matched_intake)["proposals"])
    page.locator("th a", has_text="Score").click()
    page.wait_for_url(re.compile(r".*ordering=-score"))
    scores = [float(s) for s in page.eval_on_selector_all(
        "tr[data-match] .buddy-scale", "els => els.map(e => e.dataset.buddyScore)")]
    assert scores == sorted(scores, reverse=True) and len(scores) > 3


def test_lists_on_a_phone(live_server, phone_page, screenshot, axe_check, matched_intake):
    login(phone_page, live_server.url)
    for name, path in lists(matched_intake).items():
        phone_page.goto(live_server.url + path)
        screenshot(phone_page, f"admin-phone-{name}")
        check_page(phone_page, screenshot, axe_check, name, 380)


def test_overview_starts_with_the_first_run(live_server, page, screenshot, axe_check, intake,
                                            django_user_model):
    make_coordinator(django_user_model, "coordinator", intake.programme)
    create_demo_participants(intake, 30, 20, seed=5)
    login(page, live_server.url)
    page.goto(f"{live_server.url}/admin/buddy/")
    first = page.locator(".buddy-todo li").first
    assert first.get_attribute("data-todo") == "run"
    assert re.fullmatch(r"Run matching for \d+ waiting students", first.inner_text().strip())
    screenshot(page, "admin-overview-first-run")
    axe_check(page, "overview before the first run")
    first.locator("a").click()
    page.wait_for_url(re.compile(rf".*/intake/{intake.pk}/matching/$"))
