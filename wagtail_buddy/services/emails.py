"""Participant emails through an outbox: queued in the request, sent by a django-q2 task.

``queue_email`` writes one ``OutboundEmail`` row per ``dedup_key`` (so asking twice sends
once) and, after the transaction commits, wakes the sender: one ``tasks.send_outbox`` task
that sends every due row. While such a task waits for a worker, new rows do not enqueue
another (``kick_sender``): a sign-up surge costs the queue one task per worker turn instead of
one per email, and a sign-up no task row. This module decides when and whether a row is
sent; turning a row into a message (context, links, templates, language) is
``email_rendering``'s job.

Delivery is at most once per row, with one named exception. A worker first *claims* the row
with one conditional ``UPDATE ... WHERE status = 'queued'`` (committed at once, so no
database lock is held while talking to the SMTP server — on SQLite such a lock would block
every sign-up), then sends, then marks it sent. A second run of the same task, or a
concurrent one on another host, finds nothing to claim. A failed send goes back to
``queued`` with an exponential ``next_attempt_at`` (see ``services.retry``) until
``EMAIL_MAX_ATTEMPTS``, then ``failed``. The claim is a lease (``EMAIL_SENDING_LEASE``):
"sent" is written across a database reconnect for up to half of it, and only a row whose
worker went silent for the whole lease is sent again. That resend happens only when
the mail server may have the email and we cannot know (its acknowledgement was lost, or the
worker died between the server's acceptance and the status write): it carries the same
``Message-ID`` (``message_id_for``), and ``EmailAttempt`` rows record every attempt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from email.utils import parseaddr

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.mail import get_connection
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import Count, F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ..caching import forget
from ..conf import buddy_settings
from ..models import EmailAttempt, OutboundEmail, Participant
from .email_rendering import render_email
from .queue import enqueue
from .retry import requeue_stale_sending, retry_delay, schedule_email_retry

logger = logging.getLogger(__name__)

# Set while a ``send_outbox`` task waits for a worker. It expires, so a lost task delays
# new emails by a minute at most (and ``flush_outbox`` sends what is older).
SENDER_PENDING_KEY = "wagtail_buddy:outbox:sender-pending"
SENDER_PENDING_TIMEOUT = 60
# Rows one ``send_outbox`` task sends; a full batch wakes the next task.
SEND_BATCH = 200
# A fresh row is enqueued by its request's on_commit; the sweeper leaves it this long.
ENQUEUE_GRACE = timedelta(minutes=2)


class PermanentEmailError(Exception):
    """The email cannot be built (missing template, broken context): retrying won't help."""


def dedup_key_for(participant_id: int, purpose: str, key: str = "") -> str:
    return f"{purpose}:{participant_id}:{key}"


def queue_email(
    participant: Participant, purpose: str, *, key: str = "", context: dict | None = None
) -> OutboundEmail:
    """Queue ``purpose`` for ``participant`` once per ``key``; returns the (maybe existing) row.

    ``context`` must be JSON-serialisable (ids, not objects); ``email_rendering.build_context``
    turns it into template context at send time, so nothing personal is duplicated in the outbox.
    """
    try:
        # Insert first (the common case is a new row): one statement, no SELECT.
        with transaction.atomic():
            return queue_first_email(participant, purpose, key=key, context=context)
    except IntegrityError:  # queued before, or by a concurrent request: send once
        return OutboundEmail.objects.get(dedup_key=dedup_key_for(participant.pk, purpose, key))


def queue_first_email(
    participant: Participant, purpose: str, *, key: str = "", context: dict | None = None
) -> OutboundEmail:
    """``queue_email`` for a participant created in the current transaction.

    Nothing can be queued for them yet, so this is a plain insert: no savepoint to catch a
    duplicate, two database round trips fewer on the sign-up path.
    """
    email = first_email(participant, purpose, key=key, context=context)
    email.save(force_insert=True)
    schedule_send([email.pk])
    return email


def first_email(
    participant: Participant, purpose: str, *, key: str = "", context: dict | None = None
) -> OutboundEmail:
    """The unsaved outbox row of ``queue_first_email``; whoever inserts it calls
    ``schedule_send`` (the sign-up inserts it with the student's languages and interests)."""
    return OutboundEmail(participant=participant, purpose=purpose,
                         dedup_key=dedup_key_for(participant.pk, purpose, key),
                         context=context or {})


def queue_emails(
    items: Iterable[tuple[Participant, str, str, dict]],
) -> int:
    """Queue many ``(participant, purpose, key, context)`` emails with one bulk insert.

    Rows whose dedup key already exists are left alone (sent once). Returns how many rows
    are newly queued. Used by batch jobs (reminders, introductions) instead of a loop.
    """
    rows = {
        dedup_key_for(p.pk, purpose, key): OutboundEmail(
            participant_id=p.pk, purpose=purpose, dedup_key=dedup_key_for(p.pk, purpose, key),
            context=context or {},
        )
        for p, purpose, key, context in items
    }
    if not rows:
        return 0
    keys = list(rows)
    existing = set(
        OutboundEmail.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True)
    )
    new = [row for key, row in rows.items() if key not in existing]
    OutboundEmail.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    new_keys = [row.dedup_key for row in new]
    ids = list(
        OutboundEmail.objects.filter(
            dedup_key__in=new_keys, status=OutboundEmail.Status.QUEUED, attempts=0
        ).values_list("pk", flat=True)
    )
    schedule_send(ids)
    return len(new)


