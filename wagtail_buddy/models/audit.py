"""The buddy audit log: Wagtail log entries that only the programme's coordinators see.

Wagtail's site history report shows a ``ModelLogEntry`` to anyone holding any permission on
its model, so every section's coordinators saw each other's entries (participant ids,
actions, the coordinator's name). Buddy entries live in their own log model, registered
with Wagtail's log registry, whose ``viewable_by_user`` keeps each entry to the people who
coordinate its programme, and superusers.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models.audit_log import BaseLogEntry, BaseLogEntryManager

from ..schema import table_exists
from .matching import Match
from .participant import VIEW_PERMISSION
from .programme import Intake, coordinated_programmes


class BuddyLogEntryManager(BaseLogEntryManager):
    def log_action(self, instance, action, **kwargs):
        """Entries Wagtail writes itself (e.g. an intake edited in its viewset)."""
        kwargs.update(object_id=str(instance.pk),
                      programme_id=programme_ids([instance])[id(instance)])
        return super().log_action(instance, action, **kwargs)

    def for_instance(self, instance):
        return self.filter(
            content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
            object_id=str(instance.pk))

    def viewable_by_user(self, user):
        if not table_exists(self.model):  # removed by migrate zero, settings not edited yet
            return self.none()
        if user.is_superuser:
            return self.all()
        if not user.has_perm(VIEW_PERMISSION):
            return self.none()
        return self.filter(programme_id__in=coordinated_programmes(user).values("pk"))


class BuddyLogEntry(BaseLogEntry):
    object_id = models.CharField(max_length=255, db_index=True)
    # The programme whose coordinators may read the entry (null: superusers only).
    programme_id = models.IntegerField(null=True, blank=True, db_index=True)

    objects = BuddyLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = _("buddy log entry")
        verbose_name_plural = _("buddy log entries")

    def __str__(self) -> str:
        return f"BuddyLogEntry {self.pk}: {self.action} on {self.object_verbose_name} " \
               f"#{self.object_id}"


def programme_ids(instances: Iterable) -> dict[int, int | None]:
    """id(instance) -> the programme of each intake, interest, run, participant, match or
    check-in: the one rule of "an instance's programme", in at most two queries for any
    number of instances (by their ``programme_id``, ``intake_id`` or ``match_id``)."""
    instances = list(instances)
    intake_ids = {getattr(i, "intake_id", None) for i in instances} - {None}
    match_ids = {getattr(i, "match_id", None) for i in instances
                 if getattr(i, "intake_id", None) is None} - {None}
    by_intake = dict(Intake.objects.filter(pk__in=intake_ids).values_list(
        "pk", "programme_id")) if intake_ids else {}
    by_match = dict(Match.objects.filter(pk__in=match_ids).values_list(
        "pk", "intake__programme_id")) if match_ids else {}
    return {id(i): getattr(i, "programme_id", None)
            or by_intake.get(getattr(i, "intake_id", None))
            or by_match.get(getattr(i, "match_id", None)) for i in instances}
