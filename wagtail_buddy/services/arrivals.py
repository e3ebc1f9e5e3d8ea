"""Arrivals and pick-ups: the student gives them, their buddy answers, another buddy covers.

The date is ``Participant.arrival_date`` (the one the engine matches on); ``Arrival`` holds
time, transport, place and the pick-up state: ``asked`` (the introduced buddy is asked),
``open`` (on the intake's pick-up board: the buddy cannot, or there is none yet) and
``covered`` (``covered_by`` will be there). Every change takes the row with
``select_for_update`` or changes it with one conditional ``UPDATE`` on the state and
``version`` it was shown in, so two buddies covering one pick-up at once, or an answer from a
page opened before the student changed the arrival, change it once or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Arrival, BuddyProgrammePage, Intake, Match, Participant
from .audit import audit
from .emails import queue_email

#: Students and buddies who take part (an arrival of anyone else is not shown or changed).
ACTIVE = (Participant.Status.WAITING, Participant.Status.PROPOSED, Participant.Status.MATCHED)
#: How far ahead the coordinators' list and the overview look.
COMING_DAYS = 14
PLACE_MAX = 150

ASKED_EMAIL, COVERED_EMAIL, CHANGED_EMAIL = "pickup_asked", "pickup_covered", "arrival_changed"
#: The student's email when their buddy answers "I can't": the pick-up is on the board.
DECLINED_EMAIL = "pickup_declined"

AUDIT_ACTIONS = (
    ("wagtail_buddy.arrival_set", gettext_lazy("Give arrival details"),
     gettext_lazy("Arrival details given or changed")),
    ("wagtail_buddy.pickup_yes", gettext_lazy("Confirm a pick-up"),
     gettext_lazy("The buddy will pick the student up")),
    ("wagtail_buddy.pickup_no", gettext_lazy("Decline a pick-up"),
     gettext_lazy("The buddy cannot pick the student up: on the pick-up board")),
    ("wagtail_buddy.pickup_cover", gettext_lazy("Cover a pick-up"),
     gettext_lazy("Another buddy covers the pick-up")),
)


class ArrivalError(Exception):
    """Refused; ``str(exc)`` is a translated message for the person. ``field`` names the
    form field it is about, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def places(programme: BuddyProgrammePage) -> list[str]:
    """The programme's stations and airports (this copy's list, else the canonical one's)."""
    text = programme.arrival_places or programme.canonical.arrival_places or ""
    return list(dict.fromkeys(line.strip()[:PLACE_MAX] for line in text.splitlines()
                              if line.strip()))


def moment(day: date, at: time) -> datetime:
    """An arrival's date and time as an aware datetime in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, at), timezone.get_default_timezone())


def can_give(participant: Participant) -> bool:
    return (participant.role == Participant.Role.INTERNATIONAL
            and participant.status in ACTIVE)


def check_when(participant: Participant, day: date, at: time,
               now: datetime | None = None) -> None:
    """The date and time rules; raises ``ArrivalError`` on the field that breaks one."""
    now = now or timezone.now()
    intake = participant.intake
    if day > intake.ends_on:
        raise ArrivalError(_("This is after the intake ends (%(date)s). Check the date.")
                           % {"date": date_format(intake.ends_on, "DATE_FORMAT")},
                           "arrival_date")
    if day < timezone.localdate(now):
        raise ArrivalError(_("This date is in the past. Give the day you arrive."),
                           "arrival_date")
    if moment(day, at) < now:
        raise ArrivalError(_("This time today has already passed. Check the time."), "time")


def introduced_buddy(student: Participant) -> Participant | None:
    """The student's buddy once the pair is confirmed and introduced."""
    match = (Match.objects.filter(mentee=student, status=Match.Status.CONFIRMED,
                                  introduced_at__isnull=False)
             .select_related("mentor").order_by("-confirmed_at", "-pk").first())
    return match.mentor if match else None


