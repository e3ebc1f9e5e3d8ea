"""Language names come from the shipped CLDR file, not from Babel at run time."""

import subprocess
import sys
from pathlib import Path

import pytest

from wagtail_buddy import vocabulary

ROOT = Path(__file__).resolve().parents[1]


def test_names_in_each_locale_and_fallbacks():
    assert vocabulary.language_name("de", "fr") == "allemand"
    assert vocabulary.language_name("de", "de") == "Deutsch"
    assert vocabulary.language_name("fr", "pt-br") == "francês"
    assert vocabulary.language_name("fr", "nl") == "French"  # no data: English
    assert vocabulary.language_name("xx", "fr") == "xx"
    assert len(vocabulary.iso639_1_codes()) > 150


def test_autonyms_name_each_language_in_itself():
    assert vocabulary.native_language_name("fr") == "Français"
    assert vocabulary.native_language_name("es") == "Español"
    assert vocabulary.native_language_name("ja") == "日本語"
    assert vocabulary.native_language_name("ar") == "العربية"  # no catalogue of its own
    assert vocabulary.native_language_name("pt-br") == "Português"
    assert vocabulary.native_language_name("xx") == "xx"


def test_choices_sorted_by_name_in_the_locale():
    names = [name for _code, name in vocabulary.language_choices("de")]
    assert names == sorted(names, key=str.casefold)
    assert ("en", "Englisch") in vocabulary.language_choices("de")


def test_the_app_does_not_import_babel():
    code = ("import django, os, sys; os.environ['DJANGO_SETTINGS_MODULE']="
            "'buddysite.settings.test'; django.setup(); import wagtail_buddy.forms, "
            "wagtail_buddy.services.reasons; wagtail_buddy.vocabulary.language_choices('fr'); "
            "print('babel' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env={"PYTHONPATH": f"{ROOT}:{ROOT / 'example_site'}",
                                        "PATH": "/usr/bin:/bin"}, check=True)
    assert out.stdout.strip() == "False"


def test_shipped_file_matches_babels_cldr_data():
    pytest.importorskip("babel")
    result = subprocess.run([sys.executable, str(ROOT / "scripts/build_language_names.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
