"""The delivery promise under faults: a status write that survives a database reconnect,
a short lease for "sending", one Message-ID per outbox row, and every attempt recorded."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.core.mail.backends import locmem
from django.db import OperationalError, connection
from django.db.models.query import QuerySet
from django.utils import timezone
from django_q.conf import Conf

from tests.ops.conftest import django_process
from wagtail_buddy.models import EmailAttempt, OutboundEmail
from wagtail_buddy.services import emails, retry

pytestmark = pytest.mark.usefixtures("ops_templates")


def outcomes(email: OutboundEmail) -> list[tuple[int, str]]:
    return list(EmailAttempt.objects.filter(email=email).values_list("number", "outcome"))


def fail_next_sent_write(monkeypatch) -> list[str]:
    """The first ``UPDATE ... status='sent'`` raises as a lost connection does."""
    real_update, failures = QuerySet.update, []

    def update(self, **kwargs):
        if kwargs.get("status") == OutboundEmail.Status.SENT and not failures:
            failures.append("lost")
            raise OperationalError("server closed the connection unexpectedly")
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)
    return failures


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_status_write_failing_once_after_the_send_is_retried(participant_factory, monkeypatch):
    """Before the fix the row stayed "sending" and was sent again by the sweep."""
    failures = fail_next_sent_write(monkeypatch)
    # Committed at once (transactional_db): the sender task runs inline (sync django-q2).
    email = emails.queue_email(participant_factory(), "ops_ping")
    assert failures == ["lost"]
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 1, "")
    assert len(mail.outbox) == 1
    assert outcomes(email) == [(1, "sent")]
    # The sweep, even long after, finds nothing to resend.
    assert retry.requeue_stale_sending(timezone.now() + timedelta(hours=1)) == 0
    assert emails.send_due() == 0 and len(mail.outbox) == 1


class KillDatabaseAfterSendBackend(locmem.EmailBackend):
    """Delivers, then has PostgreSQL terminate the sender's database session: the crash
    between the mail server's acceptance and ``status = 'sent'``."""

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        import psycopg

        pid = connection.connection.info.backend_pid
        db = connection.settings_dict
        with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                             dbname=db["NAME"], autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return sent


@pytest.mark.postgres
def test_database_session_killed_after_the_send_sends_once(postgres_db, participant_factory,
                                                           settings):
    settings.EMAIL_BACKEND = "tests.ops.test_delivery.KillDatabaseAfterSendBackend"
    # Committed at once: the sender task runs inline (sync django-q2) and meets the fault.
    email = emails.queue_email(participant_factory(), "ops_ping")
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1 and outcomes(email) == [(1, "sent")]


def test_a_claim_past_its_lease_is_sent_again_with_the_same_message_id(
        participant_factory, settings):
    settings.WAGTAIL_BUDDY_EMAIL_SENDING_LEASE = 120
    lost, busy = (emails.queue_email(participant_factory(), "ops_ping") for _ in range(2))
    now = timezone.now()
    # ``lost``: its worker sent it, then died before the status write, 3 minutes ago;
    # the old rule waited for the queue timeout (11 minutes). ``busy``: still sending.
    OutboundEmail.objects.filter(pk=lost.pk).update(
        status="sending", attempts=1, last_attempt_at=now - timedelta(minutes=3))
    OutboundEmail.objects.filter(pk=busy.pk).update(
        status="sending", attempts=1, last_attempt_at=now - timedelta(seconds=30))
    assert emails.send_due() == 1  # the sender task itself reclaims expired leases
    assert [m.to for m in mail.outbox] == [[lost.participant.email]]
    lost.refresh_from_db()
    assert (lost.status, lost.attempts) == ("sent", 2)
    assert outcomes(lost) == [(1, "unknown"), (2, "sent")]
    assert "may have been delivered" in EmailAttempt.objects.get(email=lost, number=1).error
    assert OutboundEmail.objects.get(pk=busy.pk).status == "sending"
    lost.refresh_from_db()
    expected = emails.message_id_for(lost, mail.outbox[0].from_email)
    assert mail.outbox[0].message()["Message-ID"] == expected


class LostAcknowledgementBackend(locmem.EmailBackend):
    """The server accepts the first message but its reply after DATA never arrives."""

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        if len(mail.outbox) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed: timed out")
        return sent


