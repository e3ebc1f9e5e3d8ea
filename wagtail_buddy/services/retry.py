"""Retry of failed email sends with exponential backoff, through a django-q2 one-off schedule."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ..conf import buddy_settings
from ..models import OutboundEmail


def schedule_email_retry(email_id: int) -> None:
    email = OutboundEmail.objects.filter(pk=email_id, status=OutboundEmail.Status.QUEUED).first()
    if email is None:
        return
    from django_q.models import Schedule

    delay = buddy_settings.EMAIL_RETRY_BASE_DELAY * (2 ** max(email.attempts - 1, 0))
    Schedule.objects.create(
        name=f"buddy-email-retry-{email_id}-{email.attempts}",
        func="wagtail_buddy.tasks.send_email",
        args=str(email_id),
        schedule_type=Schedule.ONCE,
        repeats=1,
        next_run=timezone.now() + timedelta(seconds=delay),
    )
