"""Validators, widgets and language choices shared by the public forms."""

from __future__ import annotations

import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..catalogues import has_catalogue
from ..vocabulary import native_language_name


def reject_control_characters(value: str) -> None:
    """Control characters (other than line breaks and tabs) are never meaningful input."""
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in value or ""):
        raise ValidationError(
            _("Remove the invisible control characters from this field."), code="control"
        )


def suggested_languages() -> list[str]:
    """The languages offered first in the picker: English and the site's own languages."""
    return list(dict.fromkeys(["en", *(code.split("-")[0] for code, _n in settings.LANGUAGES)]))


def site_languages() -> list[tuple[str, str]]:
    """The site's languages, each named in itself ("Français"), as a reader looks for it."""
    return [(code, native_language_name(code)) for code, _name in settings.LANGUAGES]


def languages_without_catalogue() -> list[str]:
    """Site languages the app cannot write its emails in (see ``catalogues``)."""
    return [code for code, _name in settings.LANGUAGES if not has_catalogue(code)]


def default_language() -> str:
    """The active language if the site offers it, else the site default."""
    codes = [code for code, _name in settings.LANGUAGES]
    active = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return active if active in codes else settings.LANGUAGE_CODE


class DateInput(forms.DateInput):
    """The browser's native date picker; the value travels as ISO 8601."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class SearchableCheckboxes(forms.CheckboxSelectMultiple):
    """Plain checkboxes in a scrollable box; ``public.js`` adds a filter and chips if it runs."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"class": "buddy-checklist", **(attrs or {})}, choices)
