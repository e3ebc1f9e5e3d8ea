"""What a participant sees of their data: their buddies and the JSON export (GDPR art. 15,
20). Withdrawal and erasure are ``services.lifecycle``."""

from __future__ import annotations

from django.db.models import Q

from ..models import CheckIn, ChecklistTick, Match, OutboundEmail, Participant

PROFILE_FIELDS = (
    "role", "status", "first_name", "last_name", "email", "phone", "birth_year", "gender",
    "gender_preference", "university", "faculty", "home_university", "capacity",
    "motivation", "preferred_language", "extra_answers", "consent_version",
    "consent_language", "consent_revision",
)
DATE_FIELDS = ("arrival_date", "available_from", "available_until")
TIME_FIELDS = ("created_at", "updated_at", "consent_at", "charter_accepted_at",
               "confirmed_at", "reminder_sent_at", "withdrawn_at", "rejoin_asked_at",
               "left_over_at")


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
    data["interests"] = participant.shown_interests
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
    data["proposal_answers"] = _own_answers(participant)
    data["checkins"] = [
        {"answer": c.answer, "rating": c.rating, "comment": c.comment,
         "sent_at": _iso(c.sent_at), "answered_at": _iso(c.answered_at)}
        for c in CheckIn.objects.filter(participant=participant).order_by("pk")
    ]
    data["checklist_ticks"] = [  # the first weeks' tasks this person ticked
        {"task": t.task.name, "ticked_at": _iso(t.ticked_at)}
        for t in ChecklistTick.objects.filter(ticked_by=participant).select_related("task")
        .order_by("pk")
    ]
    data["emails"] = [
        {"purpose": e.purpose, "status": e.status, "queued_at": _iso(e.created_at),
         "sent_at": _iso(e.sent_at)}
        for e in OutboundEmail.objects.filter(participant=participant).order_by("pk")
    ]
    return data


def _own_answers(participant: Participant) -> list[dict]:
    """Their own answers to proposals ("both accept" mode): a decline's reason is theirs
    alone, so it is in the decliner's export and never in the other student's."""
    rows = []
    for m in (Match.objects.filter(Q(mentee=participant) | Q(mentor=participant))
              .exclude(answers="").order_by("pk")):
        side = "mentee" if m.mentee_id == participant.pk else "mentor"
        mine = getattr(m, f"{side}_answer")
        if mine:
            rows.append({"answer": mine, "asked_until": _iso(m.answers_due_at),
                         **({"reason": m.end_reason} if mine == Match.Answer.DECLINED
                            and m.end_reason else {})})
    return rows
