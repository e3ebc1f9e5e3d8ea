"""``{% buddy_language_links %}``: a language switcher that keeps the visitor's page.

For each of ``settings.LANGUAGES`` it links to the current page's translated copy (with the
same programme sub-route, e.g. ``signup/local/`` or a private link), or, where no copy
exists, to the same path under that language's prefix. Use it in the site's base template::

    {% load buddy_i18n %}{% buddy_language_links as languages %}
    {% for language in languages %}<a href="{{ language.url }}" ...>{% endfor %}
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation

from ..vocabulary import native_language_name

register = template.Library()


@register.filter
def native_name(code: str | None) -> str:
    """``{{ "fr"|native_name }}`` -> "Français": a language named in itself."""
    return native_language_name(code) if code else ""


def _translations(page, request) -> dict[str, str]:
    """Language code -> URL of each live copy of ``page`` (one query)."""
    if page is None or not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return {}
    copies = page.get_translations(inclusive=True).live().select_related("locale")
    return {copy.locale.language_code: copy.get_url(request) for copy in copies}


@register.simple_tag(takes_context=True)
def buddy_language_links(context) -> list[dict]:
    """``[{code, name, url, current}]`` for the site's languages, each named in itself."""
    request = context.get("request")
    if request is None:
        return []
    page = context.get("page")
    path = request.path
    base = page.url_as_requested(request) if hasattr(page, "url_as_requested") else path
    route = path[len(base):] if path.startswith(base) else ""
    copies = _translations(page, request)
    current = translation.get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        url = copies[code] + route if copies.get(code) else translate_url(path, code)
        links.append({"code": code, "name": native_language_name(code), "url": url,
                      "current": code == current})
    return links
