"""Returning buddies: ask to hear about the next intake, get one "join again", rejoin.

A buddy who asked (``rejoin_asked_at``) gets one email per new intake, through the outbox
under the intake's dedup key, so a second press (or a second coordinator) emails nobody.
The link opens the new intake's sign-up form with their profile: they answer only what
changes each semester (availability, capacity) and consent again to today's texts. The
link proved the address, so the new sign-up waits for a match straight away.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from ..models import Intake, Participant
from .audit import audit
from .shortage import Sent, one_at_a_time, send_once
from .signup import _fill, _save_m2m

JOIN_AGAIN = "join_again"
#: Profile fields copied from the past sign-up (those the form asks again, it overwrites).
KEPT_FIELDS = ("first_name", "last_name", "email", "phone", "birth_year", "gender", "capacity",
               "gender_preference", "nationality", "university", "faculty",
               "exchange_country", "motivation", "preferred_language", "extra_answers")
#: Statuses that count as having taken part in an intake.
TOOK_PART = (Participant.Status.WAITING, Participant.Status.PROPOSED,
             Participant.Status.MATCHED, Participant.Status.ENDED)


def set_asked(participant: Participant, asked: bool) -> None:
    """The buddy's own choice: tell me (or stop telling me) when the next intake opens."""
    when = timezone.now() if asked else None
    Participant.objects.filter(pk=participant.pk, role=Participant.Role.LOCAL).update(
        rejoin_asked_at=when)
    participant.rejoin_asked_at = when if participant.is_local else None


def past_buddies_who_asked(intake: Intake) -> list[Participant]:
    """Buddies of the programme's earlier intakes (started before ``intake``) who asked,
    one (the newest) per address, minus those already signed up for ``intake``."""
    here = _signed_up(intake)
    return [p for p in _asked(intake) if p.e not in here]


def _signed_up(intake: Intake) -> set[str]:
    return set(Participant.objects.filter(intake=intake, role=Participant.Role.LOCAL)
               .annotate(e=Lower("email")).values_list("e", flat=True))


def _asked(intake: Intake) -> list[Participant]:
    rows = (Participant.objects.filter(intake__programme_id=intake.programme_id,
                                       role=Participant.Role.LOCAL,
                                       rejoin_asked_at__isnull=False)
            .filter(intake__starts_on__lt=intake.starts_on)
            .exclude(status=Participant.Status.WITHDRAWN)
            .annotate(e=Lower("email")).order_by("e", "-created_at", "-pk"))
    newest: dict[str, Participant] = {}
    for row in rows:
        newest.setdefault(row.e, row)
    return list(newest.values())


@transaction.atomic
def send_join_again(intake: Intake, user=None) -> Sent:
    """Email "join again" to every past buddy who asked, once per intake; those signed up
    for ``intake`` already are not concerned."""
    one_at_a_time(intake)
    asked, here = _asked(intake), _signed_up(intake)
    people = [p for p in asked if p.e not in here]
    sent = send_once(intake, JOIN_AGAIN, people, {"intake_id": intake.pk,
                                                  "links": ["rejoin_url"]})
    audit(people, "wagtail_buddy.participant_join_again", user)
    return Sent(sent.emailed, sent.had_it, not_concerned=len(asked) - len(people))


def joined(past: Participant, intake: Intake) -> Participant | None:
    """The buddy's sign-up for ``intake`` if they have one already."""
    return Participant.objects.registered(intake, Participant.Role.LOCAL, past.email).first()


def join_again(past: Participant, intake: Intake, form) -> tuple[Participant, bool]:
    """Sign ``past`` up for ``intake`` with their profile and the form's new answers.

    Returns (participant, created); a second press finds the first one's row and changes
    nothing.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            new = Participant(intake=intake, role=Participant.Role.LOCAL,
                              **{name: getattr(past, name) for name in KEPT_FIELDS})
            _fill(new, form)  # what the form asked again (the programme's rejoin_fields)
            new.status, new.confirmed_at = Participant.Status.WAITING, now
            new.save()
            for name in ("languages", "interests"):  # kept unless asked again
                if name not in form.fields:
                    form.cleaned_data[name] = list(getattr(past, name).values_list(
                        "pk", flat=True))
            _save_m2m(new, form, new=True)
            audit([new], "wagtail_buddy.participant_rejoin")
    except IntegrityError:  # signed up for this intake already (a second press)
        return joined(past, intake), False
    return new, True


def intakes_taken_part(participant: Participant) -> int:
    """In how many of the programme's intakes this address took part in this role."""
    return (Participant.objects.alias(e=Lower("email"))
            .filter(e=participant.email.lower(), role=participant.role,
                    intake__programme_id=participant.intake.programme_id,
                    status__in=TOOK_PART)
            .order_by().values("intake_id").distinct().count())
