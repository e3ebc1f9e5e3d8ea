"""The email outbox: sent once per dedup key, retried with backoff, failed visibly."""

from __future__ import annotations

import smtplib
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends import locmem
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule

from wagtail_buddy import tasks
from wagtail_buddy.models import OutboundEmail
from wagtail_buddy.services import emails, retry

pytestmark = pytest.mark.usefixtures("ops_templates")


def fail_smtp(monkeypatch, exc=None):
    calls = []

    def send(self, fail_silently=False):
        calls.append(self.to)
        raise exc or smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    return calls


def test_queue_twice_sends_once(participant_factory, django_capture_on_commit_callbacks):
    student = participant_factory(first_name="Ana")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = emails.queue_email(student, "ops_ping", key="k1", context={"note": "hi"})
        second = emails.queue_email(student, "ops_ping", key="k1", context={"note": "again"})
    assert first.pk == second.pk
    assert len(callbacks) == 1  # enqueued once, after commit
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [student.email]
    assert mail.outbox[0].subject == f"Hello Ana from {student.intake.programme.display_name}"
    assert "outbox: hi." in mail.outbox[0].body
    first.refresh_from_db()
    assert (first.status, first.attempts, first.last_error) == ("sent", 1, "")
    assert first.sent_at is not None
    # The task delivered twice (a broker redelivery) sends nothing more.
    assert tasks.send_email(first.pk) is False
    assert len(mail.outbox) == 1


def test_broker_outage_does_not_break_the_request(
    participant_factory, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr("wagtail_buddy.services.queue.async_task", broken)
    student = participant_factory()
    with django_capture_on_commit_callbacks(execute=True):
        email = emails.queue_email(student, "ops_ping")
    email.refresh_from_db()
    assert email.status == "queued" and not mail.outbox
    # The sweeper finds it once the grace period has passed and the broker is back.
    monkeypatch.undo()
    assert emails.flush_outbox() == 0  # still within the on_commit grace period
    OutboundEmail.objects.filter(pk=email.pk).update(
        created_at=timezone.now() - emails.ENQUEUE_GRACE - timedelta(seconds=1))
    assert emails.flush_outbox() == 1
    email.refresh_from_db()
    assert email.status == "sent" and len(mail.outbox) == 1


def test_smtp_failure_backs_off_exponentially_then_fails(participant_factory, monkeypatch,
                                                         settings):
    settings.WAGTAIL_BUDDY_EMAIL_MAX_ATTEMPTS = 3
    settings.WAGTAIL_BUDDY_EMAIL_RETRY_BASE_DELAY = 60
    calls = fail_smtp(monkeypatch)
    email = emails.queue_email(participant_factory(), "ops_ping")

    before = timezone.now()
    assert tasks.send_email(email.pk) is False
    email.refresh_from_db()
    assert email.status == "queued" and email.attempts == 1
    assert "SMTPServerDisconnected" in email.last_error
    assert timedelta(seconds=59) <= email.next_attempt_at - before <= timedelta(seconds=62)
    schedule = Schedule.objects.get(name=f"buddy-email-retry-{email.pk}-1")
    assert schedule.func == "wagtail_buddy.tasks.send_email" and schedule.args == str(email.pk)
    assert schedule.next_run == email.next_attempt_at and schedule.repeats == -1

    # Not due yet: an early redelivery does not bypass the backoff.
    assert emails.send_queued_email(email.pk) is False
    assert len(calls) == 1

    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    before = timezone.now()
    assert tasks.send_email(email.pk) is False
    email.refresh_from_db()
    assert email.attempts == 2
    assert timedelta(seconds=119) <= email.next_attempt_at - before <= timedelta(seconds=122)
    assert Schedule.objects.filter(name__startswith=f"buddy-email-retry-{email.pk}-").count() == 2

    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert tasks.send_email(email.pk) is False
    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at) == ("failed", 3, None)
    assert len(calls) == 3
    # Failed for good: no more schedules, no more attempts.
    assert Schedule.objects.filter(name__startswith=f"buddy-email-retry-{email.pk}-").count() == 2
    assert tasks.send_email(email.pk) is False and len(calls) == 3
    assert emails.outbox_status()["failed"] == 1


def test_retry_succeeds_and_clears_error(participant_factory, monkeypatch):
    fail_smtp(monkeypatch)
    email = emails.queue_email(participant_factory(), "ops_ping")
    tasks.send_email(email.pk)
    monkeypatch.undo()
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert tasks.send_email(email.pk) is True
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


