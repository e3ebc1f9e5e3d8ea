"""Controlled vocabularies: ISO 639-1 languages, named in the app's six locales.

The names are CLDR data shipped as ``data/language_names.json``, written by
``scripts/build_language_names.py`` with Babel at development time: Babel itself (36 MB)
is not installed with the app.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import chain
from pathlib import Path

from django.apps import apps as global_apps
from django.utils import translation
from django.utils.choices import BaseChoiceIterator


class ChoiceList(BaseChoiceIterator):
    """Already-normalised ``(value, label)`` pairs, chained from ``parts`` on each iteration.

    Assigning a plain list to a form field's ``choices`` makes Django re-normalise every
    pair, twice (field and widget), on every form: with ~250 countries and ~180 languages
    that was 40% of a sign-up's form work. A ``BaseChoiceIterator`` is taken as it is (and
    returned as it is when each form deep-copies its fields), and the parts stay lazy: a
    part may be a callable, called on each iteration, so the list follows the active
    language.
    """

    def __init__(self, *parts: Iterable[tuple[str, str]] | Callable[[], Iterable]) -> None:
        self.parts = parts

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return chain.from_iterable(part() if callable(part) else part for part in self.parts)

    def __deepcopy__(self, memo) -> "ChoiceList":
        return self  # immutable: nothing to copy when Django deep-copies a form's fields


NAMES_FILE = Path(__file__).resolve().parent / "data" / "language_names.json"


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(NAMES_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def iso639_1_codes() -> tuple[str, ...]:
    """All two-letter ISO 639-1 codes CLDR has an English name for."""
    return tuple(_data()["codes"])


@lru_cache(maxsize=64)
def _names_in(locale_code: str) -> dict[str, str]:
    """Names in ``locale_code``'s language ("pt-br" -> Portuguese); English otherwise."""
    names = _data()["names"]
    language = locale_code.replace("_", "-").split("-")[0].lower()
    return names.get(language, names["en"])


def language_name(code: str, locale_code: str | None = None) -> str:
    """The name of a language in the active (or given) locale, e.g. 'de' -> 'allemand' in French."""
    return _names_in(locale_code or translation.get_language() or "en").get(code, code)


def native_language_name(code: str) -> str:
    """A language's name in that language, capitalised as a choice starts ("Français",
    "Deutsch", "العربية"): what a language switcher shows, whatever the page's language.
    Region variants take their language's name ("pt-br" -> "Português")."""
    base = code.replace("_", "-").split("-")[0].lower()
    name = _data()["autonyms"].get(base)
    return name[:1].upper() + name[1:] if name else code


def language_choices(locale_code: str | None = None) -> tuple[tuple[str, str], ...]:
    """(code, name) pairs sorted by name in the active locale."""
    return _sorted_choices(locale_code or translation.get_language() or "en")


@lru_cache(maxsize=64)
def _sorted_choices(locale_code: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(_names_in(locale_code).items(), key=lambda item: item[1].casefold()))


def ensure_languages(sender=None, using: str = "default", apps=None, **kwargs) -> None:
    """post_migrate: make sure every ISO 639-1 code has a Language row (idempotent).

    Uses the migrated state's model, so after ``migrate wagtail_buddy zero`` (no table left)
    there is nothing to fill rather than a query on a dropped table.
    """
    apps = apps or global_apps
    try:
        Language = apps.get_model("wagtail_buddy", "Language")
    except LookupError:
        return
    existing = set(Language.objects.using(using).values_list("code", flat=True))
    missing = [Language(code=code) for code in iso639_1_codes() if code not in existing]
    if missing:
        Language.objects.using(using).bulk_create(missing, ignore_conflicts=True)
