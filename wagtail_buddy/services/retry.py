"""Retries of failed email sends, and the outbox sweeper that makes the queue self-healing.

A failed send is retried after ``EMAIL_RETRY_BASE_DELAY * 2**(attempts - 1)`` seconds
(60 s, 2 min, 4 min, 8 min ... capped at ``MAX_DELAY``) through a django-q2 one-off
schedule. ``flush_outbox`` (scheduled every 5 minutes by ``buddy_schedules``) is the safety
net: it re-enqueues queued rows that are due but were never handed to a worker (broker down
at sign-up time, a lost one-off schedule), and frees rows whose worker died mid-send.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..conf import buddy_settings
from ..models import OutboundEmail

logger = logging.getLogger(__name__)

MAX_DELAY = 6 * 60 * 60
# A fresh row is enqueued by its request's on_commit; the sweeper leaves it this long.
ENQUEUE_GRACE = timedelta(minutes=2)


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt (exponential, capped)."""
    base = int(buddy_settings.EMAIL_RETRY_BASE_DELAY)
    return min(base * 2 ** max(attempts - 1, 0), MAX_DELAY)


def sending_timeout() -> timedelta:
    """How long a row may stay ``sending`` before its worker is presumed dead.

    A django-q2 worker is killed after the cluster's ``timeout``; a send that lasted longer
    cannot still be running.
    """
    task_timeout = (getattr(settings, "Q_CLUSTER", {}) or {}).get("timeout") or 600
    return timedelta(seconds=int(task_timeout) + 60)


def schedule_email_retry(email_id: int) -> None:
    """Create the one-off schedule of the next attempt (idempotent per attempt number)."""
    email = OutboundEmail.objects.filter(pk=email_id, status=OutboundEmail.Status.QUEUED).first()
    if email is None:
        return
    from django_q.models import Schedule

    next_run = email.next_attempt_at or timezone.now() + timedelta(
        seconds=retry_delay(email.attempts))
    kwargs = repr({"q_options": {"queue": buddy_settings.TASK_QUEUE}}) \
        if buddy_settings.TASK_QUEUE else None
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
    """Rows stuck in ``sending`` (their worker was killed) go back to the queue, or fail.

    The send may or may not have reached the SMTP server before the worker died; the
    row is retried (at-least-once in that rare case) rather than silently dropped.
    """
    now = now or timezone.now()
    stale = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING, last_attempt_at__lt=now - sending_timeout()
    )
    error = "Worker stopped while sending"
    failed = stale.filter(attempts__gte=buddy_settings.EMAIL_MAX_ATTEMPTS).update(
        status=OutboundEmail.Status.FAILED, last_error=error, next_attempt_at=None
    )
    requeued = stale.update(status=OutboundEmail.Status.QUEUED, last_error=error,
                            next_attempt_at=now)
    if failed or requeued:
        logger.warning("Outbox: %s stale email(s) requeued, %s failed", requeued, failed)
    return failed + requeued


def flush_outbox(limit: int = 1000) -> int:
    """Enqueue due emails that no worker has picked up; returns how many were enqueued."""
    from .emails import enqueue_many

    now = timezone.now()
    requeue_stale_sending(now)
    ids = list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED)
        .exclude(next_attempt_at__gt=now)
        .exclude(attempts=0, created_at__gt=now - ENQUEUE_GRACE)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    enqueue_many(ids)
    return len(ids)
