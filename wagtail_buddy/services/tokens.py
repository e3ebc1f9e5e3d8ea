"""Signed, expiring, single-purpose links for participants (there are no accounts).

A token is ``django.core.signing`` output over ``[participant id, key fingerprint, *extra]``
with a salt per purpose, so a confirmation token cannot open the private page and a
check-in token cannot confirm an email. The fingerprint is a hash of the participant's
``access_key``: rotating the key (withdraw, erase) kills every link sent so far, and the
key itself never appears in a URL.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from ..conf import buddy_settings
from ..models import BuddyProgrammePage, Participant

CONFIRM = "confirm"
ACCESS = "access"
CHECKIN = "checkin"
PURPOSES = (CONFIRM, ACCESS, CHECKIN)
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]+")


class TokenError(Exception):
    """The link is not valid for this purpose (forged, tampered, revoked, wrong purpose)."""


class TokenExpired(TokenError):
    """The link was valid once but is too old."""


def _salt(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return f"wagtail_buddy.token.{purpose}"


def _max_age(purpose: str) -> int:
    if purpose == CONFIRM:
        return int(buddy_settings.CONFIRM_TOKEN_MAX_AGE)
    return int(buddy_settings.TOKEN_MAX_AGE)


def key_fingerprint(participant: Participant) -> str:
    """A short hash of the access key: enough to revoke, useless to recover the key."""
    return hashlib.sha256(f"buddy:{participant.access_key}".encode()).hexdigest()[:16]


# Wagtail serves sub-routes only when every path segment is ``[\w-]+``, so the ``:``
# separators of a signed value are dropped: the timestamp (base62) is always 6 characters
# until the year 3700 and an HMAC-SHA256 signature 43, which lets ``_split`` put them back.
TS_LEN, SIG_LEN = 6, 43


def _signer(purpose: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_salt(purpose), algorithm="sha256")


def make_token(participant: Participant, purpose: str, *extra: int) -> str:
    """A URL-safe token for ``participant`` and ``purpose`` (``extra``: e.g. a match id)."""
    signed = _signer(purpose).sign_object([participant.pk, key_fingerprint(participant),
                                           *extra])
    payload, stamp, signature = signed.rsplit(":", 2)
    if len(stamp) != TS_LEN or len(signature) != SIG_LEN:  # pragma: no cover - see above
        raise RuntimeError("unexpected signature format")
    return f"{payload}{stamp}{signature}"


def _split(token: str) -> str:
    if len(token) <= TS_LEN + SIG_LEN:
        raise TokenError("malformed")
    cut = len(token) - SIG_LEN
    return f"{token[:cut - TS_LEN]}:{token[cut - TS_LEN:cut]}:{token[cut:]}"


@dataclass
class Resolved:
    participant: Participant
    extra: list


def resolve(token: str, purpose: str, queryset=None) -> Resolved:
    """The participant a token was made for; raises ``TokenError`` / ``TokenExpired``."""
    if not token or len(token) > 500 or not TOKEN_RE.fullmatch(token):
        raise TokenError("malformed")
    try:
        payload = _signer(purpose).unsign_object(_split(token), max_age=_max_age(purpose))
    except signing.SignatureExpired as exc:
        raise TokenExpired("expired") from exc
    except (signing.BadSignature, ValueError, UnicodeError) as exc:
        raise TokenError("bad signature") from exc
    if (not isinstance(payload, list) or len(payload) < 2
            or not isinstance(payload[0], int) or not isinstance(payload[1], str)):
        raise TokenError("bad payload")
    queryset = queryset if queryset is not None else Participant.objects.all()
    participant = queryset.select_related("intake__programme").filter(pk=payload[0]).first()
    if participant is None or not hmac.compare_digest(key_fingerprint(participant), payload[1]):
        raise TokenError("revoked")
    return Resolved(participant, payload[2:])


# --- absolute URLs for emails ---------------------------------------------------------


def site_url() -> str:
    return (getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")


def programme_path(programme: BuddyProgrammePage, language: str | None = None,
                   cache: dict | None = None) -> str:
    """Path of the programme page, in ``language``'s translated copy when there is one."""
    cache_key = (programme.pk, language)
    if cache is not None and cache_key in cache:
        return cache[cache_key]
    page = programme
    if language and getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        from wagtail.models import Locale

        locale = Locale.objects.filter(language_code=language).first()
        if locale and locale.pk != programme.locale_id:
            page = (BuddyProgrammePage.objects.live()
                    .filter(translation_key=programme.translation_key, locale=locale).first()
                    or programme)
    parts = page.get_url_parts()
    path = parts[2] if parts else "/"
    if cache is not None:
        cache[cache_key] = path
    return path


def _url(participant: Participant, route: str, token: str, cache: dict | None = None) -> str:
    programme = participant.intake.programme
    base = programme_path(programme, participant.preferred_language, cache)
    return site_url() + base + programme.reverse_subpage(route, kwargs={"token": token})


def confirmation_url(participant: Participant, cache: dict | None = None) -> str:
    """The double opt-in link of the confirmation email."""
    return _url(participant, "confirm", make_token(participant, CONFIRM), cache)


def private_url(participant: Participant, cache: dict | None = None) -> str:
    """The participant's private page (view, edit, withdraw, download, delete)."""
    return _url(participant, "participant", make_token(participant, ACCESS), cache)


def checkin_url(participant: Participant, match_id: int, cache: dict | None = None) -> str:
    """The follow-up answer page of one side of one match."""
    return _url(participant, "checkin", make_token(participant, CHECKIN, match_id), cache)
