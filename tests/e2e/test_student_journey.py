"""The student journey in real Chromium: sign up, confirm from the email, edit, download,
withdraw, then delete from a fresh link; the same in French from the programme page; a
check-in answered from its email; the form's length on a phone. axe-core checks every
page. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from tests.conftest import make_participant
from tests.e2e.conftest import last_link
from wagtail_buddy.models import CheckIn, Match, Participant
from wagtail_buddy.services.checkins import send_due_checkins
from wagtail_buddy.services.demo import ensure_interests, translate_page

pytestmark = [pytest.mark.usefixtures("buddy_cache", "interests"),
              pytest.mark.django_db(transaction=True)]


def both(page, phone_page, url: str, name: str, screenshot, axe_check=None) -> None:
    for p, suffix in ((page, "desktop"), (phone_page, "phone")):
        p.goto(url)
        screenshot(p, f"student-{name}-{suffix}")
        if axe_check:
            axe_check(p)


def test_local_signs_up_confirms_edits_downloads_withdraws_and_deletes(
        site, page, phone_page, programme, intake, screenshot, axe_check):
    # The programme page and its two entries.
    both(page, phone_page, site + programme.url, "programme", screenshot, axe_check)
    page.goto(site + programme.url)
    page.get_by_role("link", name=re.compile("Become a buddy")).click()
    page.wait_for_url(re.compile("/signup/local/"))
    screenshot(page, "student-form-local-desktop")
    axe_check(page)

    # Submitting an empty form: an error summary linking to fields, messages beside them.
    page.get_by_role("button", name="Sign up").click()
    summary = page.locator("#buddy-error-summary")
    summary.wait_for()
    assert summary.evaluate("el => el === document.activeElement")
    assert page.locator("#id_first_name_error").is_visible()
    assert page.locator("#id_first_name").get_attribute("aria-invalid") == "true"
    # Invalid fields are visibly marked: the error colour wins over the grey border.
    for field in ("#id_first_name", "#id_email"):
        assert page.locator(field).evaluate("el => getComputedStyle(el).borderTopColor") \
            == "rgb(196, 0, 47)", field
    screenshot(page, "student-form-errors-desktop")
    axe_check(page)

    page.fill("#id_first_name", "Camille")
    page.fill("#id_last_name", "Martin")
    page.fill("#id_email", "camille@example.org")
    page.fill("#id_birth_year", "2003")
    page.select_option("#id_nationality", "FR")
    page.fill("#id_university", "Université Lyon 2")
    page.fill("#id_available_from", "2027-01-20")
    page.select_option("#id_capacity", "2")
    # The languages list is a search box over a few suggestions: Enter ticks the first
    # match, which stays shown; untouched options are hidden.
    language_filter = page.locator("#id_languages_group .buddy-filter")
    language_filter.fill("Japan")
    language_filter.press("Enter")
    assert page.locator("#id_languages_group input[value=ja]").is_checked()
    assert page.locator("#id_languages_group input[value=ja]").is_visible()
    assert not page.locator("#id_languages_group input[value=ko]").is_visible()
    page.check("#id_languages_group input[value=fr]")  # a suggestion
    axe_check(page)
    page.locator("#id_interests_group label", has_text="Cinema").click()
    page.check("#id_consent")
    page.check("#id_charter")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile("/sent/"))
    assert "Check your inbox" in page.content()
    screenshot(page, "student-sent-desktop")

    camille = Participant.objects.get(email="camille@example.org")
    assert camille.status == "unconfirmed"
    assert sorted(camille.languages.values_list("code", flat=True)) == ["fr", "ja"]
    axe_check(page)

    # Confirm through the emailed link, then open the private page.
    page.goto(site + last_link("camille@example.org", "/confirm/"))
    page.get_by_role("button", name="Confirm my sign-up").click()
    page.get_by_role("heading", name=re.compile("your email is confirmed")).wait_for()
    screenshot(page, "student-confirmed-desktop")
    axe_check(page)
    page.get_by_role("link", name="Go to my private page").click()
    page.wait_for_url(re.compile("/me/"))
    camille.refresh_from_db()
    assert camille.status == "waiting"
    screenshot(page, "student-private-desktop")
    axe_check(page)

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
    axe_check(page)
    page.get_by_role("button", name="Yes, withdraw").click()
    page.get_by_role("heading", name="You have withdrawn").wait_for()
    camille.refresh_from_db()
    assert camille.status == "withdrawn" and camille.withdrawn_at
    assert page.get_by_role("link", name="Delete everything now").is_visible()
    screenshot(page, "student-withdrawn-desktop")
    axe_check(page)
    page.goto(private_url)
    assert "This link does not work" in page.content()
    assert "camille@example.org" not in page.content()
    screenshot(page, "student-invalid-link-desktop")
    axe_check(page)
    both(page, phone_page, site + programme.url + "link/", "request-link", screenshot, axe_check)

    # Later, from the "link does not work" page: a fresh link that can still delete.
    page.goto(private_url)
    page.fill("#id_email", "camille@example.org")
    page.check("input[name=role][value=local]")
    page.get_by_role("button", name="Email me a new link").click()
    page.wait_for_url(re.compile("/sent/"))
    phone_page.goto(site + last_link("camille@example.org", "/me/"))
    assert phone_page.get_by_text("You have withdrawn from the programme.").is_visible()
    assert phone_page.locator("#id_first_name").count() == 0  # read-only now
    assert phone_page.get_by_role("link", name="Withdraw from the programme").count() == 0
    screenshot(phone_page, "student-withdrawn-private-phone")
    axe_check(phone_page)
    phone_page.get_by_role("link", name="Delete everything").click()
    screenshot(phone_page, "student-delete-phone")
    axe_check(phone_page)
    phone_page.get_by_role("button", name="Yes, delete everything").click()
    phone_page.get_by_role("heading", name="Your data is deleted").wait_for()
    axe_check(phone_page)
    assert not Participant.objects.filter(email="camille@example.org").exists()


def fill_international_form(phone, email: str) -> None:
    """Lucía's answers to every required field of the international sign-up form."""
    phone.fill("#id_first_name", "Lucía")
    phone.fill("#id_last_name", "Pérez")
    phone.fill("#id_email", email)
    phone.fill("#id_birth_year", "2004")
    phone.select_option("#id_nationality", "ES")
    phone.fill("#id_university", "Université Lyon 3")
    phone.fill("#id_home_university", "Universidad de Granada")
    phone.fill("#id_arrival_date", "2027-02-03")
    phone.check("#id_languages_group input[value=es]")
    phone.check("#id_consent")
    phone.check("#id_charter")


