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
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import translate_url
from django.utils import translation
from wagtail.models import Page, Site

from ..conf import buddy_settings
from ..models import BuddyProgrammePage, Participant

CONFIRM = "confirm"
ACCESS = "access"
CHECKIN = "checkin"
INVITE = "invite"
REJOIN = "rejoin"  # extra: the id of the intake the buddy is asked to join
ANSWER = "answer"  # extra: the id of the proposal ("both accept" mode)
FEEDBACK = "feedback"  # extra: the id of the match asked about at the intake's end
PURPOSES = (CONFIRM, ACCESS, CHECKIN, INVITE, REJOIN, ANSWER, FEEDBACK)
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
    if purpose in (CONFIRM, INVITE):  # an invitation is purged as fast as a sign-up
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

# (programme id, language) -> absolute URL of the programme page in that language, kept
# for a few minutes per process: a batch of emails resolves each page's Site and copy once.
BASE_URL_TTL = 300
_BASE_URLS: dict[tuple[int, str], tuple[float, str]] = {}


def site_url() -> str:
    return (getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")


def forget_base_urls(**kwargs) -> None:
    """A page or site was saved, moved or deleted: resolve the page URLs again."""
    _BASE_URLS.clear()


def _translated_copy(programme: BuddyProgrammePage, language: str) -> BuddyProgrammePage:
    """The live copy of ``programme`` in ``language``, or ``programme`` if there is none."""
    if not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return programme
    copy = (BuddyProgrammePage.objects.live().filter(
        translation_key=programme.translation_key, locale__language_code=language)
        .select_related("locale").first())
    return copy or programme


def programme_url(programme: BuddyProgrammePage, language: str | None = None) -> str:
    """Absolute URL of the programme page in ``language``: its translated copy if there is
    one, else the page itself under that language's prefix (``/fr/...``), on the page's own
    Site (``WAGTAILADMIN_BASE_URL`` only if the page belongs to no Site)."""
    key = (programme.pk, language or "")
    hit = _BASE_URLS.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    page = _translated_copy(programme, language) if language else programme
    parts = page.get_url_parts()
    if parts is None:
        url = site_url() + (page.url or "/")
    else:
        _site_id, root_url, path = parts
        page_language = page.locale.language_code if page.locale_id else None
        if language and page_language and language != page_language:
            with translation.override(page_language):  # resolve the path as it was made
                path = translate_url(path, language)
        url = (root_url or site_url()) + path
    _BASE_URLS[key] = (time.monotonic() + BASE_URL_TTL, url)
    return url


def _url(participant: Participant, route: str, token: str) -> str:
    programme = participant.intake.programme
    return (programme_url(programme, participant.preferred_language)
            + programme.reverse_subpage(route, kwargs={"token": token}))


def confirmation_url(participant: Participant) -> str:
    """The double opt-in link of the confirmation email."""
    return _url(participant, "confirm", make_token(participant, CONFIRM))


def private_url(participant: Participant) -> str:
    """The participant's private page (view, edit, withdraw, download, delete)."""
    return _url(participant, "participant", make_token(participant, ACCESS))


def checkin_url(participant: Participant, match_id: int) -> str:
    """The follow-up answer page of one side of one match."""
    return _url(participant, "checkin", make_token(participant, CHECKIN, match_id))


def feedback_url(participant: Participant, match_id: int) -> str:
    """One side's end-of-semester feedback page about one pair."""
    return _url(participant, "feedback", make_token(participant, FEEDBACK, match_id))


def answer_url(participant: Participant, match_id: int) -> str:
    """One side's accept / decline page of one proposal ("both accept" mode)."""
    return _url(participant, "answer", make_token(participant, ANSWER, match_id))


def invitation_url(participant: Participant) -> str:
    """The imported person's invitation: check the prefilled details, consent, confirm."""
    return _url(participant, "invitation", make_token(participant, INVITE))


def rejoin_url(participant: Participant, intake_id: int) -> str:
    """A past buddy's "join again": the new intake's sign-up form, prefilled."""
    return _url(participant, "rejoin", make_token(participant, REJOIN, intake_id))


def page_or_site_changed(sender, instance=None, **kwargs) -> None:
    """Signal receiver: any page or site saved, deleted or moved may move a programme page,
    so the remembered absolute URLs are dropped."""
    if instance is None or isinstance(instance, (Page, Site)):
        forget_base_urls()
