"""Manual pairing: the waiting list and pairing one student by hand."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _

from ...models import Match, Participant
from ...permissions import MATCH
from ...services import decisions, reasons
from ...services import pool as pool_service
from .. import forms
from ..filters import WaitingFilterSet
from .base import BuddyAdminView, profile_prefetch, suggestion_context, url
from .listing import BuddyListingView, TemplateColumn


class WaitingView(BuddyListingView):
    """International students of the intake waiting for a buddy: those a run left
    unmatched first, then earliest arrival first."""

    tab = "waiting"
    url_name = "waiting"
    page_title = _("Waiting list")
    results_template_name = "wagtail_buddy/admin/waiting_results.html"
    filterset_class = WaitingFilterSet
    default_ordering = "arrival_date"
    row_data = {"participant": "pk"}
    columns = [
        TemplateColumn("person", "wagtail_buddy/admin/cells/person.html",
                       label=_("International student"), sort_key="last_name"),
        TemplateColumn("arrival_date", "wagtail_buddy/admin/cells/arrival.html",
                       label=_("Arrival"), sort_key="arrival_date"),
        TemplateColumn("actions", "wagtail_buddy/admin/cells/waiting_actions.html",
                       label=_("Actions"), label_hidden=True),
    ]

    def get_base_queryset(self):
        return Participant.objects.filter(
            intake=self.intake, role=Participant.Role.INTERNATIONAL,
            status=Participant.Status.WAITING).prefetch_related(*profile_prefetch())

    def order_queryset(self, queryset):
        """In the default order, students a run left unmatched come first (as in the
        next run), the longest-waiting of them first."""
        ordered = super().order_queryset(queryset)
        if self.ordering != self.default_ordering:
            return ordered
        return ordered.order_by(F("left_over_at").asc(nulls_last=True),
                                *ordered.query.order_by)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["blocked"] = bool(self.filters and self.filters.is_valid()
                                  and self.filters.form.cleaned_data.get("blocked"))
        context["free_buddies"] = Participant.objects.filter(
            intake=self.intake).with_free_places().count()
        return context


class PairView(BuddyAdminView):
    """Top-5 feasible buddies with spare capacity for one waiting student."""

    permission = MATCH
    tab = "waiting"
    template_name = "wagtail_buddy/admin/pair.html"
    page_title = _("Find a buddy")

    def load(self, participant_id):
        self.mentee = get_object_or_404(
            self.participants().filter(role=Participant.Role.INTERNATIONAL)
            .select_related("intake__programme").prefetch_related(*profile_prefetch()),
            pk=participant_id)
        self.intake = self.mentee.intake

    def get(self, request, participant_id: int):
        self.load(participant_id)
        return self.render_to_response(self.get_context_data())

    def post(self, request, participant_id: int):
        self.load(participant_id)
        if "override" in request.POST:
            return self.pair_anyway(request)
        mentor_id = request.POST.get("mentor", "")
        options = {p.mentor: p for p in pool_service.suggestions(self.mentee, k=10)}
        pair = options.get(mentor_id)
        if pair is None:
            messages.error(request, _("This buddy is not among the available suggestions."))
            return redirect(url("pair", self.mentee.pk))
        mentor = get_object_or_404(self.participants(), pk=int(mentor_id))
        try:
            match = decisions.pair_manually(self.mentee, mentor, request.user, pair.score,
                                            pair.breakdown)
        except decisions.DecisionError as exc:
            messages.error(request, str(exc))
            return redirect(url("pair", self.mentee.pk))
        return self.paired(match, mentor)

    def pair_anyway(self, request):
        """Pair with a near candidate a hard rule blocks: needs a reason, audited."""
        self.override_form = forms.PairAnywayForm(request.POST)
        near = {str(r["mentor"].pk): r for r in reasons.near_candidates(self.mentee, k=10)}
        if not self.override_form.is_valid():
            return self.render_to_response(self.get_context_data(), status=400)
        row = near.get(self.override_form.cleaned_data["mentor"])
        if row is None:
            messages.error(request, _("This buddy is not among the near candidates."))
            return redirect(url("pair", self.mentee.pk))
        reason = self.override_form.cleaned_data["reason"]
        try:
            match = decisions.pair_manually(
                self.mentee, row["mentor"], request.user, row["score"],
                override_reason=f"{reason} [{'; '.join(row['rules'])}]")
        except decisions.DecisionError as exc:
            messages.error(request, str(exc))
            return redirect(url("pair", self.mentee.pk))
        return self.paired(match, row["mentor"])

    def paired(self, match, mentor):
        names = {"mentee": self.mentee.first_name, "mentor": mentor.first_name}
        if match.answers == Match.Answers.WAITING:
            messages.success(self.request, _("%(mentee)s and %(mentor)s are asked whether they "
                                             "accept each other.") % names)
        else:
            messages.success(self.request, _("%(mentee)s is paired with %(mentor)s.") % names)
        return redirect(url("match", match.pk))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mentee"] = self.mentee
        active = Match.objects.filter(mentee=self.mentee, status__in=Match.ACTIVE).first()
        context["active_match"] = active
        if active is None:
            free = pool_service.free_mentors(self.intake)  # read once for both lists
            context.update(suggestion_context(
                self.intake, pool_service.suggestions(self.mentee, k=5, free=free),
                self.mentee))
            context["near"] = reasons.near_candidates(self.mentee, free=free)
            context["override_form"] = getattr(self, "override_form", None) \
                or forms.PairAnywayForm()
        context["action_url"] = url("pair", self.mentee.pk)
        return context
