"""Per-IP rate limiting of the public forms on a shared Django cache (no extra dependency).

A fixed one-hour window per (scope, IP): ``cache.add`` creates the counter with its
expiry, ``cache.incr`` bumps it atomically on Redis, Memcached and locmem. Backends that
inherit ``BaseCache.incr`` (the database cache) re-set the key with the *default* timeout
(five minutes), which would cut the window short; there the counter is re-set with the
window's own expiry instead. The cache is ``buddy_settings.CACHE``; it must be shared by all
web workers, so a per-process ``locmem`` cache only limits per process.

If the cache is down the request is allowed (and logged): a broken cache must not stop
students from signing up.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

from .conf import buddy_settings

logger = logging.getLogger(__name__)

WINDOW = 60 * 60


def client_ip(request: HttpRequest) -> str:
    """The peer address. Behind a proxy, set REMOTE_ADDR from X-Forwarded-For in the proxy
    layer (e.g. gunicorn's ``--forwarded-allow-ips``); a client-supplied header is not
    trusted here, or anyone could pick a fresh IP per request."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(scope: str, ip: str, window: int) -> str:
    digest = hashlib.sha256(ip.encode()).hexdigest()[:24]  # no raw IP in the cache
    return f"wagtail_buddy:rl:{scope}:{digest}:{window}"


def _increment(cache, key: str) -> int:
    """``cache.incr`` that keeps the key alive for the whole window on every backend."""
    if type(cache).incr is not BaseCache.incr:
        return cache.incr(key)
    value = cache.get(key)
    if value is None:
        raise ValueError(key)
    value = int(value) + 1
    cache.set(key, value, timeout=WINDOW + 60)
    return value


def hit(request: HttpRequest, scope: str, limit: int | None = None) -> bool:
    """Count one attempt; True while the IP is within ``limit`` attempts this hour."""
    limit = int(buddy_settings.SIGNUP_RATE_LIMIT if limit is None else limit)
    window = int(time.time() // WINDOW)
    key = _key(scope, client_ip(request), window)
    try:
        cache = caches[buddy_settings.CACHE]
        try:  # the common case is a known IP: one increment, no failed insert first
            count = _increment(cache, key)
        except ValueError:  # first attempt this hour (or a race with another first attempt)
            count = 1 if cache.add(key, 1, timeout=WINDOW + 60) else _increment(cache, key)
    except Exception:  # noqa: BLE001 - fail open, see module docstring
        logger.warning("wagtail-buddy rate-limit cache unavailable", exc_info=True)
        return True
    return count <= limit


def is_limited(request: HttpRequest, scope: str, limit: int | None = None) -> bool:
    """True when the IP already used up its attempts (does not count this one)."""
    limit = int(buddy_settings.SIGNUP_RATE_LIMIT if limit is None else limit)
    key = _key(scope, client_ip(request), int(time.time() // WINDOW))
    try:
        return int(caches[buddy_settings.CACHE].get(key) or 0) >= limit
    except Exception:  # noqa: BLE001
        logger.warning("wagtail-buddy rate-limit cache unavailable", exc_info=True)
        return False