def test_retry_delay_is_capped():
    assert [retry.retry_delay(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry.retry_delay(30) == retry.MAX_DELAY


def test_missing_template_fails_at_once(participant_factory):
    email = emails.queue_email(participant_factory(), "no_such_purpose")
    assert tasks.send_email(email.pk) is False
    email.refresh_from_db()
    assert email.status == "failed" and email.attempts == 1
    assert "TemplateDoesNotExist" in email.last_error
    assert not Schedule.objects.filter(name__startswith="buddy-email-retry-").exists()


def test_worker_killed_mid_send_is_requeued(participant_factory, settings):
    settings.WAGTAIL_BUDDY_EMAIL_MAX_ATTEMPTS = 2
    fresh, stale, exhausted = (emails.queue_email(participant_factory(), "ops_ping")
                               for _ in range(3))
    long_ago = timezone.now() - retry.sending_timeout() - timedelta(minutes=1)
    OutboundEmail.objects.filter(pk=fresh.pk).update(
        status="sending", attempts=1, last_attempt_at=timezone.now())
    OutboundEmail.objects.filter(pk=stale.pk).update(
        status="sending", attempts=1, last_attempt_at=long_ago)
    OutboundEmail.objects.filter(pk=exhausted.pk).update(
        status="sending", attempts=2, last_attempt_at=long_ago)
    assert retry.requeue_stale_sending() == 2
    statuses = dict(OutboundEmail.objects.values_list("pk", "status"))
    assert statuses == {fresh.pk: "sending", stale.pk: "queued", exhausted.pk: "failed"}
    # The sweeper sends the requeued one (attempts > 0, so no grace period).
    assert emails.flush_outbox() == 1
    assert [m.to for m in mail.outbox] == [[stale.participant.email]]


def test_queue_emails_in_bulk(participant_factory, django_capture_on_commit_callbacks,
                              django_assert_max_num_queries):
    students = [participant_factory() for _ in range(5)]
    emails.queue_email(students[0], "ops_ping", key="batch")
    mail.outbox.clear()
    with django_assert_max_num_queries(3):
        count = emails.queue_emails((s, "ops_ping", "batch", {"note": "bulk"}) for s in students)
    assert count == 4
    assert OutboundEmail.objects.filter(dedup_key__startswith="ops_ping:").count() == 5
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        emails.queue_emails((s, "ops_ping", "batch2", {}) for s in students)
    assert len(callbacks) == 1  # one wake-up for the batch
    # The sender sends every due row: this batch, and the first one (whose commit hooks
    # never ran inside this test's transaction).
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in students * 2)
    assert emails.outbox_status() == {"queued": 0, "sending": 0, "sent": 10, "failed": 0}


def test_requeue_failed(participant_factory, django_capture_on_commit_callbacks):
    email = emails.queue_email(participant_factory(), "ops_ping")
    OutboundEmail.objects.filter(pk=email.pk).update(status="failed", attempts=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert emails.requeue_failed(OutboundEmail.objects.all()) == 1
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 1


def test_erased_participant_has_no_email_left(participant_factory):
    student = participant_factory()
    email = emails.queue_email(student, "ops_ping")
    student.delete()
    assert tasks.send_email(email.pk) is False
    assert not mail.outbox


# --- PostgreSQL: real concurrency -----------------------------------------------------


def run_concurrently(target, args_list):
    """Run ``target`` in one thread per args, released together; returns results/errors."""
    barrier = threading.Barrier(len(args_list))
    results: list = [None] * len(args_list)

    def worker(i, args):
        try:
            barrier.wait(timeout=10)
            results[i] = target(*args)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(args_list)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a sender hung"
    return results


@pytest.mark.postgres
def test_two_concurrent_sends_send_one_email(postgres_db, participant_factory, monkeypatch):
    sent = []
    real_send = EmailMultiAlternatives.send

    def slow_send(self, fail_silently=False):
        time.sleep(0.3)  # hold the claim while the other thread tries
        sent.append(self.to)
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", slow_send)
    email = emails.queue_email(participant_factory(), "ops_ping")
    for _round in range(3):  # also: a task running twice, and four times at once
        results = run_concurrently(tasks.send_email, [(email.pk,)] * 4)
        assert not [r for r in results if isinstance(r, Exception)]
    assert len(sent) == 1 and len(mail.outbox) == 1
    assert results.count(True) == 0  # the later rounds found it sent
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)


@pytest.mark.postgres
def test_two_concurrent_queues_make_one_row(postgres_db, participant_factory):
    student = participant_factory()
    results = run_concurrently(
        lambda: emails.queue_email(student, "ops_ping", key="race").pk, [()] * 6)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert OutboundEmail.objects.filter(dedup_key__endswith=":race").count() == 1


@pytest.fixture
def shared_cache(settings, tmp_path):
    """A file cache, as the web and worker processes of one host share it."""
    from django.core.cache import caches

    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(tmp_path / "cache")}}
    yield caches["default"]
    caches["default"].clear()


@pytest.fixture
def real_queue(monkeypatch):
    """Tasks go to the ORM broker's table instead of running inline."""
    from django_q.conf import Conf
    from django_q.models import OrmQ

    monkeypatch.setattr(Conf, "SYNC", False)
    assert Conf.ORM == "default"
    return OrmQ.objects


