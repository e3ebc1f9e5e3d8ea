"""Issue 25, part 2, in real Chromium: both students of an introduced pair tick their first
weeks' tasks from their private pages at 375 px (a press from a stale page gets a clear
answer and changes nothing), and the coordinator sees how far the pairs are, and the idle
one on the to-do overview, at 1280 px. axe-core checks every page; screenshots go to
docs/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import make_coordinator, make_participant
from tests.e2e.conftest import last_link
from tests.e2e.test_coordinator_journey import login
from wagtail_buddy.models import ChecklistTick, Match
from wagtail_buddy.services import checklist, introductions

pytestmark = [pytest.mark.usefixtures("buddy_cache", "interests"),
              pytest.mark.django_db(transaction=True)]


def introduced_pair(mentee, mentor, coordinator, weeks_ago: float = 0) -> Match:
    match = Match.objects.create(intake=mentee.intake, mentee=mentee, mentor=mentor,
                                 status=Match.Status.CONFIRMED, confirmed_at=timezone.now())
    introductions.send([Match.objects.select_related("mentee", "mentor").get(pk=match.pk)],
                       coordinator)
    if weeks_ago:
        Match.objects.filter(pk=match.pk).update(
            introduced_at=timezone.now() - timedelta(weeks=weeks_ago))
    return match


def task_row(phone, name: str):
    return phone.locator("li.buddy-task").filter(has_text=name)


def test_both_students_tick_and_the_coordinator_sees_progress(
        site, page, phone_page, programme, intake,
        screenshot, axe_check, django_user_model, django_capture_on_commit_callbacks):
    coordinator = make_coordinator(django_user_model, "coordinator", programme)
    lucia = make_participant(intake, "international", first_name="Lucia",
                             email="lucia@example.org", status="matched")
    paul = make_participant(intake, "local", first_name="Paul", email="paul@example.org",
                            status="matched", capacity=2)
    idle = make_participant(intake, "international", first_name="Maria",
                            email="maria@example.org", status="matched")
    with django_capture_on_commit_callbacks(execute=True):
        pair = introduced_pair(lucia, paul, coordinator)
    introduced_pair(idle, paul, coordinator, weeks_ago=4)  # nothing ticked since

    phone = phone_page
    phone.goto(site + last_link("lucia@example.org", "/me/"))
    phone.locator("#checklist").wait_for()
    assert phone.get_by_text("0 of 7 done").is_visible()
    screenshot(phone, "checklist-student-phone")
    axe_check(phone)
    task_row(phone, "Meet in person").get_by_role("button", name="Done").click()
    phone.get_by_role("status").get_by_text("Your checklist is saved.").wait_for()
    task_row(phone, "Find accommodation").get_by_role("button", name="Done").click()
    phone.get_by_text("2 of 7 done").wait_for()
    assert "done by you" in task_row(phone, "Meet in person").inner_text()
    screenshot(phone, "checklist-student-ticked-phone")
    axe_check(phone)

    # Paul has two students: one list each; he sees what Lucia ticked and adds his own.
    phone.goto(site + last_link("paul@example.org", "/me/"))
    lucia_list = phone.locator(f'[data-checklist="{pair.pk}"]')
    lucia_list.get_by_text("2 of 7 done").wait_for()
    assert phone.locator("[data-checklist]").count() == 2
    assert "done by Lucia" in lucia_list.locator("li.buddy-task").filter(
        has_text="Meet in person").inner_text()
    lucia_list.locator("li.buddy-task").filter(has_text="Open a bank account").get_by_role(
        "button", name="Done").click()
    lucia_list = phone.locator(f'[data-checklist="{pair.pk}"]')
    lucia_list.get_by_text("3 of 7 done").wait_for()
    screenshot(phone, "checklist-buddy-phone")
    axe_check(phone)

    # A stale page: Lucia ticks the SIM card meanwhile; Paul's press changes nothing.
    sim = next(t for t in checklist.tasks(programme.pk, "en") if t.name == "Get a local SIM card")
    checklist.tick(lucia, pair.pk, sim.pk)
    lucia_list.locator("li.buddy-task").filter(has_text="Get a local SIM card").get_by_role(
        "button", name="Done").click()
    phone.get_by_text("This task is already marked as done.").wait_for()
    screenshot(phone, "checklist-already-done-phone")
    axe_check(phone)
    phone.get_by_role("link", name="Back to your page").click()
    phone.locator(f'[data-checklist="{pair.pk}"]').get_by_text("4 of 7 done").wait_for()
    assert ChecklistTick.objects.filter(match=pair).count() == 4
    assert ChecklistTick.objects.filter(match=pair, ticked_by=paul).count() == 1

    login(page, site)
    page.goto(f"{site}/admin/buddy/")
    line = page.locator('[data-todo="checklist_idle"]')
    line.wait_for()
    assert line.locator("strong").inner_text() == "1"
    screenshot(page, "checklist-coordinator-overview-desktop")
    line.locator("a").click()
    page.locator("tr[data-match]").first.wait_for()
    assert page.locator("tr[data-match]").count() == 1
    assert "Maria" in page.locator("tr[data-match]").inner_text()
    page.get_by_role("navigation", name="Intake sections").get_by_role(
        "link", name="First weeks").click()
    page.locator(f'tr[data-match="{pair.pk}"]').get_by_text("4 of 7 done").wait_for()
    assert page.locator("tr[data-match]").count() == 2
    screenshot(page, "checklist-coordinator-progress-desktop")
    axe_check(page)
    login(phone, site)
    phone.goto(page.url)
    phone.locator(f'tr[data-match="{pair.pk}"]').get_by_text("4 of 7 done").wait_for()
    screenshot(phone, "checklist-coordinator-progress-phone")
    axe_check(phone)
