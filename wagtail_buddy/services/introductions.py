"""Introducing confirmed pairs by email: preview, send once, and show the status.

Each side gets one ``introduction`` email (dedup key = the match id) in their own
language, with the other's first name, email, phone and the coordinator's note. Queuing
twice sends once: the outbox's unique key makes it idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from ..models import Intake, Match, OutboundEmail
from .audit import audit_matches
from .email_rendering import render_email
from .emails import dedup_key_for, queue_emails

PURPOSE = "introduction"


def pending(intake: Intake):
    """Confirmed matches not introduced yet."""
    return Match.objects.filter(intake=intake, status=Match.Status.CONFIRMED,
                                introduced_at__isnull=True)


def send(matches: Sequence[Match], user) -> int:
    """Queue the introduction of each confirmed, not yet introduced match; returns how many.

    The matches need ``mentee`` and ``mentor`` loaded (select_related) to avoid a query
    per pair.
    """
    targets = [m for m in matches
               if m.status == Match.Status.CONFIRMED and m.introduced_at is None]
    if not targets:
        return 0
    with transaction.atomic():
        queue_emails(
            (person, PURPOSE, str(m.pk), {"match_id": m.pk, "links": ["private_url"]})
            for m in targets for person in (m.mentee, m.mentor)
        )
        Match.objects.filter(pk__in=[m.pk for m in targets], introduced_at__isnull=True).update(
            introduced_at=timezone.now())
        audit_matches(targets, "wagtail_buddy.match_introduce", user)
    return len(targets)


def preview(match: Match, side: str = "mentee", purpose: str = PURPOSE,
            context: dict | None = None) -> dict[str, str]:
    """Render the email ``side`` would receive (the introduction by default), unqueued."""
    person = match.mentee if side == "mentee" else match.mentor
    email = OutboundEmail(participant=person, purpose=purpose,
                          context=context or {"match_id": match.pk})
    message = render_email(email)
    html = next((body for body, mime in message.alternatives if mime == "text/html"), "")
    return {"subject": message.subject, "text": message.body, "html": html,
            "to": ", ".join(message.to), "language": person.preferred_language}


def email_statuses(matches: Sequence[Match]) -> dict[int, dict[str, str]]:
    """Match id -> {"mentee": status, "mentor": status} of its introduction emails (1 query)."""
    keys = {}
    for m in matches:
        keys[dedup_key_for(m.mentee_id, PURPOSE, str(m.pk))] = (m.pk, "mentee")
        keys[dedup_key_for(m.mentor_id, PURPOSE, str(m.pk))] = (m.pk, "mentor")
    out: dict[int, dict[str, str]] = {m.pk: {} for m in matches}
    if keys:
        for key, status in OutboundEmail.objects.filter(dedup_key__in=list(keys)).values_list(
                "dedup_key", "status"):
            match_pk, side = keys[key]
            out[match_pk][side] = status
    return out
