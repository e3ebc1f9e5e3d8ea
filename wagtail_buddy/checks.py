"""System checks: settings that would quietly break a promise the app makes."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

from .conf import buddy_settings


@register()
def check_email_lease(app_configs=None, **kwargs) -> list[Warning]:
    """A send must end within half the sending lease, or its email may be sent twice.

    Past the lease a row counts as abandoned and is sent again; without ``EMAIL_TIMEOUT``
    a hung mail server keeps a worker inside ``send()`` for ever.
    """
    lease = int(buddy_settings.EMAIL_SENDING_LEASE)
    timeout = getattr(settings, "EMAIL_TIMEOUT", None)
    if timeout is not None and float(timeout) <= lease / 2:
        return []
    return [Warning(
        f"EMAIL_TIMEOUT is {timeout!r}; with WAGTAIL_BUDDY_EMAIL_SENDING_LEASE = {lease} s "
        "a stuck send can outlive its lease and the email be sent twice.",
        hint=f"Set EMAIL_TIMEOUT to at most {lease // 2} seconds (30 is plenty).",
        id="wagtail_buddy.W001",
    )]


@register()
def check_run_heartbeat(app_configs=None, **kwargs) -> list[Warning]:
    """A run's heartbeat must come several times within the staleness limit."""
    interval = float(buddy_settings.RUN_HEARTBEAT_INTERVAL)
    stale_after = float(buddy_settings.RUN_STALE_AFTER)
    if 0 < interval * 3 <= stale_after:
        return []
    return [Warning(
        f"WAGTAIL_BUDDY_RUN_HEARTBEAT_INTERVAL ({interval:g} s) must be positive and at most a "
        f"third of WAGTAIL_BUDDY_RUN_STALE_AFTER ({stale_after:g} s), or live matching runs "
        "are failed as dead.",
        id="wagtail_buddy.W002",
    )]
