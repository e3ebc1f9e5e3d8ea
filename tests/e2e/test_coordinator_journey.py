"""A coordinator's evening in real Chromium: the to-do overview, run matching, review, swap,
re-run (the swap kept), cancel (the cancelled buddy never suggested again), pair a student
no buddy fits anyway, pair by hand, introduce, and find the emails in the outbox.
Screenshots of every view at 1280 px and 375 px go to docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.conftest import make_coordinator, make_participant
from wagtail_buddy.admin.modeladmin import participant_url
from wagtail_buddy.models import Match, MatchingRun, Participant
from wagtail_buddy.services.demo import create_demo_participants

pytestmark = pytest.mark.django_db(transaction=True)



def login(page, base: str, username: str = "coordinator") -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"))


def start_run(page, base: str, intake) -> MatchingRun:
    page.goto(f"{base}/admin/buddy/intake/{intake.pk}/matching/")
    page.click("[data-buddy-start]")
    page.wait_for_url(re.compile(r".*/admin/buddy/run/\d+/$"))
    # Progress is polled from the JSON endpoint until the run is finished.
    page.wait_for_selector("text=Review the proposals", timeout=60_000)
    assert page.inner_text("[data-buddy-percent]") == "100%"
    return MatchingRun.objects.get(pk=int(page.url.rstrip("/").split("/")[-1]))


def todo(page, key: str) -> int:
    return int(page.inner_text(f"[data-todo={key}] strong"))


def suggested(page) -> list[int]:
    """Buddies among the suggestions (not the near candidates a rule blocks)."""
    cards = page.locator("ol.buddy-suggestions:not([data-buddy-near] *) > .buddy-suggestion")
    return [int(cards.nth(i).get_attribute("data-mentor")) for i in range(cards.count())]


def test_coordinator_journey(live_server, page, phone_page, screenshot, intake,
                             django_user_model):
    make_coordinator(django_user_model, "coordinator", intake.programme)
    create_demo_participants(intake, 60, 40, seed=7)
    base = live_server.url
    login(page, base)

    # 0. Before any run the overview's to-do starts with the run, for every waiting student.
    page.goto(f"{base}/admin/buddy/")
    first_todo = page.locator(".buddy-todo li").first
    assert first_todo.get_attribute("data-todo") == "run"
    assert first_todo.inner_text().strip() == "Run matching for 60 waiting students"
    screenshot(page, "admin-dashboard-first-run")

    # 1. Run matching and watch it finish; the overview then lists what to do.
    first_todo.locator("a").click()
    page.wait_for_url(re.compile(rf".*/intake/{intake.pk}/matching/$"))
    assert "This run replaces 0 open proposals" in page.inner_text("[data-buddy-rerun]")
    screenshot(page, "admin-matching")
    first = start_run(page, base, intake)
    assert first.status == MatchingRun.Status.SUCCEEDED
    assert Match.objects.filter(run=first).count() == first.summary["proposed"] > 30
    screenshot(page, "admin-run")
    page.goto(f"{base}/admin/buddy/")
    assert todo(page, "proposals") == first.summary["proposed"]
    screenshot(page, "admin-dashboard")

    # 2. Review (weakest first, from the overview's link): confirm three, reject one.
    page.click("[data-todo=proposals] a")
    page.wait_for_url(re.compile(r".*/proposals/\?ordering=score$"))
    assert "% of the best possible" in page.inner_text("tr[data-match] .buddy-scale")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, "admin-proposals")
    rows = page.locator("tr[data-match]")
    confirmed_ids = [int(rows.nth(i).get_attribute("data-match")) for i in range(3)]
    for match_id in confirmed_ids:
        page.click(f"tr[data-match='{match_id}'] button[data-action=confirm]")
        page.wait_for_selector("text=Pair confirmed.")
    reject_row = page.locator("tr[data-match]").first
    rejected = Match.objects.get(pk=int(reject_row.get_attribute("data-match")))
    reject_row.locator("button[data-action=reject]").click()
    page.wait_for_selector("text=Pair rejected")
    assert set(Match.objects.filter(pk__in=confirmed_ids).values_list("status", flat=True)) \
        == {"confirmed"}
    assert Match.objects.get(pk=rejected.pk).status == "rejected"

    # 3. Swap a proposal's buddy for the best alternative.
    swap_row = page.locator("tr[data-match]").first
    swapped_id = int(swap_row.get_attribute("data-match"))
    swap_row.locator("text=Swap buddy").click()
    page.wait_for_selector("text=Alternatives, best first")
    screenshot(page, "admin-swap")
    new_mentor = suggested(page)[0]
    page.locator(f".buddy-suggestion[data-mentor='{new_mentor}'] button").click()
    page.wait_for_selector("text=Buddy swapped.")
    assert Match.objects.get(pk=swapped_id).mentor_id == new_mentor

    # 4. A student no buddy can fit signs up (she speaks only Icelandic).
    sigrun = make_participant(intake, "international", languages=("is",), first_name="Sigrun")

    # 5. Re-run: it says beforehand what it keeps; the swap, the confirmed pairs survive,
    #    the rejected pair is never proposed again.
    page.goto(f"{base}/admin/buddy/intake/{intake.pk}/matching/")
    warning = page.inner_text("[data-buddy-rerun]")
    replaced = Match.objects.filter(intake=intake, status="proposed", locked=False,
                                    source="engine").count()
    assert f"This run replaces {replaced} open proposals" in warning
    assert "It keeps 3 confirmed pairs, 0 locked proposals and 1 proposals you changed" \
        in warning
    second = start_run(page, base, intake)
    assert second.summary["kept"] == 4
    swapped = Match.objects.get(pk=swapped_id)
    assert swapped.status == "proposed" and swapped.mentor_id == new_mentor
    assert set(Match.objects.filter(pk__in=confirmed_ids).values_list("status", flat=True)) \
        == {"confirmed"}
    assert not Match.objects.filter(mentee=rejected.mentee_id, mentor=rejected.mentor_id,
                                    status__in=Match.ACTIVE).exists()
    page.goto(f"{base}/admin/buddy/intake/{intake.pk}/proposals/?status=confirmed")
    for match_id in confirmed_ids:
        assert page.locator(f"tr[data-match='{match_id}']").count() == 1

    # 6. Cancel a confirmed pair: an internal note, and the cancelled buddy is never
    #    suggested again for that student.
    cancelled = Match.objects.get(pk=confirmed_ids[0])
    page.goto(f"{base}/admin/buddy/match/{cancelled.pk}/")
    page.fill("#id_reason", "Buddy moves to Grenoble; told her in person")
    page.click("text=Cancel match")
    page.wait_for_selector("text=Match cancelled")
    page.goto(f"{base}/admin/buddy/participant/{cancelled.mentee_id}/pair/")
    page.wait_for_selector(".buddy-suggestion")
    assert cancelled.mentor_id not in suggested(page)
    screenshot(page, "admin-pair")

    # 7. The overview's to-do: the student no buddy fits, one click to pair her anyway.
    page.goto(f"{base}/admin/buddy/")
    assert todo(page, "blocked") == 1
    page.click("[data-todo=blocked] a")
    page.click(f"tr[data-participant='{sigrun.pk}'] >> text=Find a buddy")
    near = page.locator("[data-buddy-near] .buddy-suggestion").first
    assert "No common language (the student speaks Icelandic)" in near.inner_text()
    screenshot(page, "admin-pair-blocked")
    near.locator("button[data-buddy-pair-anyway]").click()
    page.wait_for_selector("text=Please give a reason to override the rule.")
    near = page.locator("[data-buddy-near] .buddy-suggestion").first
    near.locator("input[name=reason]").fill("She is learning English; her buddy agreed")
    near.locator("button[data-buddy-pair-anyway]").click()
    page.wait_for_selector("text=is paired with")
    sigrun.refresh_from_db()
    assert sigrun.status == Participant.Status.MATCHED

    # 8. Manual pairing: a late sign-up gets a buddy from the suggestions.
    late = make_participant(intake, "international", languages=("en", "fr"),
                            first_name="Latecomer")
    make_participant(intake, "local", languages=("en",), capacity=2, first_name="Helper")
    page.goto(f"{base}/admin/buddy/intake/{intake.pk}/waiting/?q=Latecomer")
    screenshot(page, "admin-waiting")
    page.click(f"tr[data-participant='{late.pk}'] >> text=Find a buddy")
    page.wait_for_selector(".buddy-suggestion")
    page.locator(".buddy-suggestion").first.locator("button").click()
    page.wait_for_selector("text=is paired with")
    late.refresh_from_db()
    assert late.status == Participant.Status.MATCHED
    manual = Match.objects.get(mentee=late, status="confirmed")
    page.fill("#id_note", "Meet at the Tuesday welcome drinks!")
    page.click("text=Save note")
    page.wait_for_selector("text=Note saved.")
    screenshot(page, "admin-match")

    # 9. Introductions: sent once, both sides, in the outbox.
    mail.outbox.clear()
    pending = Match.objects.filter(intake=intake, status="confirmed", introduced_at=None)
    expected = pending.count()
    assert expected == 4  # 3 confirmed - 1 cancelled + Sigrun + the latecomer
    page.goto(f"{base}/admin/buddy/")
    assert todo(page, "to_introduce") == expected
    page.click("[data-todo=to_introduce] a")
    screenshot(page, "admin-introductions")
    page.click("[data-buddy-send-all]")
    page.wait_for_selector("text=introductions queued")
    assert not pending.exists()
    assert len(mail.outbox) == 2 * expected
    to_late = next(m for m in mail.outbox if m.to == [late.email])
    assert manual.mentor.email in to_late.body
    assert "Meet at the Tuesday welcome drinks!" in to_late.body

    # 10. Cancelling an introduced pair shows the email the students will read.
    page.goto(f"{base}/admin/buddy/match/{manual.pk}/")
    page.fill("#id_message", "Your buddy fell ill; we are finding you another one.")
    assert "we are finding you another one" in page.inner_text("[data-buddy-cancel-echo]")
    screenshot(page, "admin-cancel")

    # 11. Statistics and the participant list.
    page.goto(f"{base}/admin/buddy/intake/{intake.pk}/stats/")
    assert page.locator("svg").count() >= 3
    screenshot(page, "admin-stats")
    page.goto(base + participant_url(intake=intake.pk))
    screenshot(page, "admin-participants")
    page.goto(base + participant_url(late.pk))
    assert "Latecomer" in page.content()
    screenshot(page, "admin-participant")

    # 12. The same views on a phone.
    login(phone_page, base)
    for name, path in [
        ("overview", "/admin/buddy/"),
        ("matching", f"/admin/buddy/intake/{intake.pk}/matching/"),
        ("run", f"/admin/buddy/run/{second.pk}/"),
        ("proposals", f"/admin/buddy/intake/{intake.pk}/proposals/"),
        ("swap", f"/admin/buddy/match/{swapped_id}/swap/"),
        ("pair", f"/admin/buddy/participant/{cancelled.mentee_id}/pair/"),
        ("introductions", f"/admin/buddy/intake/{intake.pk}/introductions/?show=all"),
        ("stats", f"/admin/buddy/intake/{intake.pk}/stats/"),
        ("participants", participant_url(intake=intake.pk)),
    ]:
        phone_page.goto(base + path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 380, f"{name} scrolls sideways on a phone ({width}px)"
        screenshot(phone_page, f"admin-phone-{name}")
