"""Proposals: review, confirm, reject, lock, cancel and swap pairs."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ...models import Match
from ...permissions import MATCH
from ...services import decisions, introductions, matching_config
from ...services import pool as pool_service
from .. import forms
from ..filters import ProposalFilterSet
from ..links import reverse_pk
from .base import (
    NS,
    BuddyAdminView,
    next_url,
    profile_prefetch,
    scored,
    suggestion_context,
    url,
)
from .listing import BuddyListingView, TemplateColumn


def matches_for_listing(queryset):
    return queryset.select_related("mentee", "mentor").prefetch_related(
        *profile_prefetch("mentee__"), *profile_prefetch("mentor__"))


def match_scored(match: Match, weights: dict) -> dict:
    """The pair's score on its scale with reasons in words (``match.evidence`` if stored)."""
    return scored(match.score, match.breakdown, weights, match.mentee, match.mentor,
                  getattr(match, "evidence", None) or None)


ROW_ACTIONS = ("confirm", "reject", "lock", "unlock")


def row_links(pk: int, swap_query: str) -> dict[str, str]:
    """The links of a proposals row (``cells/proposal_actions.html``), each URL reversed
    once per process (``links.reverse_pk``) with the row's id put in."""
    links = {action: reverse_pk(f"{NS}:match_action", pk, action) for action in ROW_ACTIONS}
    links["match"] = reverse_pk(f"{NS}:match", pk)
    links["swap"] = reverse_pk(f"{NS}:swap", pk) + swap_query
    return links


class ProposalsView(BuddyListingView):
    """The pairs of an intake, weakest proposals first; bulk and row actions POST here."""

    tab = "proposals"
    url_name = "proposals"
    page_title = _("Proposals")
    results_template_name = "wagtail_buddy/admin/proposals_results.html"
    filterset_class = ProposalFilterSet
    search_prefixes = ("mentee__", "mentor__")
    default_ordering = "score"
    row_data = {"match": "pk", "mentee": "mentee_id", "mentor": "mentor_id"}
    columns = [
        TemplateColumn("select", "wagtail_buddy/admin/cells/select_match.html",
                       label=_("Select"), label_hidden=True, classname="buddy-select-col"),
        TemplateColumn("mentee", "wagtail_buddy/admin/cells/mentee.html",
                       label=_("International student"), sort_key="mentee__last_name"),
        TemplateColumn("mentor", "wagtail_buddy/admin/cells/mentor.html",
                       label=_("Local buddy"), sort_key="mentor__last_name"),
        TemplateColumn("score", "wagtail_buddy/admin/cells/score.html", label=_("Score"),
                       sort_key="score", classname="buddy-score-cell"),
        TemplateColumn("status", "wagtail_buddy/admin/cells/match_status.html",
                       label=_("Status")),
        TemplateColumn("actions", "wagtail_buddy/admin/cells/proposal_actions.html",
                       label=_("Actions"), label_hidden=True, classname="buddy-row-actions"),
    ]

    def get_base_queryset(self):
        return matches_for_listing(Match.objects.filter(intake=self.intake))

    def order_queryset(self, queryset):
        """In the default order, pairs of students left over last time come first (the
        run paired them first), the longest-waiting of them first, then weakest first."""
        ordered = super().order_queryset(queryset)
        if self.ordering != self.default_ordering:
            return ordered
        return ordered.order_by(F("mentee__left_over_at").asc(nulls_last=True),
                                *ordered.query.order_by)

    def post(self, request, *args, **kwargs):
        """Bulk confirm / reject / lock / unlock of the selected pairs."""
        queryset = Match.objects.filter(intake=self.intake)
        form = forms.BulkMatchForm(request.POST, queryset=queryset)
        back = next_url(request, url("proposals", self.intake.pk))
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(back)
        done = apply_match_action(form.cleaned_data["action"], form.matches(), request.user)
        messages.success(request, ngettext("%(n)s pair updated.", "%(n)s pairs updated.", done)
                         % {"n": done})
        return redirect(back)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        weights = matching_config.programme_config(self.intake.programme)["weights"]
        swap_query = f"?next={urlencode(context['next_url'])}"
        for match in context["object_list"]:
            match.scored = match_scored(match, weights)
            match.row_links = row_links(match.pk, swap_query)
        context["counts"] = dict(Match.objects.filter(intake=self.intake).order_by()
                                 .values_list("status").annotate(n=Count("pk")))
        return context


def apply_match_action(action: str, matches: list[Match], user) -> int:
    if action == "confirm":
        return decisions.confirm(matches, user)
    if action == "reject":
        return decisions.reject(matches, user)
    if action in ("lock", "unlock"):
        return decisions.set_locked(matches, user, locked=action == "lock")
    raise Http404


class MatchActionView(BuddyAdminView):
    """POST one action on one pair (the row buttons of the review table)."""

    permission = MATCH
    http_method_names = ["post"]

    def post(self, request, match_id: int, action: str):
        match = get_object_or_404(self.matches(), pk=match_id)
        done = apply_match_action(action, [match], request.user)
        if done:
            labels = {"confirm": _("Pair confirmed."), "reject": _("Pair rejected: it will not "
                      "be proposed again."), "lock": _("Pair locked: re-runs keep it."),
                      "unlock": _("Pair unlocked.")}
            messages.success(request, labels[action])
        else:
            messages.warning(request, _("Nothing to do: the pair is not in a state for this."))
        return redirect(next_url(request, url("proposals", match.intake_id)))


