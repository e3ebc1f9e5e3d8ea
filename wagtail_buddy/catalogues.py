"""Which language the app's own text is actually written in.

A site may offer languages the app has no catalogue for (bakerydemo offers Arabic): Django
then falls back to the English msgids while the page says ``lang="ar"``. Pages and emails
are written instead in the programme's default language (the canonical page's locale, else
``LANGUAGE_CODE``, else the msgids' English) and marked with that language.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings

CATALOGUE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_LANGUAGE = "en"  # the msgids


def base_code(code: str | None) -> str:
    return (code or "").split("-")[0].split("_")[0].lower()


@lru_cache(maxsize=1)
def catalogue_languages() -> frozenset[str]:
    """Languages with a compiled catalogue shipped in the app, plus the msgids' English."""
    found = {path.parent.parent.name for path in CATALOGUE_DIR.glob("*/LC_MESSAGES/django.mo")}
    return frozenset({base_code(code) for code in found} | {SOURCE_LANGUAGE})


def has_catalogue(code: str | None) -> bool:
    return base_code(code) in catalogue_languages()


def written_language(wanted: str | None, default: str | None = None) -> str:
    """The language the app writes in for a reader who wants ``wanted``: that one when the
    app has its catalogue, else ``default`` (the programme's), else ``LANGUAGE_CODE``, else
    English."""
    for code in (wanted, default, settings.LANGUAGE_CODE):
        if code and has_catalogue(code):
            return code
    return SOURCE_LANGUAGE
