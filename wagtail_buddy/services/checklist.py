"""The first weeks' checklist of a pair: what each student sees, their ticks, the counts.

A pair's checklist exists once it is introduced (confirmed, ``introduced_at`` set) and
while it stays confirmed. Either student ticks a task done (or takes the tick back) from
their private page; the match row is locked while a tick is written, so two presses at once
change it once, and a refused tick (someone else's pair, an ended pair, a task not of the
programme, a task already done) raises ``ChecklistError`` and changes nothing. Every tick is
audited on the pair and on the student. Coordinators read how far pairs are per intake
(``progress``), and the pairs introduced ``IDLE_AFTER`` ago with nothing ticked
(``idle_counts``) on the to-do overview; the check-in email lists the open tasks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..catalogues import base_code
from ..models import ChecklistTask, ChecklistTick, Intake, Match, Participant
from .audit import audit

IDLE_AFTER = timedelta(weeks=3)
TICK, UNTICK = "wagtail_buddy.checklist_tick", "wagtail_buddy.checklist_untick"


class ChecklistError(Exception):
    """A tick that cannot be taken; ``str(exc)`` is a translated message for the student."""


@dataclass
class Task:
    """An active task of a programme, named in one language."""

    pk: int
    name: str


@dataclass
class Item:
    task: Task
    ticked_at: datetime | None = None
    ticked_by_id: int | None = None

    @property
    def done(self) -> bool:
        return self.ticked_at is not None


@dataclass
class PairChecklist:
    """One pair's checklist as one of its students sees it."""

    match: Match
    buddy: Participant
    items: list[Item] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(item.done for item in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def tasks(programme_id: int, language: str | None = None) -> list[Task]:
    """The programme's active tasks in order, named in ``language`` (the active one by
    default): its row in that locale, else the source's; an unedited default task in the
    app's catalogue. One query."""
    language = language or translation.get_language() or "en"
    rows = list(ChecklistTask.objects.filter(programme_id=programme_id).order_by("pk")
                .annotate(code=F("locale__language_code")))
    sources: dict = {}
    here: dict = {}
    for row in rows:
        sources.setdefault(row.translation_key, row)
        if base_code(row.code) == base_code(language):
            here.setdefault(row.translation_key, row)
    active = sorted((s for s in sources.values() if s.active),
                    key=lambda s: (s.sort_order, s.pk))
    return [Task(s.pk, here.get(s.translation_key, s).name_in(language)) for s in active]


def introduced(queryset: QuerySet | None = None) -> QuerySet:
    """Pairs that have a checklist: confirmed and introduced."""
    queryset = Match.objects.all() if queryset is None else queryset
    return queryset.filter(status=Match.Status.CONFIRMED, introduced_at__isnull=False)


def for_participant(participant: Participant, language: str | None = None
                    ) -> list[PairChecklist]:
    """The checklists of ``participant``'s introduced pairs (three queries in all)."""
    if participant.status in (Participant.Status.WITHDRAWN, Participant.Status.ENDED):
        return []
    matches = list(introduced().filter(Q(mentee=participant) | Q(mentor=participant))
                   .select_related("mentee", "mentor", "intake")
                   .order_by("introduced_at", "pk"))
    if not matches:
        return []
    shown = tasks(matches[0].intake.programme_id, language)
    if not shown:
        return []
    ticks = {(t.match_id, t.task_id): t for t in ChecklistTick.objects.filter(
        match__in=matches).only("match_id", "task_id", "ticked_at", "ticked_by_id")}
    lists = []
    for match in matches:
        buddy = match.mentor if match.mentee_id == participant.pk else match.mentee
        items = []
        for task in shown:
            tick = ticks.get((match.pk, task.pk))
            items.append(Item(task, tick.ticked_at if tick else None,
                              tick.ticked_by_id if tick else None))
        lists.append(PairChecklist(match, buddy, items))
    return lists


def tick(participant: Participant, match_id: int, task_id: int, done: bool = True
         ) -> ChecklistTick | None:
    """Mark a task of ``participant``'s pair done (``done``) or not done, and audit it.

    Returns the new tick (None when one was taken back). Raises ``ChecklistError`` without
    changing anything for a pair that is not theirs, a pair ended or not introduced, a task
    not of the programme, or a task already in the asked state (a second press).
    """
    with transaction.atomic():
        match = Match.objects.select_for_update().filter(pk=match_id).first()
        if match is None or participant.pk not in (match.mentee_id, match.mentor_id):
            raise ChecklistError(_("This checklist is not yours. Use the link from your own "
                                   "emails."))
        if match.status not in Match.ACTIVE or participant.status in (
                Participant.Status.WITHDRAWN, Participant.Status.ENDED):
            raise ChecklistError(_("This pair has ended: its checklist can no longer be "
                                   "changed."))
        if match.status != Match.Status.CONFIRMED or match.introduced_at is None:
            raise ChecklistError(_("Your checklist opens once you have been introduced to "
                                   "your buddy."))
        programme_id = Intake.objects.filter(pk=match.intake_id).values_list(
            "programme_id", flat=True).first()
        task = next((t for t in tasks(programme_id) if t.pk == task_id), None)
        if task is None:
            raise ChecklistError(_("This task is not on your checklist (any more)."))
        existing = ChecklistTick.objects.filter(match=match, task_id=task_id)
        if done:
            if existing.exists():
                raise ChecklistError(_("This task is already marked as done."))
            result = ChecklistTick.objects.create(match=match, task_id=task_id,
                                                  ticked_by=participant,
                                                  ticked_at=timezone.now())
        else:
            if not existing.delete()[0]:
                raise ChecklistError(_("This task is not marked as done."))
            result = None
        audit([match, participant], TICK if done else UNTICK,
              data={"match": match.pk, "task": task_id, "participant": participant.pk})
    return result


def open_tasks(match: Match, language: str | None = None) -> list[str]:
    """The names (in ``language``) of the pair's tasks not done yet; none for a pair
    without a checklist. Two queries."""
    if match.status != Match.Status.CONFIRMED or match.introduced_at is None:
        return []
    programme_id = Intake.objects.filter(pk=match.intake_id).values_list(
        "programme_id", flat=True).first()
    done = set(ChecklistTick.objects.filter(match=match).values_list("task_id", flat=True))
    return [t.name for t in tasks(programme_id, language) if t.pk not in done]


# --- coordinators --------------------------------------------------------------------------


def _done_count() -> Subquery:
    return Subquery(ChecklistTick.objects.filter(match=OuterRef("pk"), task__active=True)
                    .order_by().values("match").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField())


def _has_tasks() -> Exists:
    return Exists(ChecklistTask.objects.filter(programme_id=OuterRef("intake__programme_id"),
                                               active=True))


def idle(queryset: QuerySet, now: datetime | None = None) -> QuerySet:
    """The introduced pairs of ``queryset`` introduced ``IDLE_AFTER`` ago or more, with a
    checklist and nothing ticked on it."""
    cutoff = (now or timezone.now()) - IDLE_AFTER
    return introduced(queryset).filter(introduced_at__lte=cutoff).filter(
        _has_tasks(), ~Exists(ChecklistTick.objects.filter(match=OuterRef("pk"),
                                                           task__active=True)))


def idle_counts(intake_ids: Iterable[int], now: datetime | None = None) -> dict[int, int]:
    """intake id -> pairs idle there (see ``idle``), in one query."""
    rows = (idle(Match.objects.filter(intake_id__in=list(intake_ids)), now).order_by()
            .values_list("intake_id").annotate(n=Count("pk")))
    return dict(rows)


def with_progress(queryset: QuerySet, total: int) -> QuerySet:
    """Introduced pairs annotated with ``n_done`` (ticks on active tasks), ``n_total``
    (the programme's ``total`` active tasks) and ``last_tick``."""
    last = Subquery(ChecklistTick.objects.filter(match=OuterRef("pk")).order_by()
                    .values("match").annotate(at=Max("ticked_at")).values("at"))
    return introduced(queryset).annotate(n_done=Coalesce(_done_count(), Value(0)),
                                         n_total=Value(total, IntegerField()), last_tick=last)


PROGRESS = ("none", "some", "all", "idle")


def filter_progress(queryset: QuerySet, state: str) -> QuerySet:
    """Pairs (annotated by ``with_progress``) with nothing / some / every task done, or
    idle; any other ``state`` leaves the queryset as it is."""
    if state == "none":
        return queryset.filter(n_done=0)
    if state == "some":
        return queryset.filter(n_done__gt=0, n_done__lt=F("n_total"))
    if state == "all":
        return queryset.filter(n_done__gte=F("n_total"), n_total__gt=0)
    if state == "idle":
        return idle(queryset)
    return queryset


def summary(intake: Intake, language: str | None = None) -> dict:
    """How far the intake's pairs are: counts, and per task how many pairs did it (a bar
    each), in four queries."""
    shown = tasks(intake.programme_id, language)
    total = len(shown)
    pairs = with_progress(Match.objects.filter(intake=intake), total)
    figures = pairs.aggregate(pairs=Count("pk"), none=Count("pk", filter=Q(n_done=0)),
                              all=Count("pk", filter=Q(n_done__gte=max(total, 1))))
    figures["idle"] = idle_counts([intake.pk]).get(intake.pk, 0)
    per_task = dict(ChecklistTick.objects.filter(match__in=introduced().filter(intake=intake))
                    .order_by().values_list("task_id").annotate(n=Count("pk")))
    bars = [{"label": t.name, "value": per_task.get(t.pk, 0),
             "width": round(100 * per_task.get(t.pk, 0) / figures["pairs"])
             if figures["pairs"] else 0} for t in shown]
    return {**figures, "tasks": total, "bars": bars}

