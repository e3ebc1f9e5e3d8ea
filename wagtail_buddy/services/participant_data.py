"""A participant's rights over their data: access (JSON export), withdrawal and erasure."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import CheckIn, Match, OutboundEmail, Participant

PROFILE_FIELDS = (
    "role", "status", "first_name", "last_name", "email", "phone", "birth_year", "gender",
    "gender_preference", "university", "faculty", "home_university", "capacity",
    "motivation", "preferred_language", "extra_answers", "consent_version",
)
DATE_FIELDS = ("arrival_date", "available_from", "available_until")
TIME_FIELDS = ("created_at", "updated_at", "consent_at", "charter_accepted_at",
               "confirmed_at", "reminder_sent_at", "withdrawn_at")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def buddies(participant: Participant) -> list[Participant]:
    """The people a participant is in a *confirmed* match with (their contacts are shared)."""
    matches = Match.objects.filter(
        Q(mentee=participant) | Q(mentor=participant), status=Match.Status.CONFIRMED
    ).select_related("mentee", "mentor").order_by("confirmed_at", "pk")
    return [m.mentor if m.mentee_id == participant.pk else m.mentee for m in matches]


def export_data(participant: Participant) -> dict:
    """Everything stored about ``participant`` (GDPR art. 15 and 20), as JSON-ready data."""
    intake = participant.intake
    data: dict = {f: getattr(participant, f) for f in PROFILE_FIELDS}
    data.update({f: _iso(getattr(participant, f)) for f in DATE_FIELDS + TIME_FIELDS})
    data["nationality"] = participant.nationality.code or ""
    data["exchange_country"] = participant.exchange_country.code or ""
    data["languages"] = sorted(participant.languages.values_list("code", flat=True))
    data["interests"] = sorted(participant.interests.values_list("name", flat=True))
    data["programme"] = intake.programme.display_name
    data["intake"] = {"name": intake.name, "starts_on": _iso(intake.starts_on),
                      "ends_on": _iso(intake.ends_on)}
    matches = Match.objects.filter(Q(mentee=participant) | Q(mentor=participant)).exclude(
        status=Match.Status.REJECTED).select_related("mentee", "mentor").order_by("pk")
    data["matches"] = [
        {
            "status": m.status,
            "your_role": "mentee" if m.mentee_id == participant.pk else "mentor",
            "buddy_first_name": (m.mentor if m.mentee_id == participant.pk else m.mentee
                                 ).first_name if m.status != Match.Status.PROPOSED else None,
            "created_at": _iso(m.created_at), "confirmed_at": _iso(m.confirmed_at),
            "introduced_at": _iso(m.introduced_at), "ended_at": _iso(m.ended_at),
        }
        for m in matches
    ]
    data["checkins"] = [
        {"answer": c.answer, "rating": c.rating, "comment": c.comment,
         "sent_at": _iso(c.sent_at), "answered_at": _iso(c.answered_at)}
        for c in CheckIn.objects.filter(participant=participant).order_by("pk")
    ]
    data["emails"] = [
        {"purpose": e.purpose, "status": e.status, "queued_at": _iso(e.created_at),
         "sent_at": _iso(e.sent_at)}
        for e in OutboundEmail.objects.filter(participant=participant).order_by("pk")
    ]
    return data


def _release_counterparts(participant: Participant, matches: list[Match]) -> None:
    """Buddies left without any active match go back to the waiting pool."""
    others = {m.mentor_id if m.mentee_id == participant.pk else m.mentee_id for m in matches}
    if not others:
        return
    pairs = Match.objects.active().filter(
        Q(mentee_id__in=others) | Q(mentor_id__in=others)
    ).exclude(Q(mentee=participant) | Q(mentor=participant)).values_list("mentee_id",
                                                                         "mentor_id")
    still_busy = {pk for pair in pairs for pk in pair} & others
    Participant.objects.filter(
        pk__in=others - still_busy,
        status__in=[Participant.Status.PROPOSED, Participant.Status.MATCHED],
    ).update(status=Participant.Status.WAITING, updated_at=timezone.now())


def tell_buddies_left(matches: list[Match], leaving: set[int]) -> None:
    """Buddies who were introduced learn that their buddy left (``buddy_left`` email);
    a proposal they were never told about ends silently."""
    from .emails import queue_emails

    queue_emails(
        (person, "buddy_left", str(match.pk), {"match_id": match.pk})
        for match in matches if match.status == Match.Status.CONFIRMED and match.introduced_at
        for person in (match.mentee, match.mentor) if person.pk not in leaving
    )


def withdraw(participant: Participant) -> None:
    """Leave the programme: cancel active matches, free and tell the buddies, revoke every
    link."""
    now = timezone.now()
    with transaction.atomic():
        matches = list(Match.objects.active().select_related("mentee", "mentor").filter(
            Q(mentee=participant) | Q(mentor=participant)))
        Match.objects.filter(pk__in=[m.pk for m in matches]).update(
            status=Match.Status.CANCELLED, ended_at=now,
            end_reason="Withdrawn by the participant",
        )
        participant.status = Participant.Status.WITHDRAWN
        participant.withdrawn_at = now
        participant.rotate_access_key()
        participant.save(update_fields=["status", "withdrawn_at", "access_key", "updated_at"])
        _release_counterparts(participant, matches)
        tell_buddies_left(matches, {participant.pk})


def erase(participant: Participant) -> None:
    """Delete the participant with their matches, check-ins and emails (right to erasure).

    Introduced buddies are told, without the name: the match is gone when the email is
    rendered."""
    with transaction.atomic():
        matches = list(Match.objects.active().select_related("mentee", "mentor").filter(
            Q(mentee=participant) | Q(mentor=participant)))
        _release_counterparts(participant, matches)
        tell_buddies_left(matches, {participant.pk})
        participant.delete()