def schedule_send(emails: list) -> None:
    """Have a worker send new outbox rows (``emails``: the rows or their ids) once the
    caller's transaction commits."""
    if emails:
        transaction.on_commit(kick_sender)


def kick_sender() -> None:
    """Enqueue ``tasks.send_outbox`` unless one is already waiting for a worker.

    The waiting task clears the flag *before* it reads the outbox, so a row committed
    before this call is either read by that task or finds the flag gone and enqueues a new
    one. That needs a cache every web and worker process shares (``CACHE``); with a
    per-process ``LocMemCache`` every call enqueues. A broker outage must not turn a
    committed sign-up into a 500: the row stays queued and ``flush_outbox`` sends it.
    """
    flagged = False
    try:
        cache = caches[buddy_settings.CACHE]
        if not isinstance(cache, LocMemCache):
            if not cache.add(SENDER_PENDING_KEY, 1, timeout=SENDER_PENDING_TIMEOUT):
                return
            flagged = True
    except Exception:  # noqa: BLE001 - no cache: enqueue every time
        logger.warning("wagtail-buddy cache unavailable; enqueuing the sender anyway",
                       exc_info=True)
    try:
        enqueue("wagtail_buddy.tasks.send_outbox", task_name="buddy-outbox")
    except Exception:  # noqa: BLE001 - the sweeper sends the rows; the next kick retries
        logger.exception("Could not enqueue the buddy email sender; the sweeper will send")
        if flagged:
            forget(SENDER_PENDING_KEY)


def send_due(limit: int = SEND_BATCH) -> int:
    """Send queued emails that are due, oldest first; returns how many this call sent.

    The body of ``tasks.send_outbox``. It clears the sender flag first (see
    ``kick_sender``); each row is claimed before it is sent, so two of these tasks, or one
    beside a ``send_email`` retry, never send a row twice. The batch shares one connection
    to the mail server (a TLS handshake per email made a surge's emails slow), opened
    again after a failed send.
    """
    forget(SENDER_PENDING_KEY)
    requeue_stale_sending()  # a dead worker's claims return within a lease, not a sweep
    ids = list(
        OutboundEmail.objects.due()
        .order_by("created_at", "pk").values_list("pk", flat=True)[:limit]
    )
    sent = 0
    connection = _open_mail_connection() if ids else None
    try:
        for email_id in ids:
            done = send_with_retry(email_id, connection=connection)
            if done is None:  # the send failed: the connection may be broken
                connection.close()
                connection = _open_mail_connection()
            sent += bool(done)
    finally:
        if connection is not None:
            connection.close()
    if len(ids) == limit:  # more may be waiting
        kick_sender()
    return sent


def _open_mail_connection():
    """A mail connection opened now, or left to open per email if the server is down."""
    connection = get_connection()
    try:
        connection.open()
    except Exception:  # noqa: BLE001 - each send then tries, fails and is retried
        logger.warning("Could not connect to the mail server", exc_info=True)
    return connection


def send_with_retry(email_id: int, connection=None) -> bool | None:
    """``send_queued_email``; a failure is logged and its retry scheduled, not raised.

    True when sent, False when there was nothing to send, None when the send failed.
    """
    try:
        return send_queued_email(email_id, connection=connection)
    except Exception:  # noqa: BLE001 - recorded on the row; the retry schedule takes over
        logger.exception("Sending buddy email %s failed", email_id)
        schedule_email_retry(email_id)
        return None


def enqueue_send(email_id: int) -> None:
    """One ``tasks.send_email`` task for one row (the sweeper's way)."""
    enqueue("wagtail_buddy.tasks.send_email", email_id, task_name=f"buddy-email-{email_id}")


def enqueue_many(email_ids: Iterable[int]) -> None:
    """Hand each email to the queue; one that fails to enqueue stays queued for the sweeper."""
    for email_id in email_ids:
        try:
            enqueue_send(email_id)
        except Exception:  # noqa: BLE001 - the outbox sweeper retries it
            logger.exception("Could not enqueue buddy email %s; the sweeper will", email_id)


def claim(email_id: int) -> bool:
    """Atomically move one due, queued row to ``sending``; True when this caller owns it."""
    now = timezone.now()
    return bool(
        OutboundEmail.objects.due(now).filter(pk=email_id)
        .update(status=OutboundEmail.Status.SENDING, attempts=F("attempts") + 1,
                last_attempt_at=now)
    )


