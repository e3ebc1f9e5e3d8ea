"""When buddies are short: ask buddies for one more student, tell the waiting students.

Both are emails through the outbox under a dedup key per intake, so pressing the button
twice (or two coordinators at once) sends each person one email. A buddy's "yes" raises
their capacity by one, once per ask (``one_more_at``), never past the form's maximum.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..models import Intake, OutboundEmail, Participant
from .audit import audit
from .emails import queue_emails

ONE_MORE, STILL_WAITING = "one_more", "still_waiting"
MAX_CAPACITY = 5
OPEN = (Participant.Status.WAITING, Participant.Status.PROPOSED, Participant.Status.MATCHED)


@dataclass(frozen=True)
class Sent:
    """Who a batch email reached: the coordinator's message says it in these numbers."""

    emailed: int = 0
    had_it: int = 0  #: had this email for this intake already (never sent twice)
    not_concerned: int = 0  #: left out for the reason each action gives


def send_once(intake: Intake, purpose: str, people: list, context: dict) -> Sent:
    """Queue ``purpose`` for ``people`` under the intake's dedup key. Callers hold the
    intake's row lock (``one_at_a_time``), so of two presses the second sees the first's
    emails and counts them as had."""
    emailed = queue_emails((p, purpose, str(intake.pk), context) for p in people)
    return Sent(emailed=emailed, had_it=len(people) - emailed)


def one_at_a_time(intake: Intake) -> None:
    """Within a transaction: wait for any other press on this intake's batch emails."""
    Intake.objects.select_for_update().filter(pk=intake.pk).first()


def full_buddies(intake: Intake):
    """Matchable buddies whose places are all taken."""
    return (Participant.objects.filter(intake=intake, status__in=OPEN).free_places()
            .filter(free__lte=0).order_by())


def buddies_to_ask(intake: Intake):
    """Full buddies who could take one more."""
    return full_buddies(intake).filter(capacity__lt=MAX_CAPACITY)


def students_waiting(intake: Intake):
    return Participant.objects.filter(intake=intake, role=Participant.Role.INTERNATIONAL,
                                      status=Participant.Status.WAITING).order_by()


@transaction.atomic
def ask_for_one_more(intake: Intake, user=None) -> Sent:
    """Email each full buddy "can you take one more student?", once per intake; those
    already taking the most students are not concerned."""
    one_at_a_time(intake)
    full = list(full_buddies(intake))
    people = [p for p in full if p.capacity < MAX_CAPACITY]
    sent = send_once(intake, ONE_MORE, people, {"links": ["private_url"]})
    audit(people, "wagtail_buddy.participant_ask_one_more", user)
    return Sent(sent.emailed, sent.had_it, not_concerned=len(full) - len(people))


@transaction.atomic
def tell_waiting(intake: Intake, user=None) -> Sent:
    """Tell each waiting student they are on the list and what happens next (once)."""
    one_at_a_time(intake)
    people = list(students_waiting(intake))
    sent = send_once(intake, STILL_WAITING, people, {"links": ["private_url"]})
    audit(people, "wagtail_buddy.participant_still_waiting", user)
    return sent


def was_asked(participant: Participant) -> bool:
    """Asked for one more and not answered yet: the private page offers the "yes"."""
    return (participant.one_more_at is None and participant.capacity < MAX_CAPACITY
            and participant.status in OPEN
            and OutboundEmail.objects.filter(participant=participant, purpose=ONE_MORE)
            .exists())


def accept_one_more(participant: Participant) -> bool:
    """The buddy's one-press yes: capacity + 1, once per ask. True when this press did it."""
    if not was_asked(participant):
        return False
    done = Participant.objects.filter(
        Q(one_more_at__isnull=True), pk=participant.pk, capacity__lt=MAX_CAPACITY,
        status__in=OPEN,
    ).update(capacity=F("capacity") + 1, one_more_at=timezone.now())
    participant.refresh_from_db()
    return bool(done)
