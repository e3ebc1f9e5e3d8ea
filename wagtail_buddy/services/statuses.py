"""A participant's status as the result of their matches: waiting, proposed or matched.

Computed from the active matches after every change to them (runs, decisions, withdrawals),
never set by hand, so it cannot drift from the pairs.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q
from django.utils import timezone

from ..models import Match, Participant


def refresh_statuses(participant_ids: Iterable[int]) -> None:
    """Recompute waiting/proposed/matched from the active matches (3 queries + updates).

    Matched if the person has a confirmed match, proposed if only proposals, waiting
    otherwise. Withdrawn, ended and unconfirmed people are left alone. Becoming matched
    ends a left-over student's priority (a mere proposal keeps it: a re-run or a declined
    proposal must not cost it).
    """
    ids = list(set(participant_ids))
    if not ids:
        return
    movable = [Participant.Status.WAITING, Participant.Status.PROPOSED,
               Participant.Status.MATCHED]
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        rows = (
            Participant.objects.filter(pk__in=chunk, status__in=movable)
            .annotate(
                confirmed=Count("pk", filter=Q(matches_as_mentee__status=Match.Status.CONFIRMED))
                + Count("pk", filter=Q(matches_as_mentor__status=Match.Status.CONFIRMED)),
                proposed=Count("pk", filter=Q(matches_as_mentee__status=Match.Status.PROPOSED))
                + Count("pk", filter=Q(matches_as_mentor__status=Match.Status.PROPOSED)),
            )
            .values_list("pk", "status", "confirmed", "proposed")
        )
        target: dict[str, list[int]] = {s: [] for s in movable}
        for pk, status, confirmed, proposed in rows:
            new = (Participant.Status.MATCHED if confirmed else
                   Participant.Status.PROPOSED if proposed else Participant.Status.WAITING)
            if new != status:
                target[new].append(pk)
        for status, pks in target.items():
            if pks:
                # Matched: a left-over student's priority (``left_over_at``) is spent.
                cleared = {"left_over_at": None} if status == Participant.Status.MATCHED else {}
                Participant.objects.filter(pk__in=pks).update(
                    status=status, updated_at=timezone.now(), **cleared)


def people_of(matches: Iterable[Match]) -> list[int]:
    """The participant ids of both people of each match."""
    return [pk for m in matches for pk in (m.mentee_id, m.mentor_id)]
