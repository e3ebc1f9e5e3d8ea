"""Small, hot, rarely changing reads kept in the shared cache (``CACHE``), failing open.

Every public page and sign-up reads the open intake and the offered interests; a query each
was a fifth of a sign-up's work. A value is dropped by a signal when its rows are saved or
deleted, and expires after ``TIMEOUT`` seconds: that bounds how long a change made without
signals (``QuerySet.update``), or one made in another process with a per-process cache,
stays unseen. A broken cache only costs the query.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from wagtail.models import Locale, Site
from wagtail.models.sites import SiteRootPath

from .conf import buddy_settings

logger = logging.getLogger(__name__)

TIMEOUT = 60
T = TypeVar("T")
_MISSING = object()


def remember(key: str, compute: Callable[[], T]) -> T:
    """The cached value of ``key``, or ``compute()`` stored under it (``None`` included)."""
    try:
        cache = caches[buddy_settings.CACHE]
        value = cache.get(key, _MISSING)
    except Exception:  # noqa: BLE001 - fail open
        logger.warning("wagtail-buddy cache unavailable", exc_info=True)
        return compute()
    if value is _MISSING:
        value = compute()
        try:
            cache.set(key, value, TIMEOUT)
        except Exception:  # noqa: BLE001
            logger.warning("wagtail-buddy cache unavailable", exc_info=True)
    return value


def forget(*keys: str) -> None:
    """Drop ``keys``: the next ``remember`` reads the database again."""
    try:
        caches[buddy_settings.CACHE].delete_many(keys)
    except Exception:  # noqa: BLE001 - they expire on their own
        logger.warning("wagtail-buddy cache unavailable", exc_info=True)


def site_root_paths() -> list:
    """Wagtail's ``Site.get_site_root_paths()``, failing open like ``remember``.

    Wagtail keeps them in the default cache and does not survive a cache outage: every
    ``page.url`` then raises. On a cache error this reads the sites (the same query and
    order as Wagtail) without caching them.
    """
    try:
        return Site.get_site_root_paths()
    except Exception:  # noqa: BLE001 - fail open: read the sites
        logger.warning("Cache unavailable; reading Wagtail's site root paths", exc_info=True)
    i18n = getattr(settings, "WAGTAIL_I18N_ENABLED", False)
    paths = []
    for site in Site.objects.select_related("root_page", "root_page__locale").order_by(
            "-root_page__url_path", "-is_default_site", "hostname"):
        roots = (site.root_page.get_translations(inclusive=True).select_related("locale")
                 if i18n else [site.root_page])
        paths.extend(SiteRootPath(site.id, root.url_path, site.root_url,
                                  root.locale.language_code) for root in roots)
    return paths


# A page's locale is one more query on every public request (``page.locale`` is not loaded
# with the page) for a value that practically never changes: the language code of each
# locale id is kept in this process for ``TIMEOUT`` seconds, dropped when a locale is saved
# or deleted here. A locale's code edited in another process is seen
# within ``TIMEOUT``, as the other cached reads.
_locale_codes: dict[int, tuple[float, str]] = {}


def locale_code(locale_id: int) -> str:
    """``Locale.objects.get(pk=locale_id).language_code``, read once a minute at most."""
    now = time.monotonic()
    known = _locale_codes.get(locale_id)
    if known is not None and now - known[0] < TIMEOUT:
        return known[1]
    code = Locale.objects.values_list("language_code", flat=True).get(pk=locale_id)
    _locale_codes[locale_id] = (now, code)
    return code


def forget_locales(**kwargs) -> None:
    """post_save / post_delete of a ``Locale``."""
    _locale_codes.clear()


post_save.connect(forget_locales, sender=Locale, dispatch_uid="wagtail_buddy_locales_save")
post_delete.connect(forget_locales, sender=Locale, dispatch_uid="wagtail_buddy_locales_delete")
