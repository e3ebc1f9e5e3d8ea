"""django-q2 entry points. Thin: each calls a service, so it can be tested without a worker.

Schedules (created by ``manage.py buddy_schedules``) call the ``*_due`` functions.
"""
from __future__ import annotations

from .services import answers, checkins, emails, feedback, maintenance, runs
from .services.heartbeat import Heartbeat


def send_email(email_id: int) -> bool:
    """Send one outbox email; on failure schedule a retry with exponential backoff."""
    return bool(emails.send_with_retry(email_id))


def send_outbox() -> int:
    """Send every due outbox email (enqueued by ``emails.kick_sender`` after a commit)."""
    return emails.send_due()


def run_matching(run_id: int) -> None:
    """Execute one matching run (see ``services.runs.execute_run``), heartbeat beside it."""
    with Heartbeat(run_id):
        runs.execute_run(run_id)


def send_due_checkins() -> int:
    return checkins.send_due_checkins()


def send_due_feedback() -> int:
    """Ask both students of each introduced pair for feedback when the intake ends (daily)."""
    return feedback.send_due_feedback()


def remind_unconfirmed() -> int:
    return maintenance.remind_unconfirmed()


def purge_unconfirmed() -> int:
    return maintenance.purge_unconfirmed()


def apply_retention() -> int:
    return maintenance.apply_retention()


def fail_stuck_runs() -> int:
    return runs.fail_stuck_runs()


def flush_outbox() -> int:
    """Requeue emails lost between commit and broker, or stuck mid-send (every 5 minutes)."""
    return emails.flush_outbox()


def expire_and_remind_answers() -> dict:
    """End proposals nobody answered in time and remind once before (every 15 minutes)."""
    return answers.expire_and_remind()
