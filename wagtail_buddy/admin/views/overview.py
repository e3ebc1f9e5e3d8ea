"""The buddy overview and the menu's jump to the newest intake."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from ...services import stats as stats_service
from ..modeladmin import index_url as participants_url
from .base import BuddyAdminView, url


class OverviewView(BuddyAdminView):
    page_title = _("Buddy System")
    template_name = "wagtail_buddy/admin/overview.html"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        intakes = list(self.intakes())
        summary = stats_service.intake_summary(intakes)
        context["rows"] = [(i, summary[i.pk]) for i in intakes]
        context["participants_url"] = participants_url()
        return context


class GoView(BuddyAdminView):
    """Menu entries point here: the section of the most recent intake the user may see."""

    SECTIONS = ("matching", "proposals", "waiting", "introductions", "stats")

    def get(self, request, section: str):
        if section not in self.SECTIONS:
            raise Http404
        intakes = list(self.intakes()[:1])
        if not intakes:
            messages.info(request, _("Create an intake on a buddy programme page first."))
            return redirect(url("overview"))
        return redirect(url(section, intakes[0].pk))
