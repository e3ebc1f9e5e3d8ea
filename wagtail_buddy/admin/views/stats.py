"""Statistics of one intake."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ...services import matching_config, reasons
from ...services import stats as stats_service
from .base import BuddyAdminView, IntakeMixin


class StatsView(IntakeMixin, BuddyAdminView):
    tab = "stats"
    page_title = _("Statistics")
    template_name = "wagtail_buddy/admin/stats.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stats"] = stats_service.intake_stats(self.intake)
        weights = matching_config.programme_config(self.intake.programme)["weights"]
        mean = context["stats"]["matches"]["mean_score"] or 0
        context["mean_scale"] = reasons.scale(mean, weights)
        return context
