"""Participant emails through an outbox: queued in the request, sent by a django-q2 task.

``queue_email`` writes one ``OutboundEmail`` row per ``dedup_key`` (so asking twice sends
once) and hands its id to the task queue after the transaction commits. Templates live
under ``wagtail_buddy/emails/<purpose>_subject.txt``, ``<purpose>.txt`` and, optionally,
``<purpose>.html``; they are rendered in the participant's preferred language.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ..conf import buddy_settings
from ..models import OutboundEmail, Participant


def queue_email(
    participant: Participant, purpose: str, *, key: str = "", context: dict | None = None
) -> OutboundEmail:
    """Queue ``purpose`` for ``participant`` once per ``key``; returns the (maybe existing) row.

    ``context`` must be JSON-serialisable (ids, not objects); ``build_context`` turns it
    into template context at send time, so nothing personal is duplicated in the outbox.
    """
    dedup_key = f"{purpose}:{participant.pk}:{key}"
    try:
        with transaction.atomic():
            email, created = OutboundEmail.objects.get_or_create(
                dedup_key=dedup_key,
                defaults={"participant": participant, "purpose": purpose,
                          "context": context or {}},
            )
    except IntegrityError:  # a concurrent request queued the same email
        return OutboundEmail.objects.get(dedup_key=dedup_key)
    if created:
        transaction.on_commit(lambda: enqueue_send(email.pk))
    return email


def enqueue_send(email_id: int) -> None:
    from django_q.tasks import async_task

    options = {"task_name": f"buddy-email-{email_id}"}
    if buddy_settings.TASK_QUEUE:
        options["q_options"] = {"queue": buddy_settings.TASK_QUEUE}
    async_task("wagtail_buddy.tasks.send_email", email_id, **options)


def build_context(email: OutboundEmail) -> dict:
    """Template context for ``email``: the participant, their programme, and referenced rows."""
    from ..models import Match

    participant = email.participant
    programme = participant.intake.programme
    context = {
        "participant": participant,
        "programme": programme,
        "intake": participant.intake,
        "site_url": getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/"),
        **{k: v for k, v in email.context.items() if not k.endswith("_id")},
    }
    if "match_id" in email.context:
        match = Match.objects.select_related("mentee", "mentor").filter(
            pk=email.context["match_id"]).first()
        context["match"] = match
        if match:
            context["buddy"] = match.mentor if participant.pk == match.mentee_id else match.mentee
    return context


def render_email(email: OutboundEmail) -> EmailMultiAlternatives:
    """Render ``email`` in the participant's language."""
    participant = email.participant
    context = build_context(email)
    base = f"wagtail_buddy/emails/{email.purpose}"
    with translation.override(participant.preferred_language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
        text = render_to_string(f"{base}.txt", context)
        try:
            html = render_to_string(f"{base}.html", context)
        except TemplateDoesNotExist:
            html = None
    programme = context["programme"]
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=buddy_settings.FROM_EMAIL or settings.DEFAULT_FROM_EMAIL,
        to=[participant.email],
        reply_to=[programme.contact_email] if programme.contact_email else None,
        headers={"X-Buddy-Purpose": email.purpose},
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def send_queued_email(email_id: int) -> bool:
    """Send one queued email exactly once; returns True when this call sent it.

    The row is locked while sending, so a task that runs twice (a worker retry, two
    clusters) sends once. Failures are recorded and retried by ``tasks.send_email``.
    """
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update()
            .select_related("participant__intake__programme")
            .filter(pk=email_id, status=OutboundEmail.Status.QUEUED)
            .first()
        )
        if email is None:
            return False
        email.attempts += 1
        try:
            render_email(email).send()
        except Exception as exc:  # noqa: BLE001 - any transport error is retried
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= buddy_settings.EMAIL_MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
            email.save(update_fields=["attempts", "last_error", "status"])
            raise
        email.status = OutboundEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        return True
