"""The participant list is readable at 1280 px, 1440 px and on a phone (375 px).

Measured in real Chromium: the filters never cover the table, no column header or cell
breaks a word in the middle, every column (the sign-up date included) is reachable, and on
a phone the first participant is on the first screen with the filters collapsed.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_coordinator
from tests.e2e.test_coordinator_journey import login
from wagtail_buddy.admin.modeladmin import participant_url
from wagtail_buddy.services.demo import create_demo_participants

pytestmark = pytest.mark.django_db(transaction=True)


# Words split across lines inside one cell: a word's letters on two different lines.
MID_WORD_BREAKS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('.listing thead th, .listing tbody td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /[^\\s\\-\u2010]+/g; let m;  // a break after a hyphen is fine
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


def layout(page) -> dict:
    return page.evaluate("""() => {
      const box = el => el ? el.getBoundingClientRect().toJSON() : null;
      const table = document.querySelector('.listing');
      const filters = document.querySelector('[data-buddy-filters]');
      const head = [...document.querySelectorAll('.listing thead th')]
        .map(th => th.innerText.trim());
      const firstRow = document.querySelector('.listing tbody tr');
      return {table: box(table), filters: box(filters), head,
              firstRow: box(firstRow), width: document.documentElement.scrollWidth,
              viewport: window.innerWidth};
    }""")


def overlaps(a: dict, b: dict) -> bool:
    return not (a["right"] <= b["left"] or b["right"] <= a["left"]
                or a["bottom"] <= b["top"] or b["bottom"] <= a["top"])


@pytest.mark.parametrize("width", [1280, 1440])
def test_desktop_list_is_readable(live_server, browser, screenshot, intake, django_user_model,
                                  width):
    make_coordinator(django_user_model, "coordinator", intake.programme)
    create_demo_participants(intake, 30, 20, seed=5)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    login(page, live_server.url)
    page.goto(live_server.url + participant_url(intake=intake.pk))
    found = layout(page)
    screenshot(page, f"admin-participants-{width}")
    assert "buddy" in [h.lower() for h in found["head"]]
    assert "waiting since" in [h.lower() for h in found["head"]]
    assert found["width"] <= width, "the page scrolls sideways"
    assert not overlaps(found["filters"], found["table"]), "the filters cover the table"
    page.click("[data-buddy-filters] > summary")  # opened, they push the table down
    opened = layout(page)
    assert opened["filters"]["height"] > 100
    assert not overlaps(opened["filters"], opened["table"]), "the open filters cover the table"
    screenshot(page, f"admin-participants-{width}-filters")
    page.click("[data-buddy-filters] > summary")
    signed_up = page.locator(".listing thead th", has_text="Signed up")
    assert signed_up.count() == 1
    box = signed_up.bounding_box()
    assert box["x"] + box["width"] <= width, "the sign-up date is off screen"
    assert page.evaluate(MID_WORD_BREAKS) == []
    # Dates in the admin user's locale, never the US month/day/year.
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", page.inner_text(".listing"))
    # Rows as dense as the neighbouring buddy lists': the same cell padding and text size.
    cell = page.evaluate("""() => { const td = document.querySelector('.listing tbody td');
      const s = getComputedStyle(td); return [s.paddingTop, s.fontSize, s.lineHeight]; }""")
    page.goto(f"{live_server.url}/admin/buddy/intake/{intake.pk}/waiting/")
    neighbour = page.evaluate("""() => { const td = document.querySelector('.listing tbody td');
      const s = getComputedStyle(td); return [s.paddingTop, s.fontSize, s.lineHeight]; }""")
    assert cell == neighbour
    context.close()


def test_phone_list_shows_participants_first(live_server, phone_page, screenshot, intake,
                                             django_user_model):
    make_coordinator(django_user_model, "coordinator", intake.programme)
    create_demo_participants(intake, 30, 20, seed=5)
    login(phone_page, live_server.url)
    phone_page.goto(live_server.url + participant_url(intake=intake.pk))
    found = layout(phone_page)
    screenshot(phone_page, "admin-phone-participants")
    assert found["width"] <= 380, "the page scrolls sideways"
    assert phone_page.locator("[data-buddy-filters]").get_attribute("open") is None
    assert found["firstRow"]["top"] < 812, "the first participant is below the first screen"
    assert phone_page.evaluate(MID_WORD_BREAKS) == []