def arrival_of(participant: Participant) -> Arrival | None:
    return Arrival.objects.filter(participant=participant).select_related("covered_by").first()


def save_arrival(participant: Participant, *, day: date, at: time, how: str, place: str,
                 pickup: bool, now: datetime | None = None) -> Arrival:
    """Give or change the arrival; asks the introduced buddy (or the board) for a pick-up,
    tells a buddy who covered it when it changes. Nothing changed: nothing written."""
    now = now or timezone.now()
    place = " ".join((place or "").split())[:PLACE_MAX]
    if how not in Arrival.How.values:
        raise ArrivalError(_("Choose how you arrive."), "how")
    if not place:
        raise ArrivalError(_("Tell us where you arrive."), "place")
    with transaction.atomic():
        student = Participant.objects.select_for_update().select_related("intake").get(
            pk=participant.pk)
        if not can_give(student):
            raise ArrivalError(_("Only international students taking part can give an "
                                 "arrival."))
        check_when(student, day, at, now)
        arrival = (Arrival.objects.select_for_update().filter(participant=student).first()
                   or Arrival(participant=student, version=0))
        moved = (student.arrival_date, arrival.time, arrival.how, arrival.place) != (
            day, at, how, place)
        before, coverer = arrival.pickup, arrival.covered_by_id
        state = _next_state(arrival, pickup, moved, student)
        if not moved and state == before and arrival.pk:
            return arrival
        arrival.time, arrival.how, arrival.place, arrival.pickup = at, how, place, state
        if state != Arrival.Pickup.COVERED:
            arrival.covered_by, arrival.covered_at = None, None
        arrival.version += 1
        arrival.save()
        Participant.objects.filter(pk=student.pk).update(arrival_date=day)
        participant.arrival_date = day
        _tell_after_change(arrival, student, before, moved, coverer)
        audit([student], "wagtail_buddy.arrival_set", None, data={
            "arrival": arrival.pk, "pickup": state, "version": arrival.version})
    return arrival


def _next_state(arrival: Arrival, pickup: bool, moved: bool, student: Participant) -> str:
    if not pickup:
        return Arrival.Pickup.NONE
    if arrival.pickup == Arrival.Pickup.NONE or not arrival.pk:
        return Arrival.Pickup.ASKED if introduced_buddy(student) else Arrival.Pickup.OPEN
    return arrival.pickup


def _tell_after_change(arrival: Arrival, student: Participant, before: str, moved: bool,
                       coverer: int | None) -> None:
    key = f"{arrival.pk}:{arrival.version}"
    context = {"arrival_id": arrival.pk}
    if arrival.pickup == Arrival.Pickup.ASKED and (before != Arrival.Pickup.ASKED or moved):
        buddy = introduced_buddy(student)
        if buddy is not None:
            queue_email(buddy, ASKED_EMAIL, key=key, context={**context,
                                                              "links": ["private_url"]})
    if coverer and before == Arrival.Pickup.COVERED and (
            moved or arrival.pickup != Arrival.Pickup.COVERED):
        person = Participant.objects.filter(pk=coverer).first()
        if person is not None:
            queue_email(person, CHANGED_EMAIL, key=key, context={**context,
                                                                 "links": ["private_url"]})


# --- the buddy's answer and the board --------------------------------------------------


def _locked(arrival_id: int) -> Arrival | None:
    return (Arrival.objects.select_for_update(of=("self",))
            .select_related("participant__intake").filter(pk=arrival_id).first())


def _check_open(arrival: Arrival, version: int, now: datetime) -> None:
    if arrival.version != version:
        raise ArrivalError(_("The arrival changed since you opened the page. Check the new "
                             "details and answer again."))
    if arrival.pickup == Arrival.Pickup.NONE or arrival.participant.status not in ACTIVE:
        raise ArrivalError(_("This student no longer asks for a pick-up."))
    if moment(arrival.participant.arrival_date, arrival.time) < now:
        raise ArrivalError(_("This arrival has already happened."))


