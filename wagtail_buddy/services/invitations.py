"""An imported person's invitation: they check their details, consent, and join the pool.

The import stored what the coordinator's file said and recorded no consent; only the
person's own press on the invitation form does (``accept``). Until then they stay
*invited*: never matched, reminded once, purged like an unconfirmed sign-up.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..models import Participant
from .audit import audit
from .signup import _fill, _save_m2m


def awaits_acceptance(participant: Participant) -> bool:
    return participant.status == Participant.Status.INVITED


def accept(participant: Participant, form) -> bool:
    """Store the checked details with the person's consent; invited -> waiting.

    True when this call accepted; False when the invitation was accepted (or the person
    removed) meanwhile, e.g. the same form sent twice: nothing changes then.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = Participant.objects.select_for_update().filter(
            pk=participant.pk, status=Participant.Status.INVITED).first()
        if locked is None:
            return False
        form.instance = locked
        _fill(locked, form)  # consent (to the texts the form showed) and charter: now
        locked.status, locked.confirmed_at = Participant.Status.WAITING, now
        locked.reminder_sent_at = None
        locked.save()
        _save_m2m(locked, form)
        audit([locked], "wagtail_buddy.participant_accept_invitation")
    participant.refresh_from_db()
    return True
