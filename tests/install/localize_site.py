"""A site translated with wagtail-localize, built the way its webmaster and translator would:
the programme page, its privacy notice, an extra question and an interest translated into
French through wagtail-localize's own machinery (its translation sources and the strings a
translator enters in its editor). Shared by the install test and the Chromium test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BUILD = r"""
from wagtail.models import Locale, Site
from wagtail_localize.models import StringTranslation, TranslationSource
from wagtail_buddy.models import BuddyProgrammePage, Intake, Interest

fr = Locale.objects.create(language_code="fr")
Locale.objects.create(language_code="de")
home = Site.objects.get(is_default_site=True).root_page
programme = home.add_child(instance=BuddyProgrammePage(
    title="Buddy Programme", slug="buddy", section_name="ESN Graz",
    contact_email="buddy@example.org", privacy_notice="<p>We store your data.</p>",
    extra_questions=[("question", {"key": "diet", "label": "Any diet?", "help_text": "",
                                   "kind": "text", "choices": [], "required": False,
                                   "roles": "both"})]))
programme.save_revision().publish()
Intake.objects.create(programme=programme, name="Spring 2027", starts_on="2027-02-01",
                      ends_on="2027-07-01", signup_open=True)
hiking = Interest.objects.create(programme=programme, name="Hiking")
FRENCH = {"Buddy Programme": "Parrainage", "We store your data.": "Nous conservons vos données.",
          "Any diet?": "Un régime alimentaire ?", "Hiking": "Randonnée"}


def translate(instance):
    # wagtail-localize's "Translate" action, then a translator's strings in its editor;
    # what nobody translated is copied from the source (fallback).
    source, _ = TranslationSource.get_or_create_from_instance(instance)
    for segment in source.stringsegment_set.select_related("string", "context"):
        if segment.string.data in FRENCH:
            StringTranslation.objects.update_or_create(
                translation_of=segment.string, locale=fr, context=segment.context,
                defaults={"data": FRENCH[segment.string.data]})
    return source.create_or_update_translation(fr, publish=True, fallback=True)


translate(home.specific)
translate(programme)
translate(hiking)
"""


def site_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BUDDY_"))}
    env.update(DJANGO_SETTINGS_MODULE="tests.install.localize_settings",
               DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
               PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "example_site")]))
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT / "example_site",
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"manage.py {args[0]}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def build_site(tmp_path: Path) -> dict[str, str]:
    """Migrate a fresh database and build the translated site; the environment to reach it."""
    env = site_env(tmp_path)
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "shell", "-c", BUILD)
    return env
