"""One cell -> one field's value, or a reason in words why it cannot be imported.

Every parser takes the cell's text and returns the value to store, or raises
``BadValue`` with a translated message that quotes the cell. Cells are hostile: control
characters and anything a spreadsheet would run as a formula are refused, not cleaned,
so what is stored is what the coordinator saw in the preview.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries

from ...vocabulary import _names_in, iso639_1_codes
from .mapping import fold

UI_LANGUAGES = ("en", "fr", "de", "es", "it", "pt")
MIN_AGE, MAX_AGE = 15, 99  # as the sign-up form
MAX_LENGTHS = {"first_name": 100, "last_name": 100, "email": 254, "phone": 60,
               "university": 150, "faculty": 150, "home_university": 150, "full_name": 201}
LIST_SPLIT = re.compile(r"\s*(?:[,;/|+\n]|\s&\s|\band\b|\bet\b|\bund\b|\by\b|\be\b)\s*")
# What a spreadsheet runs as a formula (OWASP CSV injection): a cell starting with one of
# these. Only a plain phone number ("+33 6 12 34 56 78") may start with "+".
FORMULA_START = ("=", "+", "-", "@")
PHONE = re.compile(r"\+?[\d\s().-]+")


class BadValue(Exception):
    """This cell cannot be imported; ``str()`` is the reason, quoting the cell."""


def quoted(text: str, limit: int = 60) -> str:
    return "'" + (text if len(text) <= limit else text[: limit - 1] + "…") + "'"


def clean_text(text: str, field: str = "") -> str:
    """The cell as stored: single-spaced; control characters and formulas refused."""
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in text):
        raise BadValue(_("contains invisible control characters"))
    text = " ".join(text.split())
    if text.startswith(FORMULA_START) and not (field == "phone" and PHONE.fullmatch(text)):
        raise BadValue(_("%(value)s looks like a spreadsheet formula; type the value "
                         "itself") % {"value": quoted(text)})
    limit = MAX_LENGTHS.get(field)
    if limit and len(text) > limit:
        raise BadValue(_("is longer than %(limit)s characters") % {"limit": limit})
    return text


def parse_email(text: str) -> str:
    text = clean_text(text, "email").lower()
    try:
        validate_email(text)
    except ValidationError as exc:
        raise BadValue(_("%(value)s is not an email address") % {"value": quoted(text)}) \
            from exc
    return text


def split_full_name(text: str) -> tuple[str, str]:
    parts = clean_text(text, "full_name").rsplit(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "")


@lru_cache(maxsize=1)
def language_lookup() -> dict[str, str]:
    """Folded code or name (in each UI language) -> ISO 639-1 code."""
    out = {code: code for code in iso639_1_codes()}
    for locale in UI_LANGUAGES:
        for code, name in _names_in(locale).items():
            out.setdefault(fold(name), code)
    return out


def parse_languages(text: str) -> list[str]:
    text = clean_text(text)
    lookup, codes, unknown = language_lookup(), [], []
    for item in filter(None, LIST_SPLIT.split(text)):
        # "French (fluent)", "fr-FR", "English - C1": the name or code before the detail
        key = fold(re.split(r"[(\[:]| - ", item, maxsplit=1)[0])
        code = lookup.get(key) or lookup.get(key.split(" ")[0]) or \
            lookup.get(key.replace(" ", "-").split("-")[0])
        if code:
            codes.append(code)
        else:
            unknown.append(item)
    if unknown:
        raise BadValue(_("%(items)s: not a language code or name we know")
                       % {"items": ", ".join(quoted(u, 30) for u in unknown)})
    return list(dict.fromkeys(codes))


@lru_cache(maxsize=1)
def country_lookup() -> dict[str, str]:
    """Folded ISO code or name (in each UI language) -> ISO 3166 alpha-2 code."""
    out: dict[str, str] = {}
    for locale in UI_LANGUAGES:
        with translation.override(locale):
            for code, name in countries:
                out.setdefault(fold(str(name)), code)
    for code, _name in countries:
        out[code.lower()] = code
        alpha3 = countries.alpha3(code)
        if alpha3:
            out.setdefault(alpha3.lower(), code)
    out.update({"uk": "GB", "usa": "US", "us": "US", "england": "GB", "scotland": "GB",
                "holland": "NL", "the netherlands": "NL", "america": "US"})
    return out


def parse_country(text: str) -> str:
    text = clean_text(text)
    code = country_lookup().get(fold(text))
    if code is None:
        raise BadValue(_("%(value)s is not a country code or name we know")
                       % {"value": quoted(text)})
    return code


DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    re.compile(r"(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})"),
)


def parse_date(text: str) -> date:
    """ISO, or day/month/year (month/day/year when the day is obviously second)."""
    text = clean_text(text)
    value = text.split(" ")[0].split("T")[0]  # "2027-02-03 10:00:00" from a spreadsheet
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(value)
        if not match:
            continue
        parts = match.groupdict()
        year = int(parts["y"]) + (2000 if len(parts["y"]) == 2 else 0)
        if "m" in parts:
            month, day = int(parts["m"]), int(parts["d"])
        else:
            day, month = int(parts["a"]), int(parts["b"])
            if month > 12 >= day:  # 12/31/2027: an American export
                day, month = month, day
        try:
            result = date(year, month, day)
        except ValueError:
            break
        if not date(2000, 1, 1) <= result <= date(2100, 1, 1):
            raise BadValue(_("%(value)s is not a realistic date") % {"value": quoted(text)})
        return result
    raise BadValue(_("%(value)s is not a date") % {"value": quoted(text)})


def parse_birth_year(text: str) -> int:
    text = clean_text(text)
    year = int(text) if re.fullmatch(r"\d{4}", text) else None
    if year is None:
        match = re.search(r"\b(19|20)\d{2}\b", text)
        if match is None:
            raise BadValue(_("%(value)s is not a year of birth") % {"value": quoted(text)})
        year = int(match.group(0))
    now = timezone.localdate().year
    if not now - MAX_AGE <= year <= now - MIN_AGE:
        raise BadValue(_("%(value)s is not a year between %(low)s and %(high)s")
                       % {"value": quoted(text), "low": now - MAX_AGE, "high": now - MIN_AGE})
    return year


def parse_capacity(text: str) -> int:
    text = clean_text(text)
    if not re.fullmatch(r"[1-5]", text):
        raise BadValue(_("%(value)s is not a number from 1 to 5") % {"value": quoted(text)})
    return int(text)


GENDERS = {
    "female": ("female", "woman", "f", "w", "femme", "feminin", "frau", "weiblich", "mujer",
               "femenino", "donna", "femmina", "mulher", "feminino"),
    "male": ("male", "man", "m", "homme", "masculin", "mann", "mannlich", "hombre",
             "masculino", "uomo", "maschio", "homem"),
    "nonbinary": ("non-binary", "nonbinary", "non binary", "diverse", "divers", "non binaire",
                  "nicht binar", "no binario", "non binario", "nao binario", "other"),
    "": ("prefer not to say", "-", "n/a", "je prefere ne pas le dire", "keine angabe",
         "prefiero no decirlo", "preferisco non dirlo", "prefiro nao dizer"),
}
_GENDERS = {fold(word): value for value, words in GENDERS.items() for word in words}


def parse_gender(text: str) -> str:
    key = fold(text)
    if key in _GENDERS:
        return _GENDERS[key]
    raise BadValue(_("%(value)s is not a gender we know; leave it empty if unsure")
                   % {"value": quoted(clean_text(text))})


def parse_preferred_language(text: str) -> str:
    text = clean_text(text)
    site = [code for code, _name in settings.LANGUAGES]
    code = language_lookup().get(fold(text)) or fold(text)[:2]
    if code not in site:
        raise BadValue(_("%(value)s is not one of the site's languages (%(codes)s)")
                       % {"value": quoted(text), "codes": ", ".join(site)})
    return code


PARSERS = {
    "email": parse_email,
    "languages": parse_languages,
    "nationality": parse_country,
    "exchange_country": parse_country,
    "arrival_date": parse_date,
    "available_from": parse_date,
    "available_until": parse_date,
    "birth_year": parse_birth_year,
    "capacity": parse_capacity,
    "gender": parse_gender,
    "preferred_language": parse_preferred_language,
}


def parse(field: str, text: str):
    """The value of ``field`` in this cell (``None`` when the cell is empty)."""
    if not text.strip():
        return None
    parser = PARSERS.get(field)
    return parser(text) if parser else clean_text(text, field)
