"""Introductions: send confirmed pairs their introduction emails."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ...models import Match
from ...services import introductions
from ..filters import IntroductionFilterSet
from ..params import parse_ids
from .base import url
from .listing import BuddyListingView, TemplateColumn, pair_columns


class IntroductionsView(BuddyListingView):
    """Confirmed pairs, not introduced yet first; POST queues their introduction emails."""

    tab = "introductions"
    url_name = "introductions"
    page_title = _("Introductions")
    results_template_name = "wagtail_buddy/admin/introductions_results.html"
    filterset_class = IntroductionFilterSet
    search_prefixes = ("mentee__", "mentor__")
    default_ordering = "-confirmed_at"
    row_data = {"match": "pk"}
    columns = [
        TemplateColumn("select", "wagtail_buddy/admin/cells/select_introduction.html",
                       label=_("Select"), label_hidden=True, classname="buddy-select-col"),
        *pair_columns(),
        TemplateColumn("introduction", "wagtail_buddy/admin/cells/introduction.html",
                       label=_("Introduction"), sort_key="introduced_at"),
        TemplateColumn("actions", "wagtail_buddy/admin/cells/introduction_actions.html",
                       label=_("Actions"), label_hidden=True),
    ]

    def get_base_queryset(self):
        return Match.objects.filter(intake=self.intake, status=Match.Status.CONFIRMED) \
            .select_related("mentee", "mentor")

    def post(self, request, *args, **kwargs):
        queryset = introductions.pending(self.intake).select_related("mentee", "mentor")
        if request.POST.get("scope") != "all":
            ids = parse_ids(request.POST.getlist("ids"))
            if not ids:
                messages.error(request, _("Select at least one pair, or send all pending."))
                return redirect(url("introductions", self.intake.pk))
            queryset = queryset.filter(pk__in=ids)
        sent = introductions.send(list(queryset), request.user)
        messages.success(request, ngettext(
            "%(n)s introduction queued (two emails).", "%(n)s introductions queued.", sent)
            % {"n": sent})
        return redirect(url("introductions", self.intake.pk))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = list(context["object_list"])
        statuses = introductions.email_statuses(page)
        for match in page:
            match.email_status = statuses[match.pk]
        context["pending_count"] = introductions.pending(self.intake).count()
        return context
