"""A coordinator's evening in real Chromium: run matching, review, re-run, pair by hand,
introduce, and find the emails in the outbox. Screenshots of every view go to docs/."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.conftest import make_coordinator, make_participant
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


def test_coordinator_journey(live_server, page, phone_page, screenshot, intake,
                             django_user_model):
    coordinator = make_coordinator(django_user_model, "coordinator", intake.programme)
    create_demo_participants(intake, 60, 40, seed=7)
    base = live_server.url
    login(page, base)
    assert "Buddy System" in page.content()
    screenshot(page, "admin-dashboard")

    # 1. Run matching and watch it finish.
    page.goto(f"{base}/admin/buddy/intake/{intake.pk}/matching/")
    screenshot(page, "admin-matching")
    first = start_run(page, base, intake)
    assert first.status == MatchingRun.Status.SUCCEEDED
    assert Match.objects.filter(run=first).count() == first.summary["proposed"] > 30
    screenshot(page, "admin-run")

    # 2. Review: confirm three proposals, reject one.
    page.goto(f"{base}/admin/buddy/intake/{intake.pk}/proposals/")
    screenshot(page, "admin-proposals")
    rows = page.locator("tr[data-match]")
    confirmed_ids = [int(rows.nth(i).get_attribute("data-match")) for i in range(3)]
    for match_id in confirmed_ids:
        page.click(f"tr[data-match='{match_id}'] button[data-action=confirm]")
        page.wait_for_selector("text=Pair confirmed.")
    reject_row = page.locator("tr[data-match]").first
    rejected_id = int(reject_row.get_attribute("data-match"))
    rejected = Match.objects.get(pk=rejected_id)
    reject_row.locator("button[data-action=reject]").click()
    page.wait_for_selector("text=Pair rejected")
    assert set(Match.objects.filter(pk__in=confirmed_ids).values_list("status", flat=True)) \
        == {"confirmed"}
    assert Match.objects.get(pk=rejected_id).status == "rejected"

    # 3. Swap view renders ranked alternatives.
    swap_row = page.locator("tr[data-match]").first
    swap_row.locator("text=Swap buddy").click()
    page.wait_for_selector("text=Alternatives, best first")
    screenshot(page, "admin-swap")

    # 4. Re-run: confirmed pairs kept, the rejected pair never proposed again.
    second = start_run(page, base, intake)
    assert second.summary["kept"] >= 3
    assert set(Match.objects.filter(pk__in=confirmed_ids).values_list("status", flat=True)) \
        == {"confirmed"}
    assert not Match.objects.filter(mentee=rejected.mentee_id, mentor=rejected.mentor_id,
                                    status__in=Match.ACTIVE).exists()
    page.goto(f"{base}/admin/buddy/intake/{intake.pk}/proposals/?status=all&order=-score")
    for match_id in confirmed_ids:
        assert page.locator(f"tr[data-match='{match_id}']").count() == 1 or \
            Match.objects.get(pk=match_id).status == "confirmed"

    # 5. Manual pairing: a late sign-up gets a buddy from the suggestions.
    late = make_participant(intake, "international", languages=("en", "fr"),
                            first_name="Latecomer")
    make_participant(intake, "local", languages=("en",), capacity=2, first_name="Helper")
    page.goto(f"{base}/admin/buddy/intake/{intake.pk}/waiting/")
    screenshot(page, "admin-waiting")
    page.click(f"tr[data-participant='{late.pk}'] >> text=Find a buddy")
    page.wait_for_selector(".buddy-suggestion")
    screenshot(page, "admin-pair")
    page.locator(".buddy-suggestion").first.locator("button").click()
    page.wait_for_selector("text=is paired with")
    late.refresh_from_db()
    assert late.status == Participant.Status.MATCHED
    manual = Match.objects.get(mentee=late, status="confirmed")
    page.fill("#id_note", "Meet at the Tuesday welcome drinks!")
    page.click("text=Save note")
    page.wait_for_selector("text=Note saved.")
    screenshot(page, "admin-match")

    # 6. Introductions: sent once, both sides, in the outbox.
    mail.outbox.clear()
    page.goto(f"{base}/admin/buddy/intake/{intake.pk}/introductions/")
    screenshot(page, "admin-introductions")
    page.click("[data-buddy-send-all]")
    page.wait_for_selector("text=introductions queued")
    introduced = Match.objects.filter(intake=intake, status="confirmed")
    assert introduced.count() == 4 and not introduced.filter(introduced_at=None).exists()
    assert len(mail.outbox) == 8
    to_late = next(m for m in mail.outbox if m.to == [late.email])
    assert manual.mentor.email in to_late.body
    assert "Meet at the Tuesday welcome drinks!" in to_late.body

    # 7. Statistics and the participant list.
    page.goto(f"{base}/admin/buddy/intake/{intake.pk}/stats/")
    assert page.locator("svg").count() >= 3
    screenshot(page, "admin-stats")
    page.goto(f"{base}/admin/wagtail_buddy/participant/?intake={intake.pk}")
    screenshot(page, "admin-participants")
    page.goto(f"{base}/admin/wagtail_buddy/participant/inspect/{late.pk}/")
    assert "Latecomer" in page.content()
    screenshot(page, "admin-participant")

    # 8. The same views on a phone.
    login(phone_page, base)
    for name, path in [
        ("matching", f"/admin/buddy/intake/{intake.pk}/matching/"),
        ("run", f"/admin/buddy/run/{second.pk}/"),
        ("proposals", f"/admin/buddy/intake/{intake.pk}/proposals/"),
        ("pair", f"/admin/buddy/participant/{late.pk}/pair/"),
        ("introductions", f"/admin/buddy/intake/{intake.pk}/introductions/?show=all"),
        ("stats", f"/admin/buddy/intake/{intake.pk}/stats/"),
    ]:
        phone_page.goto(base + path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 380, f"{name} scrolls sideways on a phone ({width}px)"
        screenshot(phone_page, f"admin-phone-{name}")
    assert coordinator.pk
