"""The app in a site translated with wagtail-localize, with a bakerydemo-shaped base
template: the programme page translated by wagtail-localize's own machinery serves French
pages and sign-up forms inside the site's template, the site's inline script untouched (no
CSP of the app's own), both copies sharing one intake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TRANSLATE = r"""
from django.test import Client
from django.utils import translation
from wagtail.models import Locale, Page, Site
from wagtail_localize.models import TranslationSource
from wagtail_buddy.models import BuddyProgrammePage, Intake

en = Locale.objects.get(language_code="en")
fr = Locale.objects.create(language_code="fr")
Locale.objects.create(language_code="de")
home = Site.objects.get(is_default_site=True).root_page
programme = home.add_child(instance=BuddyProgrammePage(
    title="Buddy Programme", slug="buddy", section_name="ESN Graz",
    contact_email="buddy@example.org", privacy_notice="<p>We store your data.</p>"))
programme.save_revision().publish()
Intake.objects.create(programme=programme, name="Spring 2027", starts_on="2027-02-01",
                      ends_on="2027-07-01", signup_open=True)
for page in (home, programme):  # wagtail-localize's "Translate" action, as in the admin
    source, _ = TranslationSource.get_or_create_from_instance(page.specific)
    source.create_or_update_translation(fr, publish=True, fallback=True)  # untranslated: copied
french = BuddyProgrammePage.objects.get(locale=fr)
assert french.translation_key == programme.translation_key and french.canonical.pk == programme.pk

client = Client()
with translation.override("fr"):
    wanted = [translation.gettext("Sign up"), translation.gettext("Become a buddy")]
assert wanted != ["Sign up", "Become a buddy"], wanted  # the French catalogue is there
for url in (french.url, french.url + "signup/local/", french.url + "signup/international/"):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    assert url.startswith("/fr/"), url
    assert "The Wagtail Bakery" in html and "document.documentElement.dataset.theme" in html
    assert "Content-Security-Policy" not in response, url
    assert any(text in html for text in wanted), url
    assert "Spring 2027" in html or "signup/" not in url, url  # the canonical copy's intake
english = client.get(programme.url)
assert english.status_code == 200 and "Become a buddy" in english.content.decode()
print("LOCALIZE-OK")
"""


def test_a_wagtail_localize_site_serves_the_translated_programme(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BUDDY_"))}
    env.update(DJANGO_SETTINGS_MODULE="tests.install.localize_settings",
               DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
               PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "example_site")]))

    def manage(*args: str) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT / "example_site",
                                env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    manage("migrate", "--no-input", "-v0")
    assert "LOCALIZE-OK" in manage("shell", "-c", TRANSLATE)
