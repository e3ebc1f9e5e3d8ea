"""The one programme-scoped permission policy of the coordinator workspace.

Every buddy screen (the generic views, the participant list, the home panel) asks this
class which level a user holds and which programmes, intakes, people, pairs and runs they
may see. Levels: ``view`` (read the lists), ``match`` (act on pairs and runs), ``manage``
(programme settings, erasure). Objects outside the user's programmes are 404, never 403, so
another section's ids reveal nothing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.functional import cached_property

from ..models import Intake, Match, MatchingRun, Participant
from ..permissions import MANAGE, MATCH, VIEW, has_level, programmes_for_user

__all__ = ["MANAGE", "MATCH", "VIEW", "ProgrammePolicy", "policy_for"]


class ProgrammePolicy:
    """What one user may see and do, computed once per request (``policy_for``)."""

    def __init__(self, user):
        self.user = user

    def allows(self, level: str) -> bool:
        """Does the user hold coordinator level ``level`` (``VIEW``, ``MATCH``, ``MANAGE``)?"""
        return has_level(self.user, level)

    def require(self, level: str) -> None:
        if not self.allows(level):
            raise PermissionDenied

    @cached_property
    def programmes(self) -> QuerySet:
        return programmes_for_user(self.user)

    @cached_property
    def programme_ids(self) -> frozenset[int]:
        return frozenset(self.programmes.values_list("pk", flat=True))

    def may_see(self, obj) -> bool:
        """Is ``obj`` (a participant, pair, run or intake) in one of the user's programmes?
        One query per request whatever the number of objects asked about."""
        intake = obj if isinstance(obj, Intake) else obj.intake
        return self.allows(VIEW) and intake.programme_id in self.programme_ids

    def intakes(self) -> QuerySet:
        return Intake.objects.filter(programme__in=self.programmes).select_related("programme")

    def participants(self) -> QuerySet:
        return Participant.objects.for_user(self.user)

    def matches(self) -> QuerySet:
        return Match.objects.filter(intake__programme__in=self.programmes)

    def runs(self) -> QuerySet:
        return MatchingRun.objects.filter(intake__programme__in=self.programmes)


def policy_for(user) -> ProgrammePolicy:
    """The user's policy, kept on the user object so one request computes it once."""
    policy = getattr(user, "_buddy_policy", None)
    if policy is None:
        policy = ProgrammePolicy(user)
        try:
            user._buddy_policy = policy
        except AttributeError:  # an immutable user stand-in: no cache, same answers
            pass
    return policy
