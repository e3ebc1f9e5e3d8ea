"""The buddy overview and the menu's jump to the newest intake."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from ...models import MatchingRun
from ...services import arrivals, choosing, feedback
from ...services import stats as stats_service
from ..modeladmin import participant_url
from .base import BuddyAdminView, url


def run_step(summary: dict, has_run: bool) -> dict:
    """Where the intake is: is a matching run the next thing to do, and for how many?

    Before any run, every waiting student; after one, the waiting students a buddy could
    still take (not blocked by a rule) while buddies have room and no proposal awaits review.
    """
    to_match = summary["waiting"] - (summary["blocked"] if has_run else 0)
    needed = to_match > 0 and (not has_run or (summary["free_buddies"] > 0
                                               and not summary["proposals"]))
    return {"run_needed": needed, "to_match": to_match, "has_run": has_run}


class OverviewView(BuddyAdminView):
    page_title = _("Buddy System")
    template_name = "wagtail_buddy/admin/overview.html"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        intakes = list(self.intakes())
        summary = stats_service.intake_summary(intakes)
        ran = set(MatchingRun.objects.filter(intake__in=intakes,
                                             status=MatchingRun.Status.SUCCEEDED)
                  .order_by().values_list("intake_id", flat=True).distinct())
        chosen = choosing.overview_counts(intakes)  # "buddies choose": the window and claims
        answers = feedback.overview_counts(intakes)  # end-of-semester feedback, one query
        context["rows"] = [(i, {**summary[i.pk], **run_step(summary[i.pk], i.pk in ran),
                                "choosing": chosen.get(i.pk), "feedback": answers[i.pk]})
                           for i in intakes]
        arrivals.add_counts(context["rows"])
        context["participants_url"] = participant_url()
        return context


class GoView(BuddyAdminView):
    """Menu entries point here: the section of the most recent intake the user may see."""

    SECTIONS = ("matching", "proposals", "waiting", "introductions", "arrivals", "stats")

    def get(self, request, section: str):
        if section not in self.SECTIONS:
            raise Http404
        intakes = list(self.intakes()[:1])
        if not intakes:
            messages.info(request, _("Create an intake on a buddy programme page first."))
            return redirect(url("overview"))
        return redirect(url(section, intakes[0].pk))
