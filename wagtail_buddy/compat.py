"""The few places where Wagtail 7.4 LTS and Wagtail 8 differ, in one module."""

from __future__ import annotations

from django.db.models import IntegerField, Value
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.log_actions import registry as log_action_registry

try:  # Wagtail 8: a registry that generic views, choosers and usage views consult
    from wagtail.permissions import register_permission_policy
except ImportError:  # Wagtail 7.4: each viewset carries its own policy
    def register_permission_policy(model, policy=None, exact_class=False) -> None:
        """Nothing to register on Wagtail 7.4; the viewset's ``permission_policy`` is used."""


__all__ = ["register_permission_policy", "site_history_in_one_union"]


def site_history_in_one_union() -> None:
    """Wagtail's site history report unions its log models one ``union()`` at a time. From
    Django 6.1 a union of a union keeps the first model's default ordering, which SQLite
    rejects ("ORDER BY not allowed in subqueries of compound statements") as soon as a third
    log model, ``BuddyLogEntry``, is registered. Build the same union in one call (same rows,
    same order, on Wagtail 7.4 and 8)."""
    def get_filtered_queryset(self):
        self.log_models = list(log_action_registry.get_log_entry_models())
        parts = [
            self.filter_queryset(
                log_model.objects.viewable_by_user(self.request.user)
                .values("pk", "timestamp")
                .annotate(log_model_index=Value(index, output_field=IntegerField()))
            ).order_by()
            for index, log_model in enumerate(self.log_models)
        ]
        return parts[0].union(*parts[1:], all=True).order_by("-timestamp")

    LogEntriesView.get_filtered_queryset = get_filtered_queryset
