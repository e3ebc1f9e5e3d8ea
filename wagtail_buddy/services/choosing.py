"""Buddies choose ("buddies choose" and "mixed" pairing modes): the list, the claim, the undo.

While an intake's choosing window is open, a local buddy's private page lists the waiting
international students the engine's hard rules allow for them (a common language, a
requested same gender, availability on the arrival day, never a pair a coordinator ended),
best fit first by the engine's own score (``matching.rank_mentees``), with the evidence in
words. Only what the privacy notice announces is shown: first name, country, university,
faculty, arrival date, languages and shared interests; never email, phone, age or surname.

A claim is one transaction that locks the buddy's row, then the student's: two buddies
pressing at once serialise on the student, and the second finds them taken; one buddy's
claims serialise on their own row, so the caps (per day, per intake, the buddy's capacity)
are counted under the lock. The partial unique index "one active match per mentee" is the
backstop. Every claim first holds its intake row FOR SHARE (claims do not wait for each
other): a matching run's write waits for the claims in flight and solves again with them
kept (``services.runs``), and a claim that comes later finds the run active.
A claim is a *locked* match with ``source = buddy``: every later run keeps it
(``pool.KEPT``). What it means depends on the mode:

- "buddies choose", and "mixed" without "both accept": the pair is confirmed at once; the
  student is emailed "a buddy has chosen you" and sees the buddy on their page. The
  introduction email (contact details by email) stays the coordinators' step, as for any
  confirmed pair, so they can still undo a claim first.
- "mixed" with "both accept": the buddy's press is their acceptance; the pair waits for the
  student's answer (``services.answers``, same deadline and reminder), and contact details
  are shared only when the student accepts.

A coordinator's undo cancels the pair (never proposed again), with an audited reason; the
student waits again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.core.paginator import Paginator
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..caching import remember
from ..matching import Mentee, Ranking, rank_mentees
from ..models import BuddyProgrammePage, Intake, Interest, Language, Match, MatchingRun, Participant
from ..models.vocabulary import interest_names
from . import pool, reasons
from .audit import audit_matches
from .emails import queue_emails
from .matching_config import programme_config
from .statuses import people_of, refresh_statuses

PER_PAGE = 20
#: The evidence a buddy reads: never age or gender, which the students do not show.
SHOWN_EVIDENCE = ("languages", "interests", "university", "faculty", "exchange_country",
                  "arrival")
CHOSEN, UNDONE = "chosen", "cancelled"  # the undo reuses the cancellation email
#: Buddies who may still choose (confirmed, not withdrawn or ended).
ACTIVE_BUDDY = (Participant.Status.WAITING, Participant.Status.PROPOSED,
                Participant.Status.MATCHED)


class ChoosingError(Exception):
    """A claim or undo cannot be done; ``str(exc)`` is a translated message."""


def lets_buddies_choose(programme: BuddyProgrammePage) -> bool:
    return programme.pairing_mode in BuddyProgrammePage.CHOOSING_MODES


def student_accepts(programme: BuddyProgrammePage) -> bool:
    """Mixed mode with "both accept": a chosen student is asked before contacts are shared."""
    return (programme.pairing_mode == BuddyProgrammePage.PairingMode.MIXED
            and programme.mixed_both_accept)


def window_state(intake: Intake, now: datetime | None = None) -> str:
    """``unset`` (no window), ``before``, ``open`` or ``closed``."""
    opens, closes = intake.choosing_opens_at, intake.choosing_closes_at
    if not (opens and closes):
        return "unset"
    now = now or timezone.now()
    return "before" if now < opens else "open" if now < closes else "closed"


def waiting_students(intake: Intake) -> QuerySet:
    """Internationals waiting for a buddy: withdrawn, erased or paired ones are not."""
    return Participant.objects.filter(intake=intake, role=Participant.Role.INTERNATIONAL,
                                      status=Participant.Status.WAITING)


def allowance(buddy: Participant, now: datetime | None = None) -> dict[str, int | None]:
    """How many more students ``buddy`` may choose now, and which limit binds (one query)."""
    now = now or timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    claims = Q(source=Match.Source.BUDDY)
    counts = Match.objects.filter(mentor=buddy, status__in=Match.ACTIVE).aggregate(
        active=Count("pk"), chosen=Count("pk", filter=claims),
        today=Count("pk", filter=claims & Q(created_at__gte=day_start)))
    intake = buddy.intake
    limits = {"capacity": buddy.capacity - counts["active"],
              "day": intake.choices_per_day - counts["today"],
              "intake": (intake.choices_per_intake - counts["chosen"]
                         if intake.choices_per_intake else None)}
    binding = min((k for k, v in limits.items() if v is not None), key=lambda k: limits[k])
    return {"left": max(0, limits[binding]), "binding": binding, "today": counts["today"],
            "chosen": counts["chosen"], "per_day": intake.choices_per_day,
            "per_intake": intake.choices_per_intake}


def cap_message(state: dict) -> str:
    """Why a buddy may not choose more now, in words."""
    if state["binding"] == "day":
        return ngettext(
            "You have chosen %(n)s student today, the most allowed per day. You can choose "
            "again tomorrow.",
            "You have chosen %(n)s students today, the most allowed per day. You can choose "
            "again tomorrow.", state["per_day"]) % {"n": state["per_day"]}
    if state["binding"] == "intake":
        return ngettext(
            "You have chosen %(n)s student, the most allowed in this intake.",
            "You have chosen %(n)s students, the most allowed in this intake.",
            state["per_intake"]) % {"n": state["per_intake"]}
    return str(_("You already have as many students as you said you can take."))


# --------------------------------------------------------------------------- the list


MENTEE_COLUMNS = ("pk", "gender", "gender_preference", "university", "faculty", "birth_year",
                  "nationality", "arrival_date", "left_over_at")


def _mentees(students: QuerySet) -> list[Mentee]:
    """The engine's profiles of ``students`` from plain rows (three queries): building
    thousands of model instances would cost more than the scoring itself."""
    langs: dict[int, set[str]] = defaultdict(set)
    interests: dict[int, set[str]] = defaultdict(set)
    among = students.values("pk")
    for pid, code in Participant.languages.through.objects.filter(
            participant__in=among).values_list("participant_id", "language_id"):
        langs[pid].add(code)
    for pid, slug in Participant.interests.through.objects.filter(
            participant__in=among).values_list("participant_id", "interest__slug"):
        interests[pid].add(slug)
    return [Mentee(id=str(pk), gender=gender or "", gender_preference=preference or "any",
                   languages=frozenset(langs[pk]), interests=frozenset(interests[pk]),
                   university=university or "", faculty=faculty or "", birth_year=born,
                   nationality=str(country or ""), arrival=arrival, priority=left is not None)
            for pk, gender, preference, university, faculty, born, country, arrival, left
            in students.order_by("pk").values_list(*MENTEE_COLUMNS)]


def waiting_profiles(intake: Intake) -> list[Mentee]:
    """The waiting students' engine profiles, cached under their version: how many wait,
    the newest change and the highest id (one aggregate query). Any sign-up, edit,
    withdrawal, erasure or pairing changes the version, so nobody stale is listed; the rest
    (a run's left-over flag, written without ``updated_at``) shows within ``TIMEOUT``."""
    students = waiting_students(intake)
    version = students.aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk"))
    key = "wagtail_buddy:choosing:{}:{n}:{top}:{last}".format(
        intake.pk, **{k: str(v).replace(" ", "T") for k, v in version.items()})
    return remember(key, lambda: _mentees(students))


def rank_for(buddy: Participant, students: QuerySet | None = None) -> Ranking:
    """The waiting students the hard rules allow for ``buddy``, best fit first.

    A constant number of queries whatever the number of students (the students' version,
    or their rows, languages and interests; the buddy's profile; the pairs a coordinator
    ended); the scoring is one numpy pass."""
    intake = buddy.intake
    mentees = waiting_profiles(intake) if students is None else _mentees(students)
    me = Participant.objects.only(*pool.PROFILE_FIELDS).get(pk=buddy.pk)
    pool._codes([me])
    ended = Match.objects.filter(mentor=buddy, status__in=pool.ENDED_BY_COORDINATOR)
    forbidden = [(str(a), str(buddy.pk)) for a in ended.values_list("mentee_id", flat=True)]
    return rank_mentees(pool.to_mentor(me), mentees,
                        weights=programme_config(intake.programme)["weights"],
                        forbidden=forbidden)


def _shown(rows: list[Participant], buddy: Participant) -> dict[int, dict]:
    """What a buddy may see of each student (the privacy notice's list), by id."""
    mine = {i.pk for i in buddy.interests.all()}
    shared = {p.pk: [i for i in p.interests.all() if i.pk in mine] for p in rows}
    every = {i.pk: i for items in shared.values() for i in items}
    names = dict(zip(every, interest_names(list(every.values())), strict=True))
    return {p.pk: {
        "id": p.pk, "first_name": p.first_name,
        "country": p.nationality.name if p.nationality else "",
        "university": p.university, "home_university": p.home_university,
        "faculty": p.faculty,
        "arrival_date": p.arrival_date,
        "languages": sorted(str(lang) for lang in p.languages.all()),
        "shared_interests": sorted(names[i.pk] for i in shared[p.pk]),
    } for p in rows}


def listing(buddy: Participant, page_number: int | str | None = 1) -> dict:
    """One page of the buddy's choosing list, each student with score and evidence in words.

    A constant number of queries: the ranking (six), then the page's profiles with their
    languages and interests (three), and the interests' translated names (one)."""
    ranking = rank_for(buddy)
    page = Paginator(range(len(ranking)), PER_PAGE).get_page(page_number)
    ranks = list(page.object_list)
    pairs = [ranking.pair(r) for r in ranks]
    prefetch = [Prefetch("languages", queryset=Language.objects.only("code")),
                Prefetch("interests", queryset=Interest.objects.only(
                    "pk", "name", "slug", "translation_key"))]
    ids = [int(p.mentee) for p in pairs]
    rows = {p.pk: p for p in waiting_students(buddy.intake).filter(pk__in=ids)
            .prefetch_related(*prefetch)}
    me = Participant.objects.prefetch_related(*prefetch).get(pk=buddy.pk)
    shown = _shown(list(rows.values()), me)
    weights = programme_config(buddy.intake.programme)["weights"]
    items = []
    for pair in pairs:
        student = rows.get(int(pair.mentee))
        if student is None:  # withdrawn, erased or chosen since the list was cached
            continue
        words = [r["words"] for r in reasons.explain(pair.breakdown, weights, pair.evidence,
                                                     student, me)
                 if r["points"] > 0 and r["key"] in SHOWN_EVIDENCE
                 and pair.evidence.get(r["key"]) is not None]
        items.append({**shown[student.pk], "scale": reasons.scale(pair.score, weights),
                      "evidence": words})
    return {"page": page, "items": items, "total": len(ranking)}


def overview(buddy: Participant, page_number: int | str | None = 1,
             now: datetime | None = None) -> dict | None:
    """What the buddy's private page shows about choosing; None when it does not apply."""
    intake = buddy.intake
    if (buddy.role != Participant.Role.LOCAL or buddy.status not in ACTIVE_BUDDY
            or not lets_buddies_choose(intake.programme)):
        return None
    now = now or timezone.now()
    state = window_state(intake, now)
    context = {"state": state, "opens_at": intake.choosing_opens_at,
               "closes_at": intake.choosing_closes_at,
               "waiting": waiting_students(intake).count()}
    if state == "open":
        context["allowance"] = allowance(buddy, now)
        if context["allowance"]["left"]:
            context.update(listing(buddy, page_number))
        else:
            context["cap_message"] = cap_message(context["allowance"])
    return context


# --------------------------------------------------------------------------- the claim


def _check_window(intake: Intake, now: datetime) -> None:
    state = window_state(intake, now)
    if state == "before":
        raise ChoosingError(str(_("Choosing opens on %(when)s.") % {
            "when": date_format(timezone.localtime(intake.choosing_opens_at),
                                "j F Y, H:i")}))
    if state != "open":
        raise ChoosingError(str(_("Choosing is closed: the coordinators now pair the "
                                  "students still waiting.")))


def _share_intake(buddy_id: int) -> None:
    """Hold the buddy's intake row FOR SHARE until the claim commits (PostgreSQL; other
    databases serialise writers anyway). A run's write locks it to see every claim."""
    if connection.vendor != "postgresql":
        return
    intake, person = (connection.ops.quote_name(m._meta.db_table)
                      for m in (Intake, Participant))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {intake} WHERE id = (SELECT intake_id FROM {person} "
                       "WHERE id = %s) FOR SHARE", [buddy_id])


def _lock_buddy(buddy_id: int) -> Participant:
    buddy = (Participant.objects.select_for_update(of=("self",))
             .select_related("intake__programme").filter(pk=buddy_id).first())
    if buddy is None or buddy.role != Participant.Role.LOCAL \
            or buddy.status not in ACTIVE_BUDDY:
        raise ChoosingError(str(_("You can no longer choose students: you have withdrawn "
                                  "or your sign-up is not confirmed.")))
    if not lets_buddies_choose(buddy.intake.programme):
        raise ChoosingError(str(_("In this programme the coordinators make the pairs.")))
    return buddy


def _lock_student(buddy: Participant, student_id: int) -> Participant:
    student = (Participant.objects.select_for_update(of=("self",))
               .filter(pk=student_id, intake_id=buddy.intake_id,
                       role=Participant.Role.INTERNATIONAL).first())
    if student is None or student.status in (Participant.Status.WITHDRAWN,
                                             Participant.Status.ENDED):
        raise ChoosingError(str(_("This student is no longer in the programme.")))
    if student.status != Participant.Status.WAITING or Match.objects.filter(
            mentee=student, status__in=Match.ACTIVE).exists():
        raise ChoosingError(str(_("Another buddy has just chosen this student. Please "
                                  "choose someone else.")))
    return student


def claim(buddy_id: int, student_id: int, now: datetime | None = None) -> Match:
    """``buddy`` takes ``student``: a locked pair, or ``ChoosingError`` and nothing changed."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            _share_intake(buddy_id)
            buddy = _lock_buddy(buddy_id)
            intake, programme = buddy.intake, buddy.intake.programme
            _check_window(intake, now)
            if MatchingRun.objects.filter(intake=intake,
                                          status__in=MatchingRun.ACTIVE).exists():
                raise ChoosingError(str(_("The coordinators are pairing students right "
                                          "now. Please try again in a few minutes.")))
            student = _lock_student(buddy, student_id)
            state = allowance(buddy, now)
            if state["left"] <= 0:
                raise ChoosingError(cap_message(state))
            ranking = rank_for(buddy, Participant.objects.filter(pk=student.pk))
            if not len(ranking):
                raise ChoosingError(str(_("This student is not on your list.")))
            return _create(buddy, student, ranking.pair(0), programme, now)
    except IntegrityError:  # the unique index: someone paired the student meanwhile
        raise ChoosingError(str(_("Another buddy has just chosen this student. Please "
                                  "choose someone else."))) from None


def _create(buddy: Participant, student: Participant, pair, programme, now) -> Match:
    asks = student_accepts(programme)
    fields = {"status": Match.Status.CONFIRMED, "confirmed_at": now}
    if asks:
        fields = {"status": Match.Status.PROPOSED, "answers": Match.Answers.WAITING,
                  "mentor_answer": Match.Answer.ACCEPTED,
                  "answers_due_at": now + timedelta(days=programme.answer_days)}
    with transaction.atomic():
        match = Match.objects.create(
            intake_id=buddy.intake_id, mentee=student, mentor=buddy, locked=True,
            source=Match.Source.BUDDY, score=pair.score, breakdown=dict(pair.breakdown),
            evidence=dict(pair.evidence), **fields)
    refresh_statuses([student.pk, buddy.pk])
    audit_matches([match], "wagtail_buddy.claim", None, asks_student=asks)
    queue_emails([(student, CHOSEN, str(match.pk), {
        "match_id": match.pk, "shared": True,
        "links": ["answer_url" if asks else "private_url"]})])
    return match


# --------------------------------------------------------------------------- the undo


def undo(match: Match, user, reason: str, now: datetime | None = None) -> Match:
    """A coordinator takes a claim back: the pair is cancelled (never proposed again), the
    student waits again, both are told; the reason stays with the coordinators."""
    reason = (reason or "").strip()
    if not reason:
        raise ChoosingError(str(_("Please give a reason.")))
    now = now or timezone.now()
    with transaction.atomic():
        done = Match.objects.filter(pk=match.pk, source=Match.Source.BUDDY,
                                    status__in=Match.ACTIVE).update(
            status=Match.Status.CANCELLED, locked=False, ended_at=now, end_reason=reason)
        if not done:
            raise ChoosingError(str(_("This choice is no longer active: nothing to undo.")))
        match.status, match.end_reason = Match.Status.CANCELLED, reason
        refresh_statuses(people_of([match]))
        audit_matches([match], "wagtail_buddy.claim_undo", user, reason=reason)
        queue_emails((person, UNDONE, str(match.pk), {"match_id": match.pk})
                     for person in (match.mentee, match.mentor))
    return match


def overview_counts(intakes: list[Intake], now: datetime | None = None) -> dict[int, dict]:
    """``counts`` for the intakes whose programme lets buddies choose (two queries)."""
    mine = [i for i in intakes if lets_buddies_choose(i.programme)]
    if not mine:
        return {}
    waiting = dict(Participant.objects.filter(
        intake__in=mine, role=Participant.Role.INTERNATIONAL, status=Participant.Status.WAITING)
        .order_by().values_list("intake_id").annotate(n=Count("pk")))
    claims = dict(Match.objects.filter(intake__in=mine, source=Match.Source.BUDDY,
                                       status__in=Match.ACTIVE)
                  .order_by().values_list("intake_id").annotate(n=Count("pk")))
    return {i.pk: {"state": window_state(i, now), "opens_at": i.choosing_opens_at,
                   "closes_at": i.choosing_closes_at, "waiting": waiting.get(i.pk, 0),
                   "claims": claims.get(i.pk, 0)} for i in mine}
