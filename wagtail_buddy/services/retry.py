"""Retries of failed email sends, and the lease that frees a dead worker's rows.

A failed send is retried after ``EMAIL_RETRY_BASE_DELAY * 2**(attempts - 1)`` seconds
(60 s, 2 min, 4 min, 8 min ... capped at ``MAX_DELAY``) through a django-q2 one-off
schedule. Rows whose worker died mid-send go back to the queue (``requeue_stale_sending``,
called by every sender task and by ``emails.flush_outbox``, the sweeper). This module sits
below ``services.emails`` and never imports it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ..conf import buddy_settings
from ..models import EmailAttempt, OutboundEmail
from .queue import Schedule, schedule_kwargs

logger = logging.getLogger(__name__)

MAX_DELAY = 6 * 60 * 60


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt (exponential, capped)."""
    base = int(buddy_settings.EMAIL_RETRY_BASE_DELAY)
    return min(base * 2 ** max(attempts - 1, 0), MAX_DELAY)


def sending_timeout() -> timedelta:
    """How long a row may stay ``sending`` before its worker is presumed dead: the lease.

    Not the queue's task timeout (10 minutes and more): a worker that sent the email keeps
    writing "sent" for half the lease, so a silent worker past the lease is gone.
    """
    return timedelta(seconds=int(buddy_settings.EMAIL_SENDING_LEASE))


def schedule_email_retry(email_id: int) -> None:
    """Create the one-off schedule of the next attempt (idempotent per attempt number)."""
    email = OutboundEmail.objects.filter(pk=email_id, status=OutboundEmail.Status.QUEUED).first()
    if email is None:
        return
    next_run = email.next_attempt_at or timezone.now() + timedelta(
        seconds=retry_delay(email.attempts))
    kwargs = schedule_kwargs()
    # repeats=-1: django-q2 deletes a ONCE schedule with negative repeats after it ran.
    Schedule.objects.get_or_create(
        name=f"buddy-email-retry-{email_id}-{email.attempts}",
        defaults={
            "func": "wagtail_buddy.tasks.send_email", "args": str(email_id),
            "kwargs": kwargs, "schedule_type": Schedule.ONCE, "repeats": -1,
            "next_run": next_run,
        },
    )


def requeue_stale_sending(now=None) -> int:
    """Rows whose lease ran out (their worker died) go back to the queue, or fail.

    The email may or may not have reached the mail server before the worker went silent:
    it is sent again (with the same Message-ID) rather than silently dropped, and the lost
    attempt is recorded as ``unknown``. Called by every sender task and by the sweeper.
    """
    now = now or timezone.now()
    error = "Worker went silent while sending; the email may have been delivered"
    with transaction.atomic():
        stale = list(OutboundEmail.objects.select_for_update(skip_locked=True).filter(
            status=OutboundEmail.Status.SENDING, last_attempt_at__lt=now - sending_timeout()
        ).values_list("pk", "attempts"))
        if not stale:
            return 0
        EmailAttempt.objects.bulk_create([
            EmailAttempt(email_id=pk, number=attempts, outcome=EmailAttempt.Outcome.UNKNOWN,
                         error=error) for pk, attempts in stale])
        rows = OutboundEmail.objects.filter(pk__in=[pk for pk, _ in stale])
        failed = rows.filter(attempts__gte=buddy_settings.EMAIL_MAX_ATTEMPTS).update(
            status=OutboundEmail.Status.FAILED, last_error=error, next_attempt_at=None
        )
        requeued = rows.filter(status=OutboundEmail.Status.SENDING).update(
            status=OutboundEmail.Status.QUEUED, last_error=error, next_attempt_at=now)
    logger.warning("Outbox: %s stale email(s) requeued, %s failed", requeued, failed)
    return failed + requeued