def test_international_on_a_phone_and_a_checkin(site, page, phone_page, programme, intake,
                                                screenshot, axe_check):
    phone = phone_page
    phone.goto(site + programme.url)
    phone.get_by_role("link", name=re.compile("Get a buddy")).click()
    phone.wait_for_url(re.compile("/signup/international/"))
    screenshot(phone, "student-form-international-phone")
    phone.get_by_role("button", name="Sign up").click()
    phone.locator("#buddy-error-summary").wait_for()
    screenshot(phone, "student-form-errors-phone")
    axe_check(phone)
    fill_international_form(phone, "lucia@example.org")
    phone.get_by_role("button", name="Sign up").click()
    phone.wait_for_url(re.compile("/sent/"))
    screenshot(phone, "student-sent-phone")
    axe_check(phone)

    phone.goto(site + last_link("lucia@example.org", "/me/"))  # the private link can confirm
    lucia = Participant.objects.get(email="lucia@example.org")
    assert lucia.status == "unconfirmed"  # opening it is not enough
    phone.get_by_role("button", name="Confirm my sign-up").click()
    phone.get_by_text("Your email is confirmed").wait_for()
    lucia.refresh_from_db()
    assert lucia.status == "waiting"
    screenshot(phone, "student-private-phone")
    axe_check(phone)
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
    axe_check(phone)
    page.goto(site + link)
    screenshot(page, "student-checkin-desktop")
    phone.check("input[name=rating][value='4']")
    phone.fill("#id_comment", "We went hiking!")
    phone.get_by_role("button", name="Send my answer").click()
    phone.get_by_role("heading", name="Thank you for your answer!").wait_for()
    checkin = CheckIn.objects.get(match=match, participant=lucia)
    assert (checkin.answer, checkin.rating, checkin.comment) == ("met", 4, "We went hiking!")