def send_queued_email(email_id: int, connection=None) -> bool:
    """Send one queued email (through ``connection`` if given); True when this call sent it.

    Raises after recording a failed attempt, so ``tasks.send_email`` schedules the retry.
    """
    if not claim(email_id):
        return False
    email = (
        OutboundEmail.objects.select_related("participant__intake__programme")
        .filter(pk=email_id).first()
    )
    if email is None:  # the participant was erased between claim and load
        return False
    try:
        message = render_email(email)
    except Exception as exc:  # noqa: BLE001 - a template bug is not fixed by retrying
        record_failure(email, exc, permanent=True)
        raise PermanentEmailError(str(exc)) from exc
    message.extra_headers["Message-ID"] = message_id_for(email, message.from_email)
    message.connection = connection
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - any transport error is retried
        record_failure(email, exc)
        raise
    mark_sent(email)
    return True


def message_id_for(email: OutboundEmail, from_email: str = "") -> str:
    """The ``Message-ID`` of ``email``: the same for every attempt of one outbox row.

    A resend after a lost acknowledgement is then the same message to the mail server and
    the reader's client (which may show it once). Keyed with SECRET_KEY, so it reveals no
    row id or address; the domain is the sender's.
    """
    domain = parseaddr(from_email)[1].rpartition("@")[2] or str(DNS_NAME)
    token = salted_hmac("wagtail_buddy.message-id", f"{email.pk}:{email.dedup_key}",
                        algorithm="sha256")
    return f"<buddy.{token.hexdigest()[:24]}@{domain}>"


def mark_sent(email: OutboundEmail) -> None:
    """Record that the mail server accepted ``email``, across database reconnects.

    The email is out: failing to say so would send it again when the lease runs out. So a
    lost database connection is retried, reconnecting, for up to half the lease. Whatever
    the row's status by then (requeued or failed by a sweep), the truth is "sent".
    """
    patience = int(buddy_settings.EMAIL_SENDING_LEASE) / 2
    deadline, delay = time.monotonic() + patience, 0.25
    while True:
        try:
            with transaction.atomic():
                OutboundEmail.objects.filter(pk=email.pk).exclude(
                    status=OutboundEmail.Status.SENT).update(
                    status=OutboundEmail.Status.SENT, sent_at=timezone.now(), last_error="",
                    next_attempt_at=None)
                EmailAttempt.objects.create(email_id=email.pk, number=email.attempts,
                                            outcome=EmailAttempt.Outcome.SENT)
            return
        except (OperationalError, InterfaceError):
            if db_connection.in_atomic_block or time.monotonic() + delay > deadline:
                logger.exception("Buddy email %s was sent but could not be marked sent",
                                 email.pk)
                raise
            logger.warning("Buddy email %s sent; database unavailable, retrying the status "
                           "write in %.1f s", email.pk, delay, exc_info=True)
            db_connection.close()  # the next query opens a fresh connection
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def record_failure(email: OutboundEmail, exc: BaseException, *, permanent: bool = False) -> None:
    """Put a failed row back in the queue with a backoff, or mark it failed for good."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if permanent or email.attempts >= buddy_settings.EMAIL_MAX_ATTEMPTS:
        changes = {"status": OutboundEmail.Status.FAILED, "next_attempt_at": None}
        logger.error("Buddy email %s failed for good after %s attempt(s): %s",
                     email.pk, email.attempts, error)
    else:
        changes = {
            "status": OutboundEmail.Status.QUEUED,
            "next_attempt_at": timezone.now() + timedelta(seconds=retry_delay(email.attempts)),
        }
    with transaction.atomic():
        OutboundEmail.objects.filter(pk=email.pk, status=OutboundEmail.Status.SENDING).update(
            last_error=error, **changes
        )
        EmailAttempt.objects.create(email_id=email.pk, number=email.attempts,
                                    outcome=EmailAttempt.Outcome.FAILED, error=error)


def outbox_status(queryset=None) -> dict[str, int]:
    """Counts per status (queued, sending, sent, failed) for a dashboard or a health check."""
    queryset = OutboundEmail.objects.all() if queryset is None else queryset
    counts = dict(
        queryset.order_by().values_list("status").annotate(n=Count("pk")).values_list(
            "status", "n")
    )
    return {status: counts.get(status, 0) for status in OutboundEmail.Status.values}


def requeue_failed(queryset) -> int:
    """Give failed emails a fresh set of attempts (a coordinator fixed the address or SMTP)."""
    ids = list(queryset.filter(status=OutboundEmail.Status.FAILED).values_list("pk", flat=True))
    OutboundEmail.objects.filter(pk__in=ids).update(
        status=OutboundEmail.Status.QUEUED, attempts=0, next_attempt_at=None
    )
    schedule_send(ids)
    return len(ids)


def flush_outbox(limit: int = 1000) -> int:
    """Enqueue due emails that no worker has picked up; returns how many were enqueued."""
    now = timezone.now()
    requeue_stale_sending(now)
    ids = list(
        OutboundEmail.objects.due(now)
        .exclude(attempts=0, created_at__gt=now - ENQUEUE_GRACE)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    enqueue_many(ids)
    return len(ids)
