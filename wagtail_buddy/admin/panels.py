"""The Wagtail home-page panel: each intake's pending work, one click from the dashboard."""

from __future__ import annotations

from wagtail.admin.ui.components import Component

from ..models import Intake
from ..permissions import VIEW
from ..schema import table_exists
from ..services.stats import intake_summary
from .access import policy_for


class BuddyHomePanel(Component):
    name = "wagtail_buddy"
    template_name = "wagtail_buddy/admin/home_panel.html"
    order = 120

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        intakes = list(policy_for(self.user).intakes()[:6])
        summary = intake_summary(intakes)
        context["rows"] = [(i, summary[i.pk]) for i in intakes]
        return context

    @staticmethod
    def is_shown(user) -> bool:
        return policy_for(user).allows(VIEW) and table_exists(Intake)
