"""An intake as the engine sees it: profiles, spare capacity, kept and forbidden pairs.

:func:`load_pool` reads an intake's matchable participants in a constant number of queries
and turns them into the engine's ``Mentee`` and ``Mentor`` profiles
for a run (``services.runs``). :func:`suggestions` builds the same profiles for one
mentee and the buddies with a free place (:func:`spare_capacity`).

Re-running keeps every coordinator decision: confirmed pairs, locked proposals and
proposals a coordinator made by hand (a swap) are passed to the engine as locked pairs, and
pairs a coordinator rejected or cancelled are passed as forbidden pairs, so they are never
proposed again. ``rerun_preview`` says beforehand what a run will replace.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from ..matching import Mentee, Mentor, Pair, suggest
from ..models import Intake, Match, Participant
from .matching_config import programme_config


def _codes(participants: Iterable[Participant], among: QuerySet | None = None) -> None:
    """Cache language codes and interest slugs on each participant (2 queries in total).

    ``among``: a queryset of exactly these participants (a run's pool). The rows are then
    selected by it in SQL, rather than by lists of thousands of ids that the driver binds
    and the database parses one slice at a time.
    """
    participants = list(participants)
    ids = [p.pk for p in participants]
    langs: dict[int, set[str]] = {pk: set() for pk in ids}
    interests: dict[int, set[str]] = {pk: set() for pk in ids}
    lang_through = Participant.languages.through
    interest_through = Participant.interests.through
    selections = [{"participant__in": among.values("pk")}] if among is not None else [
        {"participant_id__in": chunk} for chunk in chunks(ids)]
    for selection in selections:
        for pid, code in lang_through.objects.filter(**selection).values_list(
                "participant_id", "language_id"):
            langs[pid].add(code)
        for pid, slug in interest_through.objects.filter(**selection).values_list(
                "participant_id", "interest__slug"):
            interests[pid].add(slug)
    for p in participants:
        p._lang_codes = frozenset(langs[p.pk])
        p._interest_codes = frozenset(interests[p.pk])


def _country(p, name: str) -> str:
    """The stored country code. Reading the field builds a ``Country`` whose code is looked
    up again through the translation machinery: a fifth of loading 8,000 people."""
    if isinstance(p, Profile):
        return getattr(p, name) or ""
    raw = p.__dict__.get(name)
    return raw if isinstance(raw, str) else str(getattr(p, name) or "")


def chunks(ids: list[int], size: int = 5000) -> Iterable[list[int]]:
    # SQLite limits the number of query parameters; large pools are read in slices.
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


PROFILE_FIELDS = (
    "pk", "role", "status", "gender", "gender_preference", "university", "faculty",
    "birth_year", "nationality", "arrival_date", "available_from", "available_until",
    "capacity", "exchange_country", "left_over_at",
)


class Profile:
    """A participant as the engine reads it (``PROFILE_FIELDS`` plus ``free``), built from
    ``values_list`` rows: no model instance, no signals. Loading a run's 8,000 people as
    model instances was most of the run's load phase."""

    __slots__ = (*PROFILE_FIELDS, "free", "_lang_codes", "_interest_codes")

    def __init__(self, row: tuple, free: int | None = None):
        for name, value in zip(PROFILE_FIELDS, row, strict=True):
            setattr(self, name, value)
        self.free = free


def profiles(queryset: QuerySet, free: bool = False) -> list[Profile]:
    """The people of ``queryset`` as :class:`Profile` objects with their language codes and
    interest slugs (3 queries, selected in SQL by ``queryset``). ``free``: the queryset is
    annotated with ``free`` (``free_places()``), kept on each profile."""
    names = (*PROFILE_FIELDS, "free") if free else PROFILE_FIELDS
    rows = [Profile(row[:len(PROFILE_FIELDS)], row[-1] if free else None)
            for row in queryset.values_list(*names)]
    _codes(rows, among=queryset.order_by())
    return rows


def to_mentee(p: Participant) -> Mentee:
    return Mentee(
        id=str(p.pk), gender=p.gender or "", gender_preference=p.gender_preference or "any",
        languages=getattr(p, "_lang_codes", frozenset()),
        interests=getattr(p, "_interest_codes", frozenset()),
        university=p.university or "", faculty=p.faculty or "", birth_year=p.birth_year,
        nationality=_country(p, "nationality"), arrival=p.arrival_date,
        priority=p.left_over_at is not None,
    )


def to_mentor(p: Participant, capacity: int | None = None) -> Mentor:
    return Mentor(
        id=str(p.pk), capacity=max(1, capacity if capacity is not None else p.capacity),
        gender=p.gender or "", gender_preference=p.gender_preference or "any",
        languages=getattr(p, "_lang_codes", frozenset()),
        interests=getattr(p, "_interest_codes", frozenset()),
        university=p.university or "", faculty=p.faculty or "", birth_year=p.birth_year,
        available_from=p.available_from, available_until=p.available_until,
        exchange_country=_country(p, "exchange_country"),
        priority=p.left_over_at is not None,
    )


@dataclass
class Pool:
    """An intake as the engine sees it, plus what the writer needs to know."""

    mentees: list[Mentee] = field(default_factory=list)
    mentors: list[Mentor] = field(default_factory=list)
    locked: list[tuple[str, str]] = field(default_factory=list)
    forbidden: list[tuple[str, str]] = field(default_factory=list)
    kept_match_ids: list[int] = field(default_factory=list)
    #: Every kept match of the intake when it was loaded, to see pairs made since.
    seen_kept: frozenset[int] = frozenset()
    participant_ids: list[int] = field(default_factory=list)


#: Matches a re-run keeps: confirmed, locked, or made by a coordinator's hand.
KEPT = (Q(status=Match.Status.CONFIRMED)
        | Q(status=Match.Status.PROPOSED) & (Q(locked=True) | Q(source=Match.Source.MANUAL)))
#: Matches a re-run replaces: the engine's own open proposals nobody touched.
REPLACED = Q(status=Match.Status.PROPOSED, locked=False, source=Match.Source.ENGINE)
#: Pairs never proposed again (by runs or suggestions) once a coordinator ended them.
ENDED_BY_COORDINATOR = (Match.Status.REJECTED, Match.Status.CANCELLED)


def rerun_preview(intake: Intake) -> dict[str, int]:
    """What the next run of ``intake`` will replace and keep (one aggregate query)."""
    counts = Match.objects.filter(intake=intake).order_by().aggregate(
        n_replaced=Count("pk", filter=REPLACED),
        n_confirmed=Count("pk", filter=Q(status=Match.Status.CONFIRMED)),
        n_locked=Count("pk", filter=Q(status=Match.Status.PROPOSED, locked=True)),
        n_manual=Count("pk", filter=Q(status=Match.Status.PROPOSED, locked=False,
                                      source=Match.Source.MANUAL)),
        n_forbidden=Count("pk", filter=Q(status__in=ENDED_BY_COORDINATOR)),
    )
    return {key.removeprefix("n_"): value for key, value in counts.items()}


def pool_participants(intake: Intake) -> QuerySet:
    return Participant.objects.filter(intake=intake).matchable()


def load_pool(intake: Intake) -> Pool:
    """Participants -> Mentor/Mentee, locked and forbidden pairs; 5 queries whatever the size.

    Locked pairs: confirmed matches, locked proposals and hand-made (swapped) proposals
    whose both sides are still in the pool (their mentors' capacity is raised if a
    coordinator paired beyond it). Mentees in an active match with someone who left the
    pool are left out rather than re-paired.
    Forbidden pairs: every match a coordinator rejected or cancelled in this intake.
    """
    people = profiles(pool_participants(intake).order_by("pk"))
    by_pk = {p.pk: p for p in people}
    kept = list(
        Match.objects.filter(intake=intake).filter(KEPT)
        .values_list("pk", "mentee_id", "mentor_id")
    )
    rejected = Match.objects.filter(
        intake=intake, status__in=ENDED_BY_COORDINATOR).values_list("mentee_id", "mentor_id")
    pool = Pool(participant_ids=list(by_pk), seen_kept=frozenset(pk for pk, _a, _b in kept))
    taken: set[int] = set()
    load: Counter[int] = Counter()
    for match_pk, mentee_id, mentor_id in kept:
        taken.add(mentee_id)
        mentee, mentor = by_pk.get(mentee_id), by_pk.get(mentor_id)
        if mentee and mentor and mentee.role == Participant.Role.INTERNATIONAL \
                and mentor.role == Participant.Role.LOCAL:
            pool.locked.append((str(mentee_id), str(mentor_id)))
            pool.kept_match_ids.append(match_pk)
            load[mentor_id] += 1
    locked_mentees = {int(a) for a, _b in pool.locked}
    for p in people:
        if p.role == Participant.Role.LOCAL:
            pool.mentors.append(to_mentor(p, max(p.capacity, load[p.pk])))
        elif p.pk not in taken or p.pk in locked_mentees:
            pool.mentees.append(to_mentee(p))
    locked_set = set(pool.locked)
    pool.forbidden = [
        (str(a), str(b)) for a, b in set(rejected)
        if a in by_pk and b in by_pk and (str(a), str(b)) not in locked_set
        and by_pk[a].role == Participant.Role.INTERNATIONAL
        and by_pk[b].role == Participant.Role.LOCAL
    ]
    return pool


def spare_capacity(intake: Intake) -> dict[str, int]:
    """Mentor id -> free slots (capacity minus active matches), one query."""
    rows = Participant.objects.filter(intake=intake).free_places().values_list("pk", "free")
    return {str(pk): max(0, free) for pk, free in rows}


def free_mentors(intake: Intake) -> list[Profile]:
    """The buddies of ``intake`` with a free place as engine profiles with ``free``, by id
    (3 queries): what the suggestions and the near candidates of one student both read."""
    return profiles(Participant.objects.filter(intake=intake).with_free_places()
                    .order_by("pk"), free=True)


def suggestions(mentee: Participant, k: int = 5, exclude_mentor_ids: Iterable[int] = (),
                weights: Mapping[str, float] | None = None,
                free: list[Profile] | None = None) -> list[Pair]:
    """Top-``k`` feasible mentors with spare capacity for ``mentee``.

    Never a pair a coordinator rejected or cancelled before. ``free``: the intake's
    :func:`free_mentors`, when the caller has read them already.
    """
    intake = mentee.intake
    if free is None:
        free = free_mentors(intake)
    excluded = {int(pk) for pk in exclude_mentor_ids}
    # Only mentors with a free place can be suggested: loading just those keeps this fast
    # late in the semester, when most of thousands of buddies are full.
    mentors = [m for m in free if m.pk not in excluded]
    spare = {str(m.pk): m.free for m in free}
    if len(mentors) > 5000:  # the scores' rarity of interests reads every buddy then
        spare = spare_capacity(intake)
        mentors = profiles(Participant.objects.filter(intake=intake, role=Participant.Role.LOCAL)
                           .matchable().exclude(pk__in=excluded).order_by("pk"))
    if not mentors:
        return []
    mentee_row = profiles(Participant.objects.filter(pk=mentee.pk))[0]
    ids = {m.pk for m in mentors}
    forbidden = [
        (str(a), str(b)) for a, b in Match.objects.filter(
            intake=intake, mentee=mentee, status__in=ENDED_BY_COORDINATOR,
        ).values_list("mentee_id", "mentor_id") if b in ids
    ]
    if weights is None:
        weights = programme_config(intake.programme)["weights"]
    return suggest(to_mentee(mentee_row), [to_mentor(m) for m in mentors],
                   spare_capacity=spare, weights=weights,
                   forbidden=forbidden, k=k)