def french(text: str) -> str:
    with translation.override("fr"):
        return translation.gettext(text)


def test_french_from_the_programme_page_to_the_private_page(site, page, phone_page, programme,
                                                           intake, screenshot, axe_check):
    """The switcher keeps the page; the form, the email and its links stay French."""
    copy = translate_page(programme, ["fr"])[0]
    phone = phone_page
    phone.goto(site + programme.url + "signup/international/")
    phone.locator("nav a[hreflang=fr]").click()  # the switcher keeps the sub-route
    phone.wait_for_url(site + copy.url + "signup/international/")
    assert phone.locator("html").get_attribute("lang") == "fr"
    phone.goto(site + copy.url)
    screenshot(phone, "student-programme-fr-phone")
    axe_check(phone)
    signup = phone.locator("a.buddy-entry--international")
    assert signup.get_attribute("href") == copy.url + "signup/international/"
    signup.click()
    fill_international_form(phone, "lucia.fr@example.org")
    screenshot(phone, "student-form-fr-phone")
    axe_check(phone)
    phone.get_by_role("button", name=french("Sign up")).click()
    phone.wait_for_url(re.compile(re.escape(site + copy.url) + r"sent/(\?role=international)?$"))
    axe_check(phone)
    lucia = Participant.objects.get(email="lucia.fr@example.org")
    assert lucia.preferred_language == "fr"

    message = next(m for m in mail.outbox if m.to == ["lucia.fr@example.org"])
    assert french("Confirm your sign-up") in message.subject
    link = last_link("lucia.fr@example.org", "/confirm/")
    assert link.startswith(copy.url), link  # the email opens the French page
    phone.goto(site + link)
    assert phone.locator("html").get_attribute("lang") == "fr"
    axe_check(phone)
    phone.get_by_role("button", name=french("Confirm my sign-up")).click()
    phone.get_by_role("link", name=french("Go to my private page")).click()
    phone.wait_for_url(re.compile(re.escape(site + copy.url) + "me/"))
    for name in ("Download my data (JSON)", "Withdraw from the programme",
                 "Delete everything"):
        href = phone.get_by_role("link", name=french(name), exact=True).get_attribute("href")
        assert href.startswith(copy.url), (name, href)
    screenshot(phone, "student-private-fr-phone")
    axe_check(phone)


SCREEN = 812  # a 375 x 812 phone
# The local form also asks "email me when the next intake opens" (issue 22), hence its
# quarter screen more; the international form keeps the 3.5 screens it had.
MAX_SCREENS, MAX_TABS = {"local": 3.75, "international": 3.5}, 60


@pytest.mark.parametrize("role", ["international", "local"])
def test_the_form_is_short_on_a_phone(site, phone_page, programme, intake, role, screenshot,
                                      axe_check):
    """At most 3.5 phone screens, and at most 60 Tab presses from the first field to "Sign
    up", with every ISO language and the demo's 40 interests offered."""
    ensure_interests(programme.pk)
    phone_page.goto(site + programme.url + f"signup/{role}/")
    height = phone_page.evaluate("document.documentElement.scrollHeight")
    phone_page.focus("#id_first_name")
    tabs = 0
    while tabs < 400 and not phone_page.evaluate("document.activeElement.type === 'submit'"):
        phone_page.keyboard.press("Tab")
        tabs += 1
    screens = height / SCREEN
    print(f"\n{role} form at 375x812: {height} px = {screens:.2f} screens, {tabs} Tab presses")
    screenshot(phone_page, f"student-form-{role}-short-phone")
    axe_check(phone_page)
    assert screens <= MAX_SCREENS[role] and tabs <= MAX_TABS, (screens, tabs)


def test_closed_and_full_pages_are_accessible(site, page, programme, intake, axe_check):
    intake.max_locals = 0
    intake.save()
    page.goto(site + programme.url + "signup/local/")
    assert page.get_by_role("heading", name="All places are taken").is_visible()
    axe_check(page)
    intake.signup_open = False
    intake.save()
    page.goto(site + programme.url + "signup/international/")
    assert page.get_by_role("heading", name="Sign-up is closed").is_visible()
    axe_check(page)
    page.goto(site + programme.url)
    axe_check(page)