class OneMatchView(BuddyAdminView):
    """A screen about one pair of the user's programmes (404 for any other id)."""

    def load(self, match_id):
        self.match = get_object_or_404(matches_for_listing(self.matches()).select_related(
            "intake__programme"), pk=match_id)
        self.intake = self.match.intake


class MatchDetailView(OneMatchView):
    """One pair: both profiles, the breakdown, the note, the email previews, cancel."""

    template_name = "wagtail_buddy/admin/match.html"
    tab = "introductions"

    def get_page_title(self):
        return f"{self.match.mentee.first_name} ↔ {self.match.mentor.first_name}"

    def get(self, request, match_id: int):
        self.load(match_id)
        self.note_form = forms.NoteForm(initial={"note": self.match.coordinator_note})
        return self.render_to_response(self.get_context_data())

    def post(self, request, match_id: int):
        self.load(match_id)
        self.note_form = forms.NoteForm(request.POST)
        if not self.note_form.is_valid():
            return self.render_to_response(self.get_context_data(), status=400)
        decisions.set_note(self.match, request.user, self.note_form.cleaned_data["note"])
        messages.success(request, _("Note saved."))
        return redirect(url("match", self.match.pk))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        match = self.match
        weights = matching_config.programme_config(self.intake.programme)["weights"]
        context["match"] = match
        context["scored"] = match_scored(match, weights)
        context["note_form"] = self.note_form
        context["cancel_form"] = forms.CancelForm()
        context["statuses"] = introductions.email_statuses([match])[match.pk]
        if match.status == Match.Status.CONFIRMED and self.policy.allows(MATCH):
            context["previews"] = [
                (match.mentee, introductions.preview(match, "mentee")),
                (match.mentor, introductions.preview(match, "mentor")),
            ]
            if match.introduced_at:
                context["cancel_preview"] = cancel_preview(match)
        return context


MESSAGE_SLOT = "BUDDY-MESSAGE-SLOT"


def cancel_preview(match: Match) -> dict:
    """The cancellation email the student would read, split around the coordinator's message.

    The template shows ``before`` + the message being typed + ``after`` (filled in by
    admin.js as plain text), so the coordinator sees exactly what will be sent.
    """
    rendered = introductions.preview(match, "mentee", purpose="cancelled",
                                     context=decisions.cancel_email_context(match, MESSAGE_SLOT))
    before, _slot, after = rendered["text"].partition(MESSAGE_SLOT)
    return {"subject": rendered["subject"], "language": rendered["language"],
            "before": before, "after": after, "person": match.mentee}


class CancelView(MatchDetailView):
    permission = MATCH

    def post(self, request, match_id: int):
        self.load(match_id)
        form = forms.CancelForm(request.POST)
        if form.is_valid():
            try:
                decisions.cancel(self.match, request.user, form.cleaned_data["reason"],
                                 notify=form.cleaned_data["notify"],
                                 message=form.cleaned_data["message"])
            except decisions.DecisionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Match cancelled; the student is waiting again."))
                return redirect(url("introductions", self.intake.pk))
        self.note_form = forms.NoteForm(initial={"note": self.match.coordinator_note})
        context = self.get_context_data()
        context["cancel_form"] = form
        return self.render_to_response(context, status=400)

    def get(self, request, match_id: int):
        return redirect(url("match", match_id))


class SwapView(OneMatchView):
    """Ranked alternative buddies for a proposed pair; one click swaps."""

    permission = MATCH
    tab = "proposals"
    template_name = "wagtail_buddy/admin/swap.html"
    page_title = _("Swap buddy")

    def get(self, request, match_id: int):
        self.load(match_id)
        return self.render_to_response(self.get_context_data())

    def post(self, request, match_id: int):
        self.load(match_id)
        mentor_id = request.POST.get("mentor", "")
        options = {p.mentor: p for p in pool_service.suggestions(
            self.match.mentee, k=10, exclude_mentor_ids=[self.match.mentor_id])}
        pair = options.get(mentor_id)
        if pair is None:
            messages.error(request, _("This buddy is not among the available alternatives."))
            return redirect(url("swap", self.match.pk))
        mentor = get_object_or_404(self.participants(), pk=int(mentor_id))
        try:
            decisions.swap(self.match, mentor, request.user, pair.score, pair.breakdown)
        except decisions.DecisionError as exc:
            messages.error(request, str(exc))
            return redirect(url("swap", self.match.pk))
        messages.success(request, _("Buddy swapped."))
        return redirect(next_url(request, url("proposals", self.intake.pk)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["match"] = self.match
        context.update(suggestion_context(
            self.intake, pool_service.suggestions(
                self.match.mentee, k=5, exclude_mentor_ids=[self.match.mentor_id]),
            self.match.mentee))
        context["action_url"] = url("swap", self.match.pk)
        weights = matching_config.programme_config(self.intake.programme)["weights"]
        context["current"] = match_scored(self.match, weights)
        return context