def answer(arrival_id: int, buddy: Participant, version: int, will_be_there: bool,
           now: datetime | None = None) -> Arrival:
    """The introduced buddy's "I'll be there" / "I can't, please ask someone else".

    "I can't" puts the pick-up on the intake's board (open: the coordinators' arrivals list
    and overview count it as uncovered) and emails the student so."""
    now = now or timezone.now()
    with transaction.atomic():
        arrival = _locked(arrival_id)
        if arrival is None or introduced_buddy(arrival.participant) != buddy:
            raise ArrivalError(_("This arrival is not one of your own students'."))
        _check_open(arrival, version, now)
        if arrival.is_covered and arrival.covered_by_id != buddy.pk:
            raise ArrivalError(_("Another buddy already covers this pick-up."))
        if will_be_there and arrival.covered_by_id == buddy.pk:
            raise ArrivalError(_("You have already said you will be there."))
        if not will_be_there and arrival.pickup == Arrival.Pickup.OPEN:
            raise ArrivalError(_("You have already asked for someone else."))
        if will_be_there:
            _cover(arrival, buddy, now)
        else:
            arrival.pickup, arrival.covered_by, arrival.covered_at = (
                Arrival.Pickup.OPEN, None, None)
            arrival.version += 1
            arrival.save(update_fields=["pickup", "covered_by", "covered_at", "version",
                                        "updated_at"])
            queue_email(arrival.participant, DECLINED_EMAIL,
                        key=f"{arrival.pk}:{arrival.version}",
                        context={"arrival_id": arrival.pk, "buddy_id": buddy.pk,
                                 "links": ["private_url"]})
        audit([arrival.participant, buddy],
              "wagtail_buddy.pickup_yes" if will_be_there else "wagtail_buddy.pickup_no",
              None, data={"arrival": arrival.pk, "buddy": buddy.pk})
    return arrival


def _cover(arrival: Arrival, buddy: Participant, now: datetime) -> None:
    arrival.pickup, arrival.covered_by, arrival.covered_at = (
        Arrival.Pickup.COVERED, buddy, now)
    arrival.version += 1
    arrival.save(update_fields=["pickup", "covered_by", "covered_at", "version",
                                "updated_at"])
    queue_email(arrival.participant, COVERED_EMAIL, key=f"{arrival.pk}:{arrival.version}",
                context={"arrival_id": arrival.pk, "coverer_id": buddy.pk})


def may_use_board(buddy: Participant) -> bool:
    return buddy.role == Participant.Role.LOCAL and buddy.status in ACTIVE


def cover(arrival_id: int, buddy: Participant, version: int,
          now: datetime | None = None) -> Arrival:
    """Another buddy of the intake takes a pick-up from the board. One conditional
    ``UPDATE`` on (open, version): of two buddies at once one wins, the other is told."""
    now = now or timezone.now()
    if not may_use_board(buddy):
        raise ArrivalError(_("The pick-up board is for the buddies taking part in this "
                             "intake."))
    if not Arrival.objects.filter(pk=arrival_id,
                                  participant__intake_id=buddy.intake_id).exists():
        raise ArrivalError(_("This pick-up is not on your intake's board."))
    with transaction.atomic():
        won = Arrival.objects.filter(
            pk=arrival_id, pickup=Arrival.Pickup.OPEN, version=version,
        ).update(pickup=Arrival.Pickup.COVERED, covered_by=buddy, covered_at=now,
                 version=F("version") + 1, updated_at=now)
        arrival = (Arrival.objects.select_related("participant__intake")
                   .filter(pk=arrival_id).first())
        if arrival is None:  # erased meanwhile
            raise ArrivalError(_("This pick-up is not on the board any more."))
        if not won:
            if arrival.is_covered:
                raise ArrivalError(_("Another buddy has just taken this pick-up. Thank you "
                                     "all the same!"))
            _check_open(arrival, version, now)
            raise ArrivalError(_("This pick-up is not on the board any more."))
        if (arrival.participant.status not in ACTIVE
                or moment(arrival.participant.arrival_date, arrival.time) < now):
            raise ArrivalError(_("This arrival has already happened."))
        queue_email(arrival.participant, COVERED_EMAIL, key=f"{arrival.pk}:{arrival.version}",
                    context={"arrival_id": arrival.pk, "coverer_id": buddy.pk})
        audit([arrival.participant, buddy], "wagtail_buddy.pickup_cover", None,
              data={"arrival": arrival.pk, "buddy": buddy.pk})
    return arrival


