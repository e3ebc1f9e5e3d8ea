"""Introductions: send confirmed pairs their introduction emails."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ...models import Match
from ...services import introductions
from ..params import parse_ids
from ..search import search_people
from .base import BuddyAdminView, IntakeMixin, paginate, url


class IntroductionsView(IntakeMixin, BuddyAdminView):
    tab = "introductions"
    page_title = _("Introductions")
    template_name = "wagtail_buddy/admin/introductions.html"

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
        show = self.request.GET.get("show", "pending")
        queryset = Match.objects.filter(intake=self.intake, status=Match.Status.CONFIRMED)
        if show == "pending":
            queryset = queryset.filter(introduced_at__isnull=True)
        elif show == "sent":
            queryset = queryset.filter(introduced_at__isnull=False)
        context["q"] = (self.request.GET.get("q") or "").strip()[:100]
        queryset = search_people(queryset, context["q"], ("mentee__", "mentor__"))
        context.update(paginate(self.request, queryset.select_related(
            "mentee", "mentor").order_by("introduced_at", "-confirmed_at", "pk")))
        page = list(context["page_obj"])
        statuses = introductions.email_statuses(page)
        context["rows"] = [(m, statuses[m.pk]) for m in page]
        context["show"] = show
        context["pending_count"] = introductions.pending(self.intake).count()
        return context
