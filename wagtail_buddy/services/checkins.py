"""Follow-up check-ins: 'Have you met your buddy?' a few weeks after the introduction.

``send_due_checkins`` runs daily (django-q2 schedule). It is safe to run twice or on two
hosts at once: one ``CheckIn`` per (match, side) is enforced by a unique constraint, and
the email's dedup key ``checkin:<participant>:<match>`` is queued once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from ..conf import buddy_settings
from ..models import CheckIn, Match, Participant
from .emails import queue_emails
from .tokens import checkin_url

logger = logging.getLogger(__name__)
PURPOSE = "checkin"


def due_matches(now=None):
    """Confirmed matches introduced more than CHECKIN_WEEKS ago that miss a check-in."""
    now = now or timezone.now()
    cutoff = now - timedelta(weeks=int(buddy_settings.CHECKIN_WEEKS))
    return (
        Match.objects.filter(status=Match.Status.CONFIRMED, introduced_at__isnull=False,
                             introduced_at__lte=cutoff)
        .annotate(n_checkins=Count("checkins")).filter(n_checkins__lt=2)
    )


def send_due_checkins(now=None) -> int:
    """Create the missing check-ins and queue one email per side; returns how many."""
    now = now or timezone.now()
    matches = list(due_matches(now).select_related(
        "mentee__intake__programme", "mentor__intake__programme"))
    if not matches:
        return 0
    existing = set(CheckIn.objects.filter(match__in=matches).values_list(
        "match_id", "participant_id"))
    sides = [(m, p) for m in matches for p in (m.mentee, m.mentor)
             if (m.pk, p.pk) not in existing and p.status not in (
                 Participant.Status.WITHDRAWN, Participant.Status.ENDED)]
    CheckIn.objects.bulk_create(
        [CheckIn(match=m, participant=p, sent_at=now) for m, p in sides],
        ignore_conflicts=True, batch_size=500,
    )
    queued = queue_emails(  # page URLs are resolved once per programme and language
        (p, PURPOSE, str(m.pk), {"match_id": m.pk, "checkin_url": checkin_url(p, m.pk),
                                 "links": ["private_url"]})  # the checklist is there
        for m, p in sides
    )
    if queued:
        logger.info("Queued %s check-in email(s)", queued)
    return queued


def checkin_for(participant: Participant, match_id: int) -> CheckIn | None:
    """The check-in of ``participant`` in match ``match_id`` (None if it is not theirs)."""
    return CheckIn.objects.select_related("match").filter(
        participant=participant, match_id=match_id).first()


def record_answer(checkin: CheckIn, answer: str, rating: int | None = None,
                  comment: str | None = None) -> CheckIn:
    """Store an answer; a later answer (changed mind, added a comment) replaces it."""
    if answer not in CheckIn.Answer.values:
        raise ValueError(f"unknown answer {answer!r}")
    if rating is not None and not 1 <= rating <= 5:
        raise ValueError("rating must be between 1 and 5")
    checkin.answer = answer
    checkin.answered_at = timezone.now()
    fields = ["answer", "answered_at"]
    if rating is not None or comment is not None:
        checkin.rating = rating
        checkin.comment = (comment or "").strip()
        fields += ["rating", "comment"]
    checkin.save(update_fields=fields)
    return checkin