def test_resend_after_a_lost_acknowledgement_is_the_same_message(participant_factory,
                                                                 settings):
    settings.EMAIL_BACKEND = "tests.ops.test_delivery.LostAcknowledgementBackend"
    email, other = (emails.queue_email(participant_factory(), "ops_ping") for _ in range(2))
    assert emails.send_with_retry(email.pk) is None  # recorded as a failure, retried
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert emails.send_with_retry(email.pk) is True
    assert emails.send_with_retry(other.pk) is True
    first, second, third = (m.message() for m in mail.outbox)
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"] != third["Message-ID"]
    assert email.participant.email.split("@")[0] not in first["Message-ID"]
    assert first["Message-ID"].endswith("@example.org>")  # the sender's domain
    assert outcomes(email) == [(1, "failed"), (2, "sent")]
    assert "timed out" in EmailAttempt.objects.get(email=email, number=1).error


def test_a_second_sweep_finds_nothing_left(participant_factory):
    email = emails.queue_email(participant_factory(), "ops_ping")
    OutboundEmail.objects.filter(pk=email.pk).update(
        status="sending", attempts=1, last_attempt_at=timezone.now() - timedelta(hours=1))
    assert retry.requeue_stale_sending() == 1
    assert retry.requeue_stale_sending() == 0
    assert outcomes(email) == [(1, "unknown")]


SWEEPER = """
import sys, time
from wagtail_buddy.models import EmailAttempt
from wagtail_buddy.services import retry

manager_class = type(EmailAttempt.objects)
real_bulk_create = manager_class.bulk_create

def slow_bulk_create(self, objs, *args, **kwargs):
    time.sleep(1)  # inside the sweep's transaction: the other sweeps arrive meanwhile
    return real_bulk_create(self, objs, *args, **kwargs)

manager_class.bulk_create = slow_bulk_create
print("READY", flush=True)
sys.stdin.readline()
print("SWEPT", retry.requeue_stale_sending(), flush=True)
"""


@pytest.mark.postgres
def test_concurrent_sweeps_record_a_lost_attempt_once(postgres_db, participant_factory,
                                                     monkeypatch):
    """Three worker processes sweep the same stale row at the same moment on PostgreSQL:
    one records the lost attempt and requeues it, the others find nothing to do."""
    monkeypatch.setattr(Conf, "SYNC", False)  # queued, not sent: the row waits for the sweep
    email = emails.queue_email(participant_factory(), "ops_ping")
    OutboundEmail.objects.filter(pk=email.pk).update(
        status="sending", attempts=1, last_attempt_at=timezone.now() - timedelta(hours=1))
    sweepers = [django_process(SWEEPER) for _ in range(3)]
    try:
        for sweeper in sweepers:  # every process has Django up before any sweep starts
            assert sweeper.stdout.readline() == "READY\n", sweeper.stderr.read()[-3000:]
        for sweeper in sweepers:
            sweeper.stdin.write("go\n")
            sweeper.stdin.flush()
        swept = []
        for sweeper in sweepers:
            out, err = sweeper.communicate(timeout=60)
            assert out.startswith("SWEPT"), err[-3000:]
            swept.append(int(out.split()[1]))
    finally:
        for sweeper in sweepers:
            if sweeper.poll() is None:
                sweeper.kill()  # only the processes this test started
                sweeper.wait(timeout=30)
    assert sorted(swept) == [0, 0, 1]
    assert outcomes(email) == [(1, "unknown")]
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED


DELIVERY_CHECKS = {"wagtail_buddy.W002", "wagtail_buddy.W003"}


def check_ids(settings_changes: dict, settings) -> set[str]:
    """The delivery and heartbeat checks that fire (the cache check W001 has its own tests)."""
    for name, value in settings_changes.items():
        setattr(settings, name, value)
    return {m.id for m in run_checks() if m.id in DELIVERY_CHECKS}


def test_system_checks_catch_a_send_that_can_outlive_its_lease(settings):
    assert check_ids({"EMAIL_TIMEOUT": 30}, settings) == set()
    assert check_ids({"EMAIL_TIMEOUT": None}, settings) == {"wagtail_buddy.W002"}
    assert check_ids({"EMAIL_TIMEOUT": 61}, settings) == {"wagtail_buddy.W002"}
    assert check_ids({"EMAIL_TIMEOUT": 30, "WAGTAIL_BUDDY_RUN_HEARTBEAT_INTERVAL": 30},
                     settings) == {"wagtail_buddy.W003"}
