"""django-q2 entry points. Thin: each calls a service, so it can be tested without a worker.

Schedules (created by ``manage.py buddy_schedules``) call the ``*_due`` functions.
"""

from __future__ import annotations


def send_email(email_id: int) -> bool:
    """Send one outbox email; on failure schedule a retry with exponential backoff."""
    from .services import emails

    return bool(emails.send_with_retry(email_id))


def send_outbox() -> int:
    """Send every due outbox email (enqueued by ``emails.kick_sender`` after a commit)."""
    from .services import emails

    return emails.send_due()


def run_matching(run_id: int) -> None:
    """Execute one matching run (see ``services.runs.execute_run``), heartbeat beside it."""
    from .services.heartbeat import Heartbeat
    from .services.runs import execute_run

    with Heartbeat(run_id):
        execute_run(run_id)


def send_due_checkins() -> int:
    from .services.checkins import send_due_checkins as send

    return send()


def remind_unconfirmed() -> int:
    from .services.maintenance import remind_unconfirmed as remind

    return remind()


def purge_unconfirmed() -> int:
    from .services.maintenance import purge_unconfirmed as purge

    return purge()


def apply_retention() -> int:
    from .services.maintenance import apply_retention as apply

    return apply()


def fail_stuck_runs() -> int:
    from .services.runs import fail_stuck_runs as fail

    return fail()


def flush_outbox() -> int:
    """Requeue emails lost between commit and broker, or stuck mid-send (every 5 minutes)."""
    from .services.retry import flush_outbox as flush

    return flush()