def release(buddy_ids: list[int]) -> int:
    """Withdrawn buddies' pick-ups go back on the board (one UPDATE)."""
    return Arrival.objects.filter(covered_by_id__in=buddy_ids).update(
        pickup=Arrival.Pickup.OPEN, covered_by=None, covered_at=None,
        version=F("version") + 1, updated_at=timezone.now())


def board(buddy: Participant, now: datetime | None = None) -> list[Arrival]:
    """The intake's open pick-ups still ahead (one query), soonest first."""
    today = timezone.localdate(now or timezone.now())
    return list(Arrival.objects.filter(
        participant__intake_id=buddy.intake_id, pickup=Arrival.Pickup.OPEN,
        participant__status__in=ACTIVE, participant__arrival_date__gte=today)
        .select_related("participant").order_by("participant__arrival_date", "time", "pk"))


def for_buddy(buddy: Participant) -> list[Arrival]:
    """Arrivals of the buddy's introduced students (``own``) and pick-ups they cover, in
    one query."""
    mine = Match.objects.filter(mentor=buddy, status=Match.Status.CONFIRMED,
                                introduced_at__isnull=False)
    return list(Arrival.objects.filter(Q(participant__in=mine.values("mentee_id"))
                                       | Q(covered_by=buddy))
                .filter(participant__status__in=ACTIVE)
                .annotate(own=Exists(mine.filter(mentee=OuterRef("participant_id"))))
                .select_related("participant", "covered_by")
                .order_by("participant__arrival_date", "time", "pk"))


# --- the coordinators' view ------------------------------------------------------------


def coming(intakes: Iterable[Intake], today: date | None = None,
           days: int = COMING_DAYS) -> QuerySet:
    """International students arriving in the next ``days`` days, with their arrival row
    and their confirmed buddy's name (``buddy_first``, ``buddy_last``) in one query."""
    today = today or timezone.localdate()
    buddy = Match.objects.filter(mentee=OuterRef("pk"), status=Match.Status.CONFIRMED)
    return (Participant.objects.internationals()
            .filter(intake__in=intakes, status__in=ACTIVE,
                    arrival_date__gte=today, arrival_date__lte=today + timedelta(days=days))
            .select_related("arrival", "arrival__covered_by")
            .annotate(buddy_first=Subquery(buddy.values("mentor__first_name")[:1]),
                      buddy_last=Subquery(buddy.values("mentor__last_name")[:1]),
                      arrival_time=F("arrival__time")))


def uncovered_counts(intakes: list[Intake], today: date | None = None) -> dict[int, int]:
    """Per intake: pick-ups of the next ``COMING_DAYS`` days nobody covers yet (one query)."""
    rows = (coming(intakes, today).filter(arrival__pickup__in=Arrival.UNCOVERED)
            .order_by().values_list("intake_id").annotate(n=Count("pk")))
    return dict(rows)


def add_counts(rows: list[tuple[Intake, dict]]) -> None:
    """The overview's rows ``(intake, summary)`` get ``pickups_uncovered``."""
    counts = uncovered_counts([intake for intake, _summary in rows])
    for intake, summary in rows:
        summary["pickups_uncovered"] = counts.get(intake.pk, 0)
