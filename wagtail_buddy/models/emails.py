from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .participant import Participant

# A retry scheduled for time T may be picked up by a worker whose clock is slightly ahead.
CLOCK_TOLERANCE = timedelta(seconds=5)


class OutboundEmailQuerySet(models.QuerySet):
    def due(self, now=None):
        """Queued rows whose next attempt is due (or that never failed), within the
        workers' clock tolerance: the one rule of every sender, claim and sweep."""
        now = now or timezone.now()
        return self.filter(
            models.Q(next_attempt_at__isnull=True)
            | models.Q(next_attempt_at__lte=now + CLOCK_TOLERANCE),
            status=OutboundEmail.Status.QUEUED)


class OutboundEmail(models.Model):
    """One email to one participant for one purpose: the outbox that makes sending idempotent.

    ``dedup_key`` is unique, so queuing the same email twice creates one row, and the
    sending task only sends rows still ``queued``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="emails"
    )
    purpose = models.CharField(_("purpose"), max_length=32)
    dedup_key = models.CharField(max_length=200, unique=True)
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    # Set when a worker claims the row (status "sending"); a claim older than the lease
    # (``EMAIL_SENDING_LEASE``) means the worker died and the row is queued again.
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    # Earliest time of the next attempt after a failure (exponential backoff).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    # Personal rows, not content: skip Wagtail's reference index (and its queries).
    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} → {self.participant_id}"


class EmailAttempt(models.Model):
    """How one claim of an ``OutboundEmail`` ended: sent, failed, or lost with its worker.

    One row per attempt, so a resend after a lost acknowledgement (outcome ``unknown``
    followed by ``sent``) stays visible after the email itself shows ``sent``.
    """

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # The lease ran out before the worker reported: the mail server may have the email.
        UNKNOWN = "unknown", _("Unknown (worker lost)")

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("attempt"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    error = models.TextField(_("error"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["email", "number", "pk"]
        verbose_name = _("email attempt")
        verbose_name_plural = _("email attempts")

    def __str__(self) -> str:
        return f"{self.email_id} #{self.number}: {self.outcome}"
