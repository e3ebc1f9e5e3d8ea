"""Mode "coordinator proposes, both accept" in real Chromium at 375 px: a student and her
buddy accept (the introduction follows), another buddy declines with a reason; the
coordinator sees it on the overview, the proposals list and the pair page (1280 px and
phone), runs matching again and finds the freed student first on the new proposals,
marked "left over last time". axe-core checks every page; screenshots go to
docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.conftest import make_coordinator, make_participant
from tests.e2e.conftest import last_link
from tests.e2e.test_coordinator_journey import login, start_run
from wagtail_buddy.models import Match, Participant
from wagtail_buddy.services import decisions

pytestmark = [pytest.mark.usefixtures("buddy_cache", "interests"),
              pytest.mark.django_db(transaction=True)]


def test_a_student_accepts_and_a_buddy_declines(
        site, page, phone_page, programme, intake, interests,
        screenshot, axe_check, django_user_model):
    programme.pairing_mode = "both_accept"
    programme.save(update_fields=["pairing_mode"])
    coordinator = make_coordinator(django_user_model, "coordinator", programme)
    lucia = make_participant(intake, "international", first_name="Lucia",
                             email="lucia@example.org", interests=interests[:2],
                             languages=("en", "es"))
    paul = make_participant(intake, "local", first_name="Paul", email="paul@example.org",
                            phone="+33 6 00 00 00 00", interests=interests[1:3], capacity=1)
    maria = make_participant(intake, "international", first_name="Maria",
                             email="maria@example.org", languages=("sv", "en"),
                             interests=interests[:3], faculty="Law")
    jonas = make_participant(intake, "local", first_name="Jonas", email="jonas@example.org",
                             capacity=1, languages=("sv",))
    first = Match.objects.create(intake=intake, mentee=lucia, mentor=paul)
    second = Match.objects.create(intake=intake, mentee=maria, mentor=jonas)
    decisions.confirm(list(Match.objects.filter(pk__in=[first.pk, second.pk])
                           .select_related("mentee", "mentor", "intake__programme")),
                      coordinator)

    phone = phone_page
    phone.goto(site + last_link("lucia@example.org", "/answer/"))
    phone.get_by_role("heading", name="Would you like Paul as your buddy?").wait_for()
    body = phone.content()
    assert "Cinema" in body and "paul@example.org" not in body and "+33 6" not in body
    screenshot(phone, "answer-proposal-phone")
    axe_check(phone)
    phone.get_by_role("button", name="Accept", exact=True).click()
    phone.get_by_text("Thank you: you have accepted.").wait_for()
    screenshot(phone, "answer-accepted-phone")
    axe_check(phone)

    phone.goto(site + last_link("paul@example.org", "/answer/"))
    phone.get_by_role("button", name="Accept", exact=True).click()
    phone.get_by_role("status").get_by_text("You have both accepted").wait_for()
    first.refresh_from_db()
    assert first.status == "confirmed" and first.introduced_at
    intro = [m for m in mail.outbox if m.to == ["lucia@example.org"]
             and m.extra_headers.get("X-Buddy-Purpose") == "introduction"]
    assert intro and "paul@example.org" in intro[0].body

    phone.goto(site + last_link("jonas@example.org", "/answer/"))
    phone.get_by_text("Decline", exact=True).click()  # opens the reason
    phone.get_by_label(re.compile("Reason")).fill("I am away in February")
    screenshot(phone, "answer-declining-phone")
    axe_check(phone)
    phone.get_by_role("button", name="Decline this proposal").click()
    phone.get_by_text("You have declined this proposal.").wait_for()
    screenshot(phone, "answer-declined-phone")
    axe_check(phone)
    second.refresh_from_db()
    assert (second.status, second.answers, second.end_reason) == (
        "rejected", "declined", "I am away in February")
    # The link again: a clear answer, nothing changes.
    phone.goto(phone.url.split("?")[0])
    phone.get_by_text("This proposal has ended").wait_for()

    coordinator_sees_the_answers(site, page, phone, intake, second, screenshot, axe_check)
    next_run_lists_the_freed_student_first(site, page, phone, intake, maria, interests,
                                           screenshot, axe_check)


def coordinator_sees_the_answers(base, page, phone, the_intake, declined, screenshot, axe_check):
    """Overview counts link to the filtered proposals; the pair page shows the reason."""
    login(page, base)
    page.goto(f"{base}/admin/buddy/")
    page.locator('[data-todo="answers_declined"]').wait_for()
    assert page.inner_text('[data-todo="answers_declined"] strong') == "1"
    assert page.inner_text('[data-todo="answers_waiting"] strong') == "0"
    screenshot(page, "answer-coordinator-overview-desktop")
    axe_check(page)
    page.locator('[data-todo="answers_declined"] a').click()
    page.locator('tr[data-match]').first.wait_for()
    assert page.locator('tr[data-match]').count() == 1
    assert page.locator(f'tr[data-match="{declined.pk}"] [data-answers="declined"]').count()
    screenshot(page, "answer-coordinator-declined-desktop")
    axe_check(page)
    page.goto(f"{base}/admin/buddy/match/{declined.pk}/")
    page.locator('dl[data-answers="declined"]').wait_for()
    # The reason, for coordinators only (Maria's answer page never shows it).
    assert page.inner_text("[data-decline-reason]") == "I am away in February"
    screenshot(page, "answer-coordinator-pair-desktop")
    axe_check(page)
    login(phone, base)
    for name, path in (("overview", "/admin/buddy/"),
                       ("declined", f"/admin/buddy/intake/{the_intake.pk}/proposals/"
                                    "?status=all&answers=declined"),
                       ("pair", f"/admin/buddy/match/{declined.pk}/")):
        phone.goto(base + path)
        phone.wait_for_load_state()
        screenshot(phone, f"answer-coordinator-{name}-phone")
        axe_check(phone)


def next_run_lists_the_freed_student_first(base, page, phone, the_intake, maria, topics,
                                           screenshot, axe_check):
    """Maria, freed by Jonas's decline, is marked left over; the next run pairs her with
    the one buddy she fits, and her proposal heads the list although it is the strongest
    (the list is otherwise weakest first)."""
    assert Participant.objects.get(pk=maria.pk).left_over_at is not None
    make_participant(the_intake, "local", first_name="Kai", email="kai@example.org", capacity=1,
                     languages=("sv", "en"), interests=topics[:3], faculty="Law")
    for n, (student, buddy) in enumerate((("Omar", "Lena"), ("Pia", "Max"))):
        make_participant(the_intake, "international", first_name=student, languages=("it",),
                         email=f"{student.lower()}@example.org", faculty="Physics")
        make_participant(the_intake, "local", first_name=buddy, languages=("it",), capacity=1,
                         email=f"{buddy.lower()}@example.org", faculty=f"Arts {n}")
    run = start_run(page, base, the_intake)
    proposals = Match.objects.filter(run=run, status="proposed").select_related("mentee")
    assert sorted(m.mentee.first_name for m in proposals) == ["Maria", "Omar", "Pia"]
    ours = proposals.get(mentee=maria)
    assert ours.mentor.first_name == "Kai" and ours.score == max(m.score for m in proposals)
    for p, suffix in ((page, "desktop"), (phone, "phone")):
        p.goto(f"{base}/admin/buddy/intake/{the_intake.pk}/proposals/")
        first = p.locator("tr[data-match]").first
        first.wait_for()
        assert first.get_attribute("data-match") == str(ours.pk)
        assert first.locator(f'[data-left-over="{maria.pk}"]').text_content() == \
            "Left over last time"
        assert p.locator("[data-left-over]").count() == 1
        screenshot(p, f"answer-next-run-proposals-{suffix}")
        axe_check(p)
    page.goto(f"{base}/admin/buddy/intake/{the_intake.pk}/proposals/?left_over=true")
    page.locator("tr[data-match]").first.wait_for()
    assert page.locator("tr[data-match]").count() == 1
