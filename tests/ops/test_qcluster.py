"""A real django-q2 cluster on Redis + PostgreSQL runs a matching run and an email batch.

Run with ``make test-redis`` (REDIS_URL and DATABASE_URL set). The test process and the
``manage.py qcluster`` subprocess share pytest-django's PostgreSQL test database: the test
uses real transactions (``transactional_db``), so the worker sees its rows and it sees the
worker's. Emails go to files, so the test counts what the worker really sent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from email import message_from_string
from pathlib import Path

import pytest
from django.db import connection
from django_q.conf import Conf

from tests.conftest import make_participant
from wagtail_buddy.models import Match, MatchingRun, OutboundEmail
from wagtail_buddy.services import emails

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def sent_messages(directory: Path) -> list:
    """Every message the file backend wrote (one file per connection, '-' * 79 between)."""
    messages = []
    for path in sorted(directory.glob("*.log")):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                messages.append(message_from_string(chunk.strip()))
    return messages


def wait_for(predicate, timeout: float, what: str, process: subprocess.Popen, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            pytest.fail(f"qcluster exited ({process.returncode}):\n{log.read_text()[-4000:]}")
        time.sleep(0.25)
    pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}.\n"
                f"qcluster log:\n{log.read_text()[-4000:]}")


@pytest.fixture
def qcluster(postgres_db, tmp_path, monkeypatch):
    """Start ``manage.py qcluster`` on the shared test database; stop it afterwards."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.fail("This test needs REDIS_URL (and DATABASE_URL=postgres://...): "
                    "run it with `make test-redis`.")
    if not Conf.REDIS:
        pytest.fail("Q_CLUSTER has no Redis broker although REDIS_URL is set.")
    name = f"buddytest{uuid.uuid4().hex[:10]}"
    # This process enqueues onto the cluster's queue instead of running tasks inline.
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "PREFIX", name)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", name)
    db = connection.settings_dict
    outbox = tmp_path / "mail"
    outbox.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.ops.qcluster_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "example_site")]),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url, "EMAIL_FILE_PATH": str(outbox), "BUDDY_Q_NAME": name,
        "CONN_MAX_AGE": "0",
    }
    log = tmp_path / "qcluster.log"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "example_site" / "manage.py"), "qcluster"],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        yield process, outbox, log
    finally:
        hung = False
        if process.poll() is None:
            # SIGTERM to the main process only, as systemd's KillMode=mixed (README): a
            # group-wide SIGTERM hangs django-q2 (its sentinel dies holding a shared lock).
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                hung = True
                os.killpg(process.pid, signal.SIGKILL)  # the group this fixture started
                process.wait()
        connection.close()
        if hung:
            pytest.fail(f"qcluster did not stop within 30 s of SIGTERM:\n"
                        f"{log.read_text()[-2000:]}")


def test_qcluster_sends_an_email_batch_exactly_once(qcluster, intake, ops_templates):
    process, outbox, log = qcluster
    people = [make_participant(intake, "international") for _ in range(16)]
    # The batch, enqueued twice over: queuing wakes one sender task for all 16, and a task
    # per email (the sweeper's way, or a broker redelivery) follows; the two workers race.
    assert emails.queue_emails((p, "ops_ping", "batch", {"note": "qcluster"})
                               for p in people) == 16
    emails.enqueue_many(OutboundEmail.objects.values_list("pk", flat=True))

    wait_for(lambda: not OutboundEmail.objects.exclude(status="sent").exists(), 90,
             "the email batch", process, log)
    time.sleep(1)  # let the duplicate deliveries finish too
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert "Processed 'wagtail_buddy.tasks.send_outbox'" in log.read_text()  # the wake-up
    messages = sent_messages(outbox)
    assert sorted(m["To"] for m in messages) == sorted(p.email for p in people)
    assert all("outbox: qcluster." in m.get_payload() for m in messages)


def test_qcluster_completes_a_matching_run(qcluster, intake, coordinator):
    from wagtail_buddy.services.runs import start_run

    process, outbox, log = qcluster
    mentees = [make_participant(intake, "international", languages=("en", "es"))
               for _ in range(12)]
    for _ in range(6):
        make_participant(intake, "local", languages=("en", "fr"), capacity=2)

    run = start_run(intake.programme, intake, coordinator, {})

    def finished() -> bool:
        run.refresh_from_db()
        return not run.is_active

    wait_for(finished, 120, "the matching run", process, log)
    assert run.status == MatchingRun.Status.SUCCEEDED, run.error
    proposals = Match.objects.filter(run=run)
    assert set(proposals.values_list("status", flat=True)) == {"proposed"}
    assert set(proposals.values_list("mentee_id", flat=True)) == {m.pk for m in mentees}
