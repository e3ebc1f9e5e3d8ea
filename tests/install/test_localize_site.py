"""The app in a site translated with wagtail-localize, with a bakerydemo-shaped base
template: the programme page, its privacy notice, an extra question and an interest
translated by wagtail-localize's own machinery; the French pages and sign-ups checked
against issue 26 (texts in the reader's language, what the consent record keeps, Arabic
readers, each audience's commitment, the translated copy's slug), inside the site's
template with its inline script untouched (no CSP of the app's own)."""

from __future__ import annotations

from tests.install.localize_site import BUILD, manage, site_env

CHECK = r"""
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from wagtail.models import Locale
from wagtail_buddy.models import Participant

french = BuddyProgrammePage.objects.get(locale=fr)
assert french.translation_key == programme.translation_key and french.canonical.pk == programme.pk
assert french.title == "Parrainage", french.title


def in_french(message):
    with translation.override("fr"):
        return translation.gettext(message)


COMMITMENT_LOCAL = ("As a local buddy you commit to answering your student within a few days, "
                    "meeting them at least once in their first weeks, helping with the first "
                    "steps (housing, paperwork, the university), and telling the coordinators "
                    "if you can no longer take part.")
wanted = [in_french("Sign up"), in_french("Become a buddy")]
assert wanted != ["Sign up", "Become a buddy"], wanted  # the French catalogue is there
assert in_french(COMMITMENT_LOCAL) != COMMITMENT_LOCAL

client = Client()
pages = {}
for url in (french.url, french.url + "signup/local/", french.url + "signup/international/"):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = pages[url] = response.content.decode()
    assert url.startswith("/fr/"), url
    assert "The Wagtail Bakery" in html and "document.documentElement.dataset.theme" in html
    assert "Content-Security-Policy" not in response, url
    assert any(text in html for text in wanted), url
    assert '<div class="buddy" lang="fr">' in html, url

# 1. The French form shows the French notice and question, not the English ones.
for role in ("local", "international"):
    html = pages[french.url + f"signup/{role}/"]
    assert "Spring 2027" in html  # the canonical copy's intake
    assert escape("Nous conservons vos données.") in html and "We store your data" not in html
    assert escape("Un régime alimentaire ?") in html and "Any diet?" not in html
    assert "buddy-untranslated" not in html, role
# 7. The interest translated through wagtail-localize is named in French.
    assert "Randonnée" in html and "Hiking" not in html, role
# 8. International students are not told what a local buddy commits to.
assert in_french(COMMITMENT_LOCAL) in pages[french.url + "signup/local/"]
international = pages[french.url + "signup/international/"]
assert in_french(COMMITMENT_LOCAL) not in international and COMMITMENT_LOCAL not in international
assert "As a local buddy you commit" not in international

# 1. A French sign-up keeps which language's text was accepted, and the page revision.
response = client.post(french.url + "signup/local/", {
    "first_name": "Chloé", "last_name": "Martin", "email": "chloe@example.org",
    "phone": "+33 6 12 34 56 78", "birth_year": "2002", "gender": "female",
    "gender_preference": "any", "nationality": "FR", "languages": ["fr", "en"],
    "university": "Uni Graz", "faculty": "Law", "motivation": "Rencontrer du monde",
    "preferred_language": "fr", "consent": "on", "website": "", "extra_diet": "Végétarien",
    "available_from": "2027-01-15", "available_until": "2027-07-01", "capacity": "2",
    "exchange_country": "DE", "interests": [str(hiking.pk)]})
assert response.status_code == 302, response.content.decode()[:3000]
person = Participant.objects.get()
french = BuddyProgrammePage.objects.get(pk=french.pk)
assert (person.consent_language, person.consent_revision) == ("fr", french.live_revision_id)
assert person.consent_version == french.consent_version() != programme.consent_version()
assert person.extra_answers == {"diet": "Végétarien"}
assert list(person.interests.all()) == [hiking]  # the source interest: what the engine matches

# 6. An Arabic reader (the site offers ar, the app has no catalogue) reads the default
# language, marked as such, and is told so.
arabic = client.get(f"/ar{programme.url}signup/international/")
assert arabic.status_code == 200, arabic.status_code
html = arabic.content.decode()
assert '<div class="buddy" lang="en">' in html and 'lang="ar"' not in html.split("<main")[1]
assert "This page is not available in العربية yet, so it is shown in English." in html
assert '<option value="ar">العربية</option>' in html and '>Français</option>' in html

# 9. buddy_coordinators accepts the French copy's slug: the canonical programme's groups.
assert french.slug == programme.slug
call_command("buddy_coordinators", french.slug, "--group", "Graz team")
assert list(programme.coordinator_groups.values_list("name", flat=True)) == ["Graz team"]

english = client.get(programme.url)
assert english.status_code == 200 and "Become a buddy" in english.content.decode()
print("LOCALIZE-OK")
"""


def test_a_wagtail_localize_site_serves_the_translated_programme(tmp_path):
    env = site_env(tmp_path)
    manage(env, "migrate", "--no-input", "-v0")
    assert "LOCALIZE-OK" in manage(env, "shell", "-c", BUILD + CHECK)
