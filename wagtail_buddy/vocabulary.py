"""Controlled vocabularies: ISO 639-1 languages, named through Babel in every locale."""

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.utils import translation


@lru_cache(maxsize=1)
def iso639_1_codes() -> tuple[str, ...]:
    """All two-letter ISO 639-1 codes Babel knows a name for."""
    names = Locale("en").languages
    return tuple(sorted(code for code in names if len(code) == 2 and code.isalpha()))


@lru_cache(maxsize=64)
def _names_in(locale_code: str) -> dict[str, str]:
    try:
        locale = Locale.parse(locale_code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    english = Locale("en").languages
    return {code: locale.languages.get(code, english.get(code, code)) for code in iso639_1_codes()}


def language_name(code: str, locale_code: str | None = None) -> str:
    """The name of a language in the active (or given) locale, e.g. 'de' -> 'allemand' in French."""
    return _names_in(locale_code or translation.get_language() or "en").get(code, code)


def language_choices(locale_code: str | None = None) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in the active locale."""
    names = _names_in(locale_code or translation.get_language() or "en")
    return sorted(names.items(), key=lambda item: item[1].casefold())


def ensure_languages(sender=None, using: str = "default", **kwargs) -> None:
    """post_migrate: make sure every ISO 639-1 code has a Language row (idempotent)."""
    from .models import Language

    existing = set(Language.objects.using(using).values_list("code", flat=True))
    missing = [Language(code=code) for code in iso639_1_codes() if code not in existing]
    if missing:
        Language.objects.using(using).bulk_create(missing, ignore_conflicts=True)