def test_one_sender_task_waits_for_many_emails(participant_factory, shared_cache, real_queue,
                                               django_capture_on_commit_callbacks):
    """A sign-up surge enqueues one sender task, not one per email; an email rolled back
    enqueues nothing; once a worker took the task, the next email enqueues a new one."""
    from django.db import transaction

    students = [participant_factory() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            emails.queue_email(students[0], "ops_ping", key="gone")
            raise RuntimeError("the sign-up failed after queuing its email")
    assert not real_queue.exists() and not OutboundEmail.objects.exists()
    for student in students:
        with django_capture_on_commit_callbacks(execute=True):
            emails.queue_email(student, "ops_ping")
    task = real_queue.get()
    assert task.func() == "wagtail_buddy.tasks.send_outbox"
    assert shared_cache.get(emails.SENDER_PENDING_KEY) == 1
    assert tasks.send_outbox() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in students)
    assert shared_cache.get(emails.SENDER_PENDING_KEY) is None
    with django_capture_on_commit_callbacks(execute=True):
        emails.queue_email(students[0], "ops_ping", key="later")
    assert real_queue.count() == 2


def test_sender_not_enqueued_is_tried_again_by_the_next_email(
        participant_factory, shared_cache, real_queue, django_capture_on_commit_callbacks,
        monkeypatch):
    """A broker outage leaves no stale flag behind, so the next email's commit retries."""
    def broken(*args, **kwargs):
        raise ConnectionError("the broker is down")

    student = participant_factory()
    with monkeypatch.context() as patch, django_capture_on_commit_callbacks(execute=True):
        patch.setattr("wagtail_buddy.services.queue.async_task", broken)
        email = emails.queue_email(student, "ops_ping")
    assert OutboundEmail.objects.get(pk=email.pk).status == "queued"
    assert shared_cache.get(emails.SENDER_PENDING_KEY) is None  # no task is pending
    with django_capture_on_commit_callbacks(execute=True):
        emails.queue_email(student, "ops_ping", key="next")
    assert real_queue.get().func() == "wagtail_buddy.tasks.send_outbox"
    assert tasks.send_outbox() == 2


def test_per_process_cache_enqueues_a_sender_per_commit(participant_factory, real_queue,
                                                        django_capture_on_commit_callbacks):
    """A LocMemCache is not seen by the worker, which could never clear the flag."""
    student = participant_factory()
    for key in ("a", "b"):
        with django_capture_on_commit_callbacks(execute=True):
            emails.queue_email(student, "ops_ping", key=key)
    assert real_queue.count() == 2


def test_sender_batch_that_is_full_wakes_the_next(participant_factory, shared_cache,
                                                  real_queue):
    student = participant_factory()
    for key in "abc":
        emails.queue_email(student, "ops_ping", key=key)  # commit hooks never run here
    assert not real_queue.exists()
    assert emails.send_due(limit=2) == 2
    assert real_queue.get().func() == "wagtail_buddy.tasks.send_outbox"
    assert emails.send_due(limit=2) == 1
    assert real_queue.count() == 1  # a part batch wakes nothing
    assert emails.outbox_status()["sent"] == 3


class CountingBackend(locmem.EmailBackend):
    """The test outbox, counting connections the way an SMTP server would see them."""

    opened = 0

    def open(self):
        if getattr(self, "_is_open", False):
            return False
        self._is_open = True
        CountingBackend.opened += 1
        return True

    def close(self):
        self._is_open = False

    def send_messages(self, messages):
        new = self.open()
        try:
            return super().send_messages(messages)
        finally:
            if new:
                self.close()


def test_sender_batch_shares_one_mail_connection(participant_factory, settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.ops.test_outbox.CountingBackend"
    monkeypatch.setattr(CountingBackend, "opened", 0)
    students = [participant_factory() for _ in range(4)]
    for student in students:
        emails.queue_email(student, "ops_ping")  # commit hooks never run here
    assert emails.send_due() == 4
    assert CountingBackend.opened == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in students)


def test_sender_batch_reconnects_after_a_failed_send(participant_factory, settings,
                                                     monkeypatch):
    settings.EMAIL_BACKEND = "tests.ops.test_outbox.CountingBackend"
    monkeypatch.setattr(CountingBackend, "opened", 0)
    students = [participant_factory() for _ in range(3)]
    for student in students:
        emails.queue_email(student, "ops_ping")
    unlucky = students[1].email
    real_send = EmailMultiAlternatives.send

    def send(self, fail_silently=False):
        if self.to == [unlucky]:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    assert emails.send_due() == 2
    assert CountingBackend.opened == 2  # a fresh connection after the failure
    assert unlucky not in [m.to[0] for m in mail.outbox]
    failed = OutboundEmail.objects.get(participant=students[1])
    assert failed.status == "queued" and failed.next_attempt_at is not None
    assert Schedule.objects.filter(name__startswith=f"buddy-email-retry-{failed.pk}-").exists()
