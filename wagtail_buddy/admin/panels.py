"""The Wagtail home-page panel: each intake's pending work, one click from the dashboard."""

from __future__ import annotations

from wagtail.admin.ui.components import Component

from ..models import Intake
from ..permissions import can_view_participants, programmes_for_user
from ..schema import table_exists
from ..services.stats import intake_summary


class BuddyHomePanel(Component):
    name = "wagtail_buddy"
    template_name = "wagtail_buddy/admin/home_panel.html"
    order = 120

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        intakes = list(Intake.objects.filter(programme__in=programmes_for_user(self.user))
                       .select_related("programme")[:6])
        summary = intake_summary(intakes)
        context["rows"] = [(i, summary[i.pk]) for i in intakes]
        return context

    @staticmethod
    def is_shown(user) -> bool:
        return can_view_participants(user) and table_exists(Intake)
