"""When buddies are short: ask buddies for one more student, tell the waiting students.

Both are emails through the outbox under a dedup key per intake, so pressing the button
twice (or two coordinators at once) sends each person one email. A buddy's "yes" raises
their capacity by one, once per ask (``one_more_at``), never past the form's maximum.
"""

from __future__ import annotations

from django.db.models import F, Q
from django.utils import timezone

from ..models import Intake, OutboundEmail, Participant
from .audit import audit
from .emails import queue_emails

ONE_MORE, STILL_WAITING = "one_more", "still_waiting"
MAX_CAPACITY = 5
OPEN = (Participant.Status.WAITING, Participant.Status.PROPOSED, Participant.Status.MATCHED)


def buddies_to_ask(intake: Intake):
    """Matchable buddies whose places are all taken and who could take one more."""
    return (Participant.objects.filter(intake=intake, status__in=OPEN).free_places()
            .filter(free__lte=0, capacity__lt=MAX_CAPACITY).order_by())


def students_waiting(intake: Intake):
    return Participant.objects.filter(intake=intake, role=Participant.Role.INTERNATIONAL,
                                      status=Participant.Status.WAITING).order_by()


def ask_for_one_more(intake: Intake, user=None) -> int:
    """Email each full buddy "can you take one more student?"; returns how many were newly
    asked (once per intake)."""
    people = list(buddies_to_ask(intake))
    queued = queue_emails((p, ONE_MORE, str(intake.pk), {"links": ["private_url"]})
                          for p in people)
    audit(people, "wagtail_buddy.participant_ask_one_more", user)
    return queued


def tell_waiting(intake: Intake, user=None) -> int:
    """Tell each waiting student they are on the list and what happens next (once)."""
    people = list(students_waiting(intake))
    queued = queue_emails((p, STILL_WAITING, str(intake.pk), {"links": ["private_url"]})
                          for p in people)
    audit(people, "wagtail_buddy.participant_still_waiting", user)
    return queued


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
