"""The student journey in real Chromium: sign up, confirm from the email, edit, download,
withdraw; and a check-in answered from its email. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.conftest import make_participant, make_programme
from wagtail_buddy.models import CheckIn, Intake, Interest, Match, Participant
from wagtail_buddy.services.checkins import send_due_checkins

# Live-server tests commit for real and the database is flushed after each one. Playwright's
# event loop gives the test thread a fresh Django connection wrapper, so serialized rollback
# cannot restore the migrated rows: ``wagtail_site`` recreates what the tests need.
pytestmark = [pytest.mark.usefixtures("buddy_cache"), pytest.mark.django_db(transaction=True)]


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
def site(live_server, settings, wagtail_site):
    settings.WAGTAILADMIN_BASE_URL = live_server.url  # links in emails point at the server
    return live_server.url


@pytest.fixture
def programme(wagtail_site):
    return make_programme(wagtail_site)


@pytest.fixture
def intake(programme):
    return Intake.objects.create(programme=programme, name="Spring 2027",
                                 starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1))


@pytest.fixture(autouse=True)
def interests(programme):
    return [Interest.objects.get_or_create(programme=programme, name=n, slug=n.lower())[0]
            for n in ["Hiking", "Cinema", "Cooking", "Chess"]]


def last_link(to: str, fragment: str) -> str:
    """The path of the newest emailed link to ``to`` that contains ``fragment``."""
    for message in reversed(mail.outbox):
        if message.to == [to]:
            links = re.findall(r"https?://[^/\s]+(/[^\s\"'<>]+)", message.body)
            for link in links:
                if fragment in link:
                    return link
    raise AssertionError(f"no {fragment} link emailed to {to}: {[m.to for m in mail.outbox]}")


def both(page, phone_page, url: str, name: str, screenshot) -> None:
    for p, suffix in ((page, "desktop"), (phone_page, "phone")):
        p.goto(url)
        screenshot(p, f"student-{name}-{suffix}")


def test_local_signs_up_confirms_edits_downloads_and_withdraws(site, page, phone_page,
                                                               programme, intake, screenshot):
    # The programme page and its two entries.
    both(page, phone_page, site + programme.url, "programme", screenshot)
    page.goto(site + programme.url)
    page.get_by_role("link", name=re.compile("Become a buddy")).click()
    page.wait_for_url(re.compile("/signup/local/"))
    screenshot(page, "student-form-local-desktop")

    # Submitting an empty form: an error summary linking to fields, messages beside them.
    page.get_by_role("button", name="Sign up").click()
    summary = page.locator("#buddy-error-summary")
    summary.wait_for()
    assert summary.evaluate("el => el === document.activeElement")
    assert page.locator("#id_first_name_error").is_visible()
    assert page.locator("#id_first_name").get_attribute("aria-invalid") == "true"
    screenshot(page, "student-form-errors-desktop")

    page.fill("#id_first_name", "Camille")
    page.fill("#id_last_name", "Martin")
    page.fill("#id_email", "camille@example.org")
    page.fill("#id_birth_year", "2003")
    page.select_option("#id_nationality", "FR")
    page.fill("#id_university", "Université Lyon 2")
    page.fill("#id_available_from", "2027-01-20")
    page.select_option("#id_capacity", "2")
    # The languages list is enhanced with a filter: Enter ticks the first match.
    language_filter = page.locator("#id_languages_group .buddy-filter")
    language_filter.fill("French")
    language_filter.press("Enter")
    assert page.locator("#id_languages_group .buddy-chip").first.inner_text().startswith(
        "French")
    page.check("#id_languages_group input[value=en]")
    page.locator("#id_interests_group label", has_text="Cinema").click()
    page.check("#id_consent")
    page.check("#id_charter")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile("/sent/"))
    assert "Check your inbox" in page.content()
    screenshot(page, "student-sent-desktop")

    camille = Participant.objects.get(email="camille@example.org")
    assert camille.status == "unconfirmed"
    assert sorted(camille.languages.values_list("code", flat=True)) == ["en", "fr"]

    # Confirm through the emailed link, then open the private page.
    page.goto(site + last_link("camille@example.org", "/confirm/"))
    page.get_by_role("button", name="Confirm my sign-up").click()
    page.get_by_role("heading", name=re.compile("your email is confirmed")).wait_for()
    screenshot(page, "student-confirmed-desktop")
    page.get_by_role("link", name="Go to my private page").click()
    page.wait_for_url(re.compile("/me/"))
    camille.refresh_from_db()
    assert camille.status == "waiting"
    screenshot(page, "student-private-desktop")

    # Edit the profile.
    page.fill("#id_university", "INSA Lyon")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"saved=1"))
    assert page.get_by_text("Your changes are saved.").is_visible()
    camille.refresh_from_db()
    assert camille.university == "INSA Lyon"

    # Download the data.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download my data (JSON)").click()
    data = json.loads(open(info.value.path(), encoding="utf-8").read())
    assert data["email"] == "camille@example.org" and data["university"] == "INSA Lyon"

    # Withdraw.
    private_url = page.url
    page.get_by_role("link", name="Withdraw from the programme").click()
    screenshot(page, "student-withdraw-desktop")
    page.get_by_role("button", name="Yes, withdraw").click()
    page.get_by_role("heading", name="You have withdrawn").wait_for()
    camille.refresh_from_db()
    assert camille.status == "withdrawn" and camille.withdrawn_at
    page.goto(private_url)
    assert "This link does not work" in page.content()
    assert "camille@example.org" not in page.content()
    screenshot(page, "student-invalid-link-desktop")
    both(page, phone_page, site + programme.url + "link/", "request-link", screenshot)


def test_international_on_a_phone_and_a_checkin(site, page, phone_page, programme, intake,
                                                screenshot):
    phone = phone_page
    phone.goto(site + programme.url)
    phone.get_by_role("link", name=re.compile("Get a buddy")).click()
    phone.wait_for_url(re.compile("/signup/international/"))
    screenshot(phone, "student-form-international-phone")
    phone.get_by_role("button", name="Sign up").click()
    phone.locator("#buddy-error-summary").wait_for()
    screenshot(phone, "student-form-errors-phone")
    phone.fill("#id_first_name", "Lucía")
    phone.fill("#id_last_name", "Pérez")
    phone.fill("#id_email", "lucia@example.org")
    phone.fill("#id_birth_year", "2004")
    phone.select_option("#id_nationality", "ES")
    phone.fill("#id_university", "Université Lyon 3")
    phone.fill("#id_home_university", "Universidad de Granada")
    phone.fill("#id_arrival_date", "2027-02-03")
    phone.check("#id_languages_group input[value=es]")
    phone.check("#id_consent")
    phone.check("#id_charter")
    phone.get_by_role("button", name="Sign up").click()
    phone.wait_for_url(re.compile("/sent/"))
    screenshot(phone, "student-sent-phone")

    phone.goto(site + last_link("lucia@example.org", "/me/"))  # the private link can confirm
    lucia = Participant.objects.get(email="lucia@example.org")
    assert lucia.status == "unconfirmed"  # opening it is not enough
    phone.get_by_role("button", name="Confirm my sign-up").click()
    phone.get_by_text("Your email is confirmed").wait_for()
    lucia.refresh_from_db()
    assert lucia.status == "waiting"
    screenshot(phone, "student-private-phone")
    page.goto(phone.url)
    screenshot(page, "student-private-edit-desktop")

    # Matched and introduced four weeks ago: the buddy shows up and a check-in goes out.
    paul = make_participant(intake, "local", first_name="Paul", email="paul@example.org",
                            phone="+33 6 00 00 00 00", status="matched")
    Participant.objects.filter(pk=lucia.pk).update(status="matched")
    match = Match.objects.create(intake=intake, mentee=lucia, mentor=paul, status="confirmed",
                                 confirmed_at=timezone.now(),
                                 introduced_at=timezone.now() - timedelta(weeks=4))
    phone.reload()
    assert phone.get_by_text("paul@example.org").is_visible()
    screenshot(phone, "student-private-matched-phone")
    page.goto(phone.url)
    screenshot(page, "student-private-matched-desktop")

    assert send_due_checkins() == 2
    link = last_link("lucia@example.org", "/checkin/").split("?")[0]
    phone.goto(site + link + "?answer=met")
    assert phone.locator("input[name=answer][value=met]").is_checked()
    assert CheckIn.objects.get(match=match, participant=lucia).answer == ""  # not sent yet
    screenshot(phone, "student-checkin-phone")
    page.goto(site + link)
    screenshot(page, "student-checkin-desktop")
    phone.check("input[name=rating][value='4']")
    phone.fill("#id_comment", "We went hiking!")
    phone.get_by_role("button", name="Send my answer").click()
    phone.get_by_role("heading", name="Thank you for your answer!").wait_for()
    checkin = CheckIn.objects.get(match=match, participant=lucia)
    assert (checkin.answer, checkin.rating, checkin.comment) == ("met", 4, "We went hiking!")
