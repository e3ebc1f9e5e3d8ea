"""The buddy audit log: Wagtail log entries that only the programme's coordinators see.

Wagtail's site history report shows a ``ModelLogEntry`` to anyone holding any permission on
its model, so every section's coordinators saw each other's entries (participant ids,
actions, the coordinator's name). Buddy entries live in their own log model, registered
with Wagtail's log registry, whose ``viewable_by_user`` keeps each entry to the people who
coordinate its programme, and superusers.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models.audit_log import BaseLogEntry, BaseLogEntryManager

from ..schema import table_exists


class BuddyLogEntryManager(BaseLogEntryManager):
    def log_action(self, instance, action, **kwargs):
        """Entries Wagtail writes itself (e.g. an intake edited in its viewset)."""
        kwargs.update(object_id=str(instance.pk), programme_id=programme_id_of(instance))
        return super().log_action(instance, action, **kwargs)

    def for_instance(self, instance):
        return self.filter(
            content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
            object_id=str(instance.pk))

    def viewable_by_user(self, user):
        from ..permissions import can_view_participants, programmes_for_user

        if not table_exists(self.model):  # removed by migrate zero, settings not edited yet
            return self.none()
        if user.is_superuser:
            return self.all()
        if not can_view_participants(user):
            return self.none()
        return self.filter(programme_id__in=programmes_for_user(user).values("pk"))


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


def programme_id_of(instance) -> int | None:
    """The programme of an intake, run, participant, match or check-in."""
    if getattr(instance, "programme_id", None):
        return instance.programme_id
    intake = getattr(instance, "intake", None) if hasattr(instance, "intake_id") else None
    if intake is None and hasattr(instance, "match"):
        intake = instance.match.intake
    return intake.programme_id if intake is not None else None
