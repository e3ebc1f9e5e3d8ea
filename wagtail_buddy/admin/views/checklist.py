"""How far an intake's introduced pairs are on their first weeks' checklist.

A Wagtail listing of the pairs (progress per pair, filters: nothing / partly / everything
done, idle three weeks after the introduction) under a card of the intake's figures and one
bar per task. Read-only: the students tick, coordinators watch and follow up.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ...models import Match
from ...services import checklist
from ..filters import ChecklistFilterSet
from .listing import BuddyListingView, TemplateColumn, pair_columns


class ChecklistView(BuddyListingView):
    tab = "checklist"
    url_name = "checklist"
    page_title = _("First weeks")
    results_template_name = "wagtail_buddy/admin/checklist_results.html"
    filterset_class = ChecklistFilterSet
    search_prefixes = ("mentee__", "mentor__")
    default_ordering = "n_done"
    row_data = {"match": "pk"}
    columns = [
        *pair_columns(),
        TemplateColumn("progress", "wagtail_buddy/admin/cells/checklist_progress.html",
                       label=_("Checklist"), sort_key="n_done"),
        TemplateColumn("introduced", "wagtail_buddy/admin/cells/checklist_dates.html",
                       label=_("Introduced"), sort_key="introduced_at"),
    ]

    @property
    def tasks(self) -> list[checklist.Task]:
        if not hasattr(self, "_tasks"):
            self._tasks = checklist.tasks(self.intake.programme_id)
        return self._tasks

    def get_base_queryset(self):
        return checklist.with_progress(Match.objects.filter(intake=self.intake),
                                       len(self.tasks)).select_related("mentee", "mentor")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = checklist.summary(self.intake)
        return context
