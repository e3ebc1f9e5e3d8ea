"""Issue 26: translated copies show their own texts, the consent record says which, interests
are named in the reader's language, every page and email is marked with the language it is
written in, each audience reads its own commitment, and a copy's slug finds its programme.

Real objects throughout: copies made with Wagtail's ``copy_for_translation``, sign-ups
posted through the test client, emails rendered by the outbox worker.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from wagtail.models import Locale

from wagtail_buddy.admin.modeladmin import participant_url
from wagtail_buddy.models import BuddyProgrammePage, Participant
from wagtail_buddy.services import tokens
from wagtail_buddy.services.participant_data import export_data

pytestmark = pytest.mark.usefixtures("buddy_cache")

NOTICE_FR = "<p>Nous conservons vos données pour vous trouver un parrain.</p>"
CHARTER_FR = "<p>Soyez bienveillant.</p>"
COMMITMENT_LOCAL = ("As a local buddy you commit to answering your student within a few days, "
                    "meeting them at least once in their first weeks, helping with the first "
                    "steps (housing, paperwork, the university), and telling the coordinators "
                    "if you can no longer take part.")
COMMITMENT_INTERNATIONAL = ("Your buddy is a student volunteer: answer their first message, "
                            "tell them when you arrive, and let the coordinators know if your "
                            "plans change.")


def question(label: str, choices: list[str], help_text: str = "") -> tuple:
    return ("question", {"key": "diet", "label": label, "help_text": help_text,
                         "kind": "choice", "choices": choices, "required": True,
                         "roles": "both"})


@pytest.fixture
def programme_with_question(programme):
    programme.extra_questions = [question("Diet", ["Vegan", "Anything"], "So we cook right")]
    programme.save_revision().publish()
    return BuddyProgrammePage.objects.get(pk=programme.pk)


def french_copy(programme, *, translated: bool = True) -> BuddyProgrammePage:
    """A French copy as wagtail-localize leaves it: the copy of every field, translated."""
    locale = Locale.objects.get_or_create(language_code="fr")[0]
    copy = programme.copy_for_translation(locale, copy_parents=True)
    for ancestor in copy.get_ancestors().filter(depth__gt=1, live=False):
        ancestor.specific.save_revision().publish()
    copy.title = "Parrainage"
    if translated:
        copy.privacy_notice, copy.charter = NOTICE_FR, CHARTER_FR
        copy.extra_questions = [question("Régime alimentaire", ["Végane", "De tout"],
                                         "Pour bien cuisiner")]
    copy.save_revision().publish()
    return BuddyProgrammePage.objects.get(pk=copy.pk)


def send(client, capture, target, data):
    with capture(execute=True):
        return client.post(target, data)


def in_french(message: str) -> str:
    with translation.override("fr"):
        return gettext(message)


def test_french_copy_shows_its_own_texts_and_the_consent_says_so(
        client, programme_with_question, intake, signup_payload,
        django_capture_on_commit_callbacks):
    copy = french_copy(programme_with_question)
    form_url = copy.url + "signup/international/"
    html = client.get(form_url).content.decode()
    assert escape("Nous conservons vos données") in html and "We store your data" not in html
    assert "Soyez bienveillant" in html and "Be kind" not in html
    assert "Régime alimentaire" in html and ">Diet<" not in html
    assert '<option value="Vegan">Végane</option>' in html  # canonical value, French words
    assert escape(in_french("Not translated yet: shown in %(language)s.") % {
        "language": "English"}) not in html
    response = send(client, django_capture_on_commit_callbacks, form_url,
                    signup_payload(extra_diet="Vegan", preferred_language="fr"))
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Participant.objects.get()
    assert person.extra_answers == {"diet": "Vegan"}
    assert person.consent_language == "fr"
    assert person.consent_version == copy.consent_version() != programme_with_question \
        .consent_version()
    assert person.consent_revision == copy.live_revision_id
    exported = export_data(person)
    assert (exported["consent_language"], exported["consent_revision"]) == \
        ("fr", copy.live_revision_id)
    message = mail.outbox[-1]
    html_body = message.alternatives[0][0]
    assert '<html lang="fr">' in html_body
    assert in_french("Hello %(name)s,") % {"name": "Ana"} in message.body
    assert copy.url in message.body  # the French copy's own links


def test_untranslated_copy_shows_the_canonical_text_visibly(
        client, programme_with_question, intake, signup_payload,
        django_capture_on_commit_callbacks):
    copy = french_copy(programme_with_question, translated=False)
    html = client.get(copy.url + "signup/local/").content.decode()
    note = escape(in_french("Not translated yet: shown in %(language)s.") % {
        "language": "English"})
    assert html.count(note) == 2  # the privacy notice and the charter
    assert '<div class="buddy-legal" lang="en"><p>We store your data.</p>' in html
    assert in_french("Some of the section's questions are not translated yet: they "
                     "are shown in %(language)s.") % {"language": "English"} in html
    assert re.search(r'<label class="buddy-label" for="id_extra_diet" lang="en">Diet', html)
    send(client, django_capture_on_commit_callbacks, copy.url + "signup/local/",
         signup_payload("local", extra_diet="Vegan"))
    person = Participant.objects.get()
    assert person.consent_language == "en"
    assert person.consent_version == programme_with_question.consent_version()


def test_inspect_page_shows_the_consent_language(admin_client, programme, participant_factory):
    person = participant_factory(consent_language="fr", consent_revision=41)
    html = admin_client.get(participant_url(person.pk)).content.decode()
    assert "text in FR" in html and "page revision 41" in html


def test_interests_are_named_in_the_readers_language(
        client, programme, intake, interests, signup_payload,
        django_capture_on_commit_callbacks):
    hiking = interests[0]
    french = hiking.copy_for_translation(Locale.objects.get_or_create(language_code="fr")[0])
    french.name = "Randonnée"
    french.save()
    copy = french_copy(programme)
    english_form = client.get(programme.url + "signup/local/").content.decode()
    french_form = client.get(copy.url + "signup/local/").content.decode()
    assert "Hiking" in english_form and "Randonnée" not in english_form
    assert "Randonnée" in french_form and "Hiking" not in french_form
    offered = re.findall(r'name="interests" value="(\d+)"', french_form)
    assert str(hiking.pk) in offered and str(french.pk) not in offered
    send(client, django_capture_on_commit_callbacks, copy.url + "signup/local/",
         signup_payload("local", interests=[str(hiking.pk)], preferred_language="fr"))
    person = Participant.objects.get()
    assert list(person.interests.all()) == [hiking]  # the source: what the engine matches
    token = tokens.make_token(person, tokens.ACCESS)
    private = client.get(f"{copy.url}me/{token}/").content.decode()
    assert "Randonnée" in private
    assert client.get(f"{copy.url}me/{token}/download/").json()["interests"] == ["Randonnée"]
    assert client.get(f"{programme.url}me/{token}/download/").json()["interests"] == ["Hiking"]


def test_a_language_without_a_catalogue_gets_the_default_language_said_plainly(
        client, settings, programme, intake, signup_payload,
        django_capture_on_commit_callbacks):
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "Arabic")]
    html = client.get(f"/ar{programme.url}signup/international/").content.decode()
    assert '<div class="buddy" lang="en">' in html
    assert "This page is not available in العربية yet, so it is shown in English." in html
    assert '<option value="fr">Français</option>' in html
    assert '<option value="ar">العربية</option>' in html
    send(client, django_capture_on_commit_callbacks, programme.url + "signup/international/",
         signup_payload(preferred_language="ar"))
    message = mail.outbox[-1]
    html_body = message.alternatives[0][0]
    assert '<html lang="en">' in html_body
    note = "We cannot write to you in العربية yet, so this email is in English."
    assert note in html_body and message.body.startswith(note + "\n\nHello Ana,")


def test_a_french_student_is_not_told_the_page_is_missing(client, programme, intake):
    html = client.get(f"/fr{programme.url}").content.decode()
    assert '<div class="buddy" lang="fr">' in html and "buddy-untranslated" not in html


@pytest.mark.parametrize("role", ["local", "international"])
def test_each_audience_reads_its_own_commitment(client, programme, intake, participant_factory,
                                                 role):
    other = COMMITMENT_INTERNATIONAL if role == "local" else COMMITMENT_LOCAL
    own = COMMITMENT_LOCAL if role == "local" else COMMITMENT_INTERNATIONAL
    for path in (f"signup/{role}/", f"sent/?role={role}"):
        html = client.get(programme.url + path).content.decode()
        assert own in html and other not in html, path
    landing = client.get(programme.url).content.decode()
    assert COMMITMENT_LOCAL not in landing and COMMITMENT_INTERNATIONAL not in landing
    person = participant_factory(role=role, status="unconfirmed", confirmed_at=None)
    token = tokens.make_token(person, tokens.CONFIRM)
    confirmed = client.post(f"{programme.url}confirm/{token}/").content.decode()
    assert own in confirmed and other not in confirmed


def test_buddy_coordinators_accepts_a_translated_copys_slug(programme):
    copy = french_copy(programme)
    assert copy.slug == programme.slug  # copies keep the slug under their own home page
    call_command("buddy_coordinators", programme.slug, "--group", "Lyon team")
    call_command("buddy_coordinators", str(copy.pk), "--group", "Lyon team")
    assert list(programme.coordinator_groups.values_list("name", flat=True)) == ["Lyon team"]


def test_the_email_language_hint_names_the_fallback_in_the_pages_language(
        client, settings, programme, intake):
    """The missing language is named in itself (its reader looks for it); the language we
    write in instead is named in the sentence's language: "en anglais", not "en English"."""
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "Arabic")]
    html = client.get(f"/fr{programme.url}signup/international/").content.decode()
    with translation.override("fr"):
        expected = gettext("Our emails are not translated into %(missing)s yet: if you choose "
                           "it, we write to you in %(language)s.") % {
            "missing": "العربية", "language": "anglais"}
    assert escape(expected) in html or expected in html
    assert "en English" not in html
