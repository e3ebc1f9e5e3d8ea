"""``{% participant_url pk %}``: a participant's profile in the admin, for any template.

The participant list is wagtail-modeladmin's; templates reach it through this tag so no
modeladmin URL name appears outside ``admin/modeladmin.py``.
"""

from functools import lru_cache

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django_countries import countries

from ..admin.links import reverse_pk
from ..admin.modeladmin import participant_url as _participant_url

register = template.Library()


@register.simple_tag
def buddy_url(viewname: str, pk: int, *rest) -> str:
    """``{% url viewname pk ... %}`` for the links of every row of a list (``reverse_pk``)."""
    return reverse_pk(viewname, pk, *rest)


@register.simple_tag
def participant_url(pk: int | None = None, **query) -> str:
    return _participant_url(pk, **query)


@register.filter
def related(instance, name: str):
    """``instance.<name>.all()`` from the prefetch cache without building the related
    manager (``{% for lang in person|related:"languages" %}``: a page lists 200 of them)."""
    cache = getattr(instance, "_prefetched_objects_cache", {})
    return cache[name] if name in cache else getattr(instance, name).all()


@register.filter
def country_name(instance, name: str = "nationality") -> str:
    """The name of ``instance``'s country field ``name`` in the active language, from the
    stored code (no ``Country`` object per read)."""
    raw = instance.__dict__.get(name)
    code = raw if isinstance(raw, str) else str(getattr(instance, name) or "")
    return _country_name(code, get_language()) if code else ""


@lru_cache(maxsize=1024)
def _country_name(code: str, language: str | None) -> str:
    """A country's name, looked up once per code and language (``countries.name``
    translates its lazy name on every call; a proposals page names 100 countries)."""
    return str(countries.name(code))


@register.filter
def day_month(value) -> str:
    """``value|date:"j M"`` (a profile's arrival and availability), formatted once per day
    and language: a page shows 200 of them, mostly the same few weeks."""
    if not value:
        return ""
    return _day_month(value, get_language())


@lru_cache(maxsize=2048)
def _day_month(value, language: str | None) -> str:
    return date_filter(value, "j M")


@register.filter
def choice_label(instance, name: str) -> str:
    """``instance.get_<name>_display()``, looked up once per model, field, value and
    language: Django's builds a dict of every choice, hashing each lazy label, per call."""
    value = getattr(instance, name)
    try:
        return _choice_label(type(instance), name, value, get_language())
    except TypeError:  # a value that cannot be a key
        return getattr(instance, f"get_{name}_display")()


@lru_cache(maxsize=1024)
def _choice_label(model, name: str, value, language: str | None) -> str:
    return str(dict(model._meta.get_field(name).flatchoices).get(value, value))


@register.filter
def places(n) -> str:
    """``{% blocktrans count n=... %}{{ n }} place{% plural %}{{ n }} places{% endblocktrans
    %}``, made once per number and language (a local buddy's capacity on every profile)."""
    if not isinstance(n, int):
        return _places_text(n)
    return _places(n, get_language())


@lru_cache(maxsize=256)
def _places(n: int, language: str | None) -> SafeString:
    return _places_text(n)


def _places_text(n) -> SafeString:
    # As blocktrans: the translation as is, the number localized and escaped.
    return mark_safe(ngettext("%(n)s place", "%(n)s places", n or 0)  # noqa: S308
                     % {"n": conditional_escape(localize(n))})
