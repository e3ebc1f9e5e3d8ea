"""The buddy audit log: who did what to which pair, person or programme, and when.

Every coordinator action and run records itself here, in bulk, so the participant's
history in Wagtail's admin shows it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import Page

from ..models import BuddyLogEntry, Match, Participant
from ..models.audit import programme_ids


def audit(instances: Iterable, action: str, user=None, data: dict | None = None) -> int:
    """Record ``action`` for each instance in the buddy audit log with one insert.

    Labels are ``"<model> #<pk>"``, never a name, so the log keeps no personal data once
    retention has anonymised the participant. Each entry carries its programme, so only
    that programme's coordinators see it (``models.audit``).
    """
    instances = list(instances)
    if not instances:
        return 0
    batch = uuid.uuid4()
    now = timezone.now()
    user_id = getattr(user, "pk", None)
    programmes = programme_ids(instances)
    rows = []
    for instance in instances:
        if isinstance(instance, Page):  # pages have their own log model
            log(instance, action, user=user, data=data or {}, uuid=batch)
            continue
        content_type = ContentType.objects.get_for_model(instance, for_concrete_model=False)
        rows.append(BuddyLogEntry(
            content_type=content_type, label=f"{instance._meta.verbose_name} #{instance.pk}",
            action=action, timestamp=now, data=data or {}, uuid=batch, user_id=user_id,
            object_id=str(instance.pk), programme_id=programmes.get(id(instance)),
        ))
    BuddyLogEntry.objects.bulk_create(rows, batch_size=500)
    return len(instances)


def audit_matches(matches: Sequence[Match], action: str, user, **data) -> None:
    """Log ``action`` on the matches and on both people of each (their history shows it)."""
    people = [Participant(pk=pk, intake_id=m.intake_id)
              for m in matches for pk in (m.mentee_id, m.mentor_id)]
    for match in matches:
        audit([match], action, user, data={"match": match.pk, "mentee": match.mentee_id,
                                           "mentor": match.mentor_id, **data})
    audit(people, action, user, data={"matches": [m.pk for m in matches], **data})
