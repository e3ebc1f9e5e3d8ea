"""Emailed links: on the programme page's own Site, in the student's language, and with
no query per email once a batch has resolved the page."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from wagtail.models import Locale, Page, Site

from tests.conftest import make_participant, make_programme
from wagtail_buddy.models import Intake, OutboundEmail
from wagtail_buddy.services import email_rendering, signup, tokens

pytestmark = pytest.mark.usefixtures("buddy_cache")


@pytest.fixture(autouse=True)
def wrong_admin_url(settings):
    settings.WAGTAILADMIN_BASE_URL = "http://example.com"  # what `wagtail start` writes


def second_site(hostname: str = "lyon.example.org") -> Page:
    root = Page.get_first_root_node()
    home = root.add_child(instance=Page(title="Lyon", slug="home-" + hostname.split(".")[0]))
    Site.objects.create(hostname=hostname, port=443, root_page=home)
    return home


def intake_of(programme) -> Intake:
    return Intake.objects.create(programme=programme, name="Spring 2027",
                                 starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1))


def test_links_use_each_programmes_own_site(home_page, django_capture_on_commit_callbacks):
    here = make_programme(home_page, slug="buddy-here")
    there = make_programme(second_site(), slug="buddy-there")
    people = [make_participant(intake_of(page), status="unconfirmed", confirmed_at=None)
              for page in (here, there)]
    with django_capture_on_commit_callbacks(execute=True):
        for person in people:
            signup.send_confirmation(person)
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "http://localhost/buddy-here/confirm/" in bodies[people[0].email]
    assert "https://lyon.example.org/buddy-there/confirm/" in bodies[people[1].email]
    assert not any("example.com" in body for body in bodies.values())


def test_a_french_student_gets_french_links(home_page, settings):
    settings.WAGTAIL_I18N_ENABLED = True
    programme = make_programme(home_page, slug="buddy-fr")
    person = make_participant(intake_of(programme), preferred_language="fr")
    # No French copy yet: the English page under the French prefix.
    assert tokens.private_url(person).startswith("http://localhost/fr/buddy-fr/me/")
    french_home = home_page.copy_for_translation(Locale.objects.get_or_create(
        language_code="fr")[0])
    french_home.save_revision().publish()
    copy = programme.copy_for_translation(french_home.locale, copy_parents=True)
    copy.slug = "parrainage"
    copy.save_revision().publish()
    url = tokens.private_url(person)
    assert url.startswith("http://localhost/fr/parrainage/me/"), url
    assert tokens.private_url(make_participant(person.intake, preferred_language="en")
                              ).startswith("http://localhost/buddy-fr/me/")


def test_a_batch_resolves_the_page_once(home_page, django_assert_max_num_queries):
    there = make_programme(second_site(), slug="buddy-batch")
    intake = intake_of(there)
    people = [make_participant(intake, status="unconfirmed", confirmed_at=None)
              for _ in range(6)]
    for person in people:
        signup.send_confirmation(person)
    rows = list(OutboundEmail.objects.select_related("participant__intake__programme"))
    email_rendering.build_context(rows[0])  # the first email resolves the page and its Site
    with django_assert_max_num_queries(0):
        contexts = [email_rendering.build_context(row) for row in rows[1:]]
    assert all(c["confirm_url"].startswith("https://lyon.example.org/buddy-batch/")
               for c in contexts)


@pytest.mark.parametrize("link", ["confirmation_url", "private_url", "checkin_url",
                                  "feedback_url", "answer_url", "invitation_url", "rejoin_url"])
def test_every_emailed_link_of_a_french_student_is_french(home_page, settings, link):
    """Every link an email carries (check-in, feedback, answer, arrival and checklist emails
    link the private page) opens under the student's language prefix, on a route of the page."""
    settings.WAGTAIL_I18N_ENABLED = True
    programme = make_programme(home_page, slug="buddy-fr")
    intake = intake_of(programme)
    person = make_participant(intake, preferred_language="fr")
    make = getattr(tokens, link)
    url = make(person) if link in ("confirmation_url", "private_url", "invitation_url") \
        else make(person, intake.pk)
    assert url.startswith("http://localhost/fr/buddy-fr/"), url
    view, _args, kwargs = programme.specific.resolve_subpage(
        url.removeprefix("http://localhost/fr/buddy-fr"))
    assert kwargs["token"] and callable(view)
