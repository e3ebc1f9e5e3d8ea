"""Views of the coordinator workspace. Thin: they check access, validate, call a service.

Access: every view needs a Wagtail admin login (the ``register_admin_urls`` hook wraps
them), one of the three buddy permissions, and the object's programme among
``programmes_for_user`` (else 404, so another section's ids reveal nothing).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..models import Intake, Interest, Language, Match, MatchingRun, Participant
from ..permissions import (
    can_manage_settings,
    can_match,
    can_view_participants,
    programmes_for_user,
)
from ..services import introductions, proposals
from ..services import matching as matching_service
from ..services import stats as stats_service
from . import forms
from .modeladmin import index_url as participants_url
from .modeladmin import inspect_url

PER_PAGE = 50
NS = "wagtail_buddy_admin"

PERMISSIONS = {"view": can_view_participants, "match": can_match,
               "settings": can_manage_settings}


def url(name: str, *args) -> str:
    return reverse(f"{NS}:{name}", args=args)


def paginate(request, queryset, per_page: int = PER_PAGE) -> dict:
    paginator = Paginator(queryset, per_page)
    page = paginator.get_page(request.GET.get("p"))
    return {"page_obj": page, "items": page, "paginator": paginator,
            "elided_page_range": paginator.get_elided_page_range(page.number)}


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def profile_prefetch(prefix: str = "") -> list[Prefetch]:
    """Languages and interests of people (or of ``prefix`` relations) in 2 queries each."""
    return [
        Prefetch(f"{prefix}languages", queryset=Language.objects.only("code")),
        Prefetch(f"{prefix}interests", queryset=Interest.objects.only("pk", "name")),
    ]


def breakdown_rows(breakdown: dict | None, weights: dict | None = None) -> list[dict]:
    """Per-criterion bars: label, points and the bar width relative to the criterion's weight."""
    rows = []
    weights = weights or {}
    for key, points in (breakdown or {}).items():
        top = float(weights.get(key) or matching_service.DEFAULT_WEIGHTS.get(key) or 1) or 1
        rows.append({"key": key, "label": matching_service.criterion_label(key),
                     "points": points,
                     "width": max(0, min(100, round(100 * float(points) / top)))})
    return rows


class BuddyAdminView(WagtailAdminTemplateMixin, TemplateView):
    """Base: permission check, programme scoping, breadcrumbs and the intake tabs."""

    permission = "view"
    post_permission = "match"
    header_icon = "group"
    tab = ""

    def dispatch(self, request, *args, **kwargs):
        needed = self.post_permission if request.method == "POST" else self.permission
        if not PERMISSIONS[needed](request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def programmes(self):
        return programmes_for_user(self.request.user)

    def intakes(self):
        return Intake.objects.filter(programme__in=self.programmes).select_related("programme")

    def get_intake(self, pk) -> Intake:
        return get_object_or_404(self.intakes(), pk=pk)

    def participants(self):
        return Participant.objects.filter(intake__programme__in=self.programmes)

    def matches(self):
        return Match.objects.filter(intake__programme__in=self.programmes)

    intake: Intake | None = None

    def get_breadcrumbs_items(self):
        items = [*self.breadcrumbs_items, {"url": url("overview"), "label": _("Buddy System")}]
        if self.intake is not None:
            items.append({"url": url("matching", self.intake.pk),
                          "label": f"{self.intake.programme.display_name} · {self.intake.name}"})
        items.append({"url": "", "label": self.get_page_title()})
        return items

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["intake"] = self.intake
        context["tab"] = self.tab
        context["can_match"] = can_match(self.request.user)
        context["can_manage_settings"] = can_manage_settings(self.request.user)
        if self.intake is not None:
            pk = self.intake.pk
            context["tabs"] = [
                ("matching", _("Matching"), url("matching", pk)),
                ("proposals", _("Proposals"), url("proposals", pk)),
                ("waiting", _("Waiting list"), url("waiting", pk)),
                ("introductions", _("Introductions"), url("introductions", pk)),
                ("stats", _("Statistics"), url("stats", pk)),
                ("participants", _("Participants"), f"{participants_url()}?intake={pk}"),
            ]
            context["other_intakes"] = [i for i in self.intakes() if i.pk != pk]
        return context


# --------------------------------------------------------------------------- overview


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


# --------------------------------------------------------------------------- matching


class MatchingView(BuddyAdminView):
    """Weights and options, start a run, see the previous runs."""

    permission = "match"
    tab = "matching"
    page_title = _("Matching")
    template_name = "wagtail_buddy/admin/matching.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.form = None

    def get(self, request, intake_id: int):
        self.intake = self.get_intake(intake_id)
        return self.render_to_response(self.get_context_data())

    def post(self, request, intake_id: int):
        self.intake = self.get_intake(intake_id)
        programme = self.intake.programme
        self.form = forms.RunForm(request.POST, user=request.user)
        if not self.form.is_valid():
            messages.error(request, _("The run was not started: please correct the errors."))
            return self.render_to_response(self.get_context_data(), status=400)
        config = self.form.config()
        if self.form.cleaned_data.get("save_as_default") and can_manage_settings(request.user):
            matching_service.save_programme_config(programme, config, request.user)
        try:
            run = matching_service.start_run(programme, self.intake, request.user, config)
        except matching_service.MatchingRunError as exc:
            messages.error(request, str(exc))
            return self.render_to_response(self.get_context_data(), status=409)
        messages.success(request, _("Matching run started."))
        return redirect(url("run", run.pk))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        config = matching_service.programme_config(self.intake.programme)
        context["form"] = self.form or forms.RunForm(user=self.request.user,
                                                     initial_config=config)
        context["runs"] = list(MatchingRun.objects.filter(intake=self.intake)
                               .select_related("requested_by")[:10])
        context["active_run"] = next((r for r in context["runs"] if r.is_active), None)
        context["pool"] = stats_service.intake_summary([self.intake])[self.intake.pk]
        return context


def run_payload(run: MatchingRun | None) -> dict:
    if run is None:
        return {"run": None}
    return {
        "run": run.pk,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "phase": run.phase,
        "phase_label": str(matching_service.PHASE_LABELS.get(run.phase, run.phase)),
        "progress": run.progress,
        "active": run.is_active,
        "error": run.error if run.status == MatchingRun.Status.FAILED else "",
        "url": url("run", run.pk),
        "matched": (run.summary or {}).get("matched"),
        "unmatched": (run.summary or {}).get("unmatched"),
    }


class RunView(BuddyAdminView):
    permission = "match"
    tab = "matching"
    template_name = "wagtail_buddy/admin/run.html"

    def get(self, request, run_id: int):
        self.run = get_object_or_404(
            MatchingRun.objects.filter(intake__programme__in=self.programmes)
            .select_related("intake__programme", "requested_by"), pk=run_id)
        self.intake = self.run.intake
        return self.render_to_response(self.get_context_data())

    def get_page_title(self):
        return _("Matching run #%(pk)s") % {"pk": self.run.pk}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.run
        summary = run.summary or {}
        context["run"] = run
        context["payload"] = run_payload(run)
        context["status_url"] = url("run_status", run.pk)
        context["summary"] = summary
        reasons = summary.get("unmatched_reasons", {})
        context["reasons"] = [(str(matching_service.UNMATCHED_REASONS.get(k, k)), n)
                              for k, n in reasons.items()]
        histogram = summary.get("load_histogram", {})
        context["load"] = stats_service.horizontal_bars(
            (ngettext("%(n)s student", "%(n)s students", int(k)) % {"n": k}, v)
            for k, v in histogram.items())
        ids = summary.get("unmatched_ids", [])[:50]
        by_id = summary.get("unmatched_reason_by_id", {})
        people = self.participants().filter(pk__in=ids).only(
            "pk", "first_name", "last_name", "nationality", "status")
        context["unmatched"] = [
            (p, str(matching_service.UNMATCHED_REASONS.get(by_id.get(str(p.pk)), "")))
            for p in people]
        context["config_rows"] = [
            (matching_service.criterion_label(k), v)
            for k, v in (run.config or {}).get("weights", {}).items()]
        return context


class RunStatusView(BuddyAdminView):
    """JSON polled by the run page: status, phase, percent."""

    permission = "match"

    def get(self, request, run_id: int):
        run = get_object_or_404(
            MatchingRun.objects.filter(intake__programme__in=self.programmes), pk=run_id)
        return JsonResponse(run_payload(run))


class IntakeProgressView(BuddyAdminView):
    """JSON: the latest run of an intake (for the home panel and scripts)."""

    permission = "match"

    def get(self, request, intake_id: int):
        intake = self.get_intake(intake_id)
        run = MatchingRun.objects.filter(intake=intake).first()
        return JsonResponse(run_payload(run))


# --------------------------------------------------------------------------- proposals


def matches_for_listing(queryset):
    return queryset.select_related("mentee", "mentor").prefetch_related(
        *profile_prefetch("mentee__"), *profile_prefetch("mentor__"))


class ProposalsView(BuddyAdminView):
    tab = "proposals"
    page_title = _("Proposals")
    template_name = "wagtail_buddy/admin/proposals.html"

    def get(self, request, intake_id: int):
        self.intake = self.get_intake(intake_id)
        return self.render_to_response(self.get_context_data())

    def post(self, request, intake_id: int):
        """Bulk confirm / reject / lock / unlock of the selected pairs."""
        self.intake = self.get_intake(intake_id)
        queryset = Match.objects.filter(intake=self.intake)
        form = forms.BulkMatchForm(request.POST, queryset=queryset)
        back = safe_next(request, url("proposals", self.intake.pk))
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
        filters = forms.ProposalFilterForm(self.request.GET or None)
        data = filters.cleaned_data if filters.is_valid() else {"status": "proposed",
                                                               "order": "score", "q": ""}
        queryset = Match.objects.filter(intake=self.intake)
        if data["status"] != "all":
            queryset = queryset.filter(status=data["status"])
        if data.get("q"):
            q = data["q"]
            queryset = queryset.filter(
                Q(mentee__first_name__icontains=q) | Q(mentee__last_name__icontains=q)
                | Q(mentor__first_name__icontains=q) | Q(mentor__last_name__icontains=q)
                | Q(mentee__email__icontains=q) | Q(mentor__email__icontains=q))
        order = {"score": ["score", "pk"], "-score": ["-score", "pk"],
                 "mentee": ["mentee__last_name", "pk"],
                 "mentor": ["mentor__last_name", "pk"]}[data["order"]]
        context.update(paginate(self.request, matches_for_listing(queryset.order_by(*order))))
        weights = matching_service.programme_config(self.intake.programme)["weights"]
        context["rows"] = [(m, breakdown_rows(m.breakdown, weights))
                           for m in context["page_obj"]]
        context["filters"] = filters
        context["status"] = data["status"]
        context["counts"] = dict(Match.objects.filter(intake=self.intake).order_by()
                                 .values_list("status").annotate(n=Count("pk")))
        context["next_url"] = self.request.get_full_path()
        context["inspect_url"] = inspect_url(0).replace("/0/", "/{}/")
        return context


def apply_match_action(action: str, matches: list[Match], user) -> int:
    if action == "confirm":
        return proposals.confirm(matches, user)
    if action == "reject":
        return proposals.reject(matches, user)
    if action in ("lock", "unlock"):
        return proposals.set_locked(matches, user, locked=action == "lock")
    raise Http404


class MatchActionView(BuddyAdminView):
    """POST one action on one pair (the row buttons of the review table)."""

    permission = "match"
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
        return redirect(safe_next(request, url("proposals", match.intake_id)))


class MatchDetailView(BuddyAdminView):
    """One pair: both profiles, the breakdown, the note, the email previews, cancel."""

    template_name = "wagtail_buddy/admin/match.html"
    tab = "introductions"

    def load(self, match_id):
        self.match = get_object_or_404(matches_for_listing(self.matches()).select_related(
            "intake__programme"), pk=match_id)
        self.intake = self.match.intake

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
        proposals.set_note(self.match, request.user, self.note_form.cleaned_data["note"])
        messages.success(request, _("Note saved."))
        return redirect(url("match", self.match.pk))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        match = self.match
        weights = matching_service.programme_config(self.intake.programme)["weights"]
        context["match"] = match
        context["breakdown"] = breakdown_rows(match.breakdown, weights)
        context["note_form"] = self.note_form
        context["cancel_form"] = forms.CancelForm()
        context["statuses"] = introductions.email_statuses([match])[match.pk]
        if match.status == Match.Status.CONFIRMED and can_match(self.request.user):
            context["previews"] = [
                (match.mentee, introductions.preview(match, "mentee")),
                (match.mentor, introductions.preview(match, "mentor")),
            ]
        return context


class CancelView(MatchDetailView):
    permission = "match"

    def post(self, request, match_id: int):
        self.load(match_id)
        form = forms.CancelForm(request.POST)
        if form.is_valid():
            try:
                proposals.cancel(self.match, request.user, form.cleaned_data["reason"],
                                 notify=form.cleaned_data["notify"])
            except proposals.ProposalError as exc:
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


class SwapView(BuddyAdminView):
    """Ranked alternative buddies for a proposed pair; one click swaps."""

    permission = "match"
    tab = "proposals"
    template_name = "wagtail_buddy/admin/swap.html"
    page_title = _("Swap buddy")

    def load(self, match_id):
        self.match = get_object_or_404(self.matches().select_related(
            "mentee", "mentor", "intake__programme"), pk=match_id)
        self.intake = self.match.intake

    def get(self, request, match_id: int):
        self.load(match_id)
        return self.render_to_response(self.get_context_data())

    def post(self, request, match_id: int):
        self.load(match_id)
        mentor_id = request.POST.get("mentor", "")
        options = {p.mentor: p for p in matching_service.suggestions(
            self.match.mentee, k=10, exclude_mentor_ids=[self.match.mentor_id])}
        pair = options.get(mentor_id)
        if pair is None:
            messages.error(request, _("This buddy is not among the available alternatives."))
            return redirect(url("swap", self.match.pk))
        mentor = get_object_or_404(self.participants(), pk=int(mentor_id))
        try:
            proposals.swap(self.match, mentor, request.user, pair.score, pair.breakdown)
        except proposals.ProposalError as exc:
            messages.error(request, str(exc))
            return redirect(url("swap", self.match.pk))
        messages.success(request, _("Buddy swapped."))
        return redirect(safe_next(request, url("proposals", self.intake.pk)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["match"] = self.match
        context.update(suggestion_context(
            self.intake, matching_service.suggestions(
                self.match.mentee, k=5, exclude_mentor_ids=[self.match.mentor_id])))
        context["action_url"] = url("swap", self.match.pk)
        context["current"] = breakdown_rows(self.match.breakdown)
        return context


def suggestion_context(intake: Intake, pairs) -> dict:
    """Suggestions with their mentors loaded (2 + 2 queries) and breakdown bars."""
    ids = [int(p.mentor) for p in pairs]
    mentors = {m.pk: m for m in Participant.objects.filter(pk__in=ids).prefetch_related(
        *profile_prefetch())}
    spare = matching_service.spare_capacity(intake)
    weights = matching_service.programme_config(intake.programme)["weights"]
    return {"suggestions": [
        {"pair": p, "mentor": mentors[int(p.mentor)], "spare": spare.get(p.mentor, 0),
         "breakdown": breakdown_rows(p.breakdown, weights)}
        for p in pairs if int(p.mentor) in mentors]}


# --------------------------------------------------------------------------- manual pairing


class WaitingView(BuddyAdminView):
    tab = "waiting"
    page_title = _("Waiting list")
    template_name = "wagtail_buddy/admin/waiting.html"

    def get(self, request, intake_id: int):
        self.intake = self.get_intake(intake_id)
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        q = (self.request.GET.get("q") or "").strip()[:100]
        queryset = Participant.objects.filter(
            intake=self.intake, role=Participant.Role.INTERNATIONAL,
            status=Participant.Status.WAITING).prefetch_related(*profile_prefetch())
        if q:
            queryset = queryset.filter(Q(first_name__icontains=q) | Q(last_name__icontains=q)
                                       | Q(email__icontains=q))
        context.update(paginate(self.request, queryset.order_by("arrival_date", "pk")))
        context["q"] = q
        context["free_buddies"] = sum(
            1 for v in matching_service.spare_capacity(self.intake).values() if v > 0)
        return context


class PairView(BuddyAdminView):
    """Top-5 feasible buddies with spare capacity for one waiting student."""

    permission = "match"
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
        mentor_id = request.POST.get("mentor", "")
        options = {p.mentor: p for p in matching_service.suggestions(self.mentee, k=10)}
        pair = options.get(mentor_id)
        if pair is None:
            messages.error(request, _("This buddy is not among the available suggestions."))
            return redirect(url("pair", self.mentee.pk))
        mentor = get_object_or_404(self.participants(), pk=int(mentor_id))
        try:
            match = proposals.pair_manually(self.mentee, mentor, request.user, pair.score,
                                            pair.breakdown)
        except proposals.ProposalError as exc:
            messages.error(request, str(exc))
            return redirect(url("pair", self.mentee.pk))
        messages.success(request, _("%(mentee)s is paired with %(mentor)s.") % {
            "mentee": self.mentee.first_name, "mentor": mentor.first_name})
        return redirect(url("match", match.pk))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mentee"] = self.mentee
        active = Match.objects.filter(mentee=self.mentee, status__in=Match.ACTIVE).first()
        context["active_match"] = active
        if active is None:
            context.update(suggestion_context(
                self.intake, matching_service.suggestions(self.mentee, k=5)))
        context["action_url"] = url("pair", self.mentee.pk)
        return context


# --------------------------------------------------------------------------- introductions


class IntroductionsView(BuddyAdminView):
    tab = "introductions"
    page_title = _("Introductions")
    template_name = "wagtail_buddy/admin/introductions.html"

    def get(self, request, intake_id: int):
        self.intake = self.get_intake(intake_id)
        return self.render_to_response(self.get_context_data())

    def post(self, request, intake_id: int):
        self.intake = self.get_intake(intake_id)
        queryset = introductions.pending(self.intake).select_related("mentee", "mentor")
        if request.POST.get("scope") != "all":
            ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
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
        context.update(paginate(self.request, queryset.select_related(
            "mentee", "mentor").order_by("introduced_at", "-confirmed_at", "pk")))
        page = list(context["page_obj"])
        statuses = introductions.email_statuses(page)
        context["rows"] = [(m, statuses[m.pk]) for m in page]
        context["show"] = show
        context["pending_count"] = introductions.pending(self.intake).count()
        return context


# --------------------------------------------------------------------------- statistics


class StatsView(BuddyAdminView):
    tab = "stats"
    page_title = _("Statistics")
    template_name = "wagtail_buddy/admin/stats.html"

    def get(self, request, intake_id: int):
        self.intake = self.get_intake(intake_id)
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stats"] = stats_service.intake_stats(self.intake)
        return context


# --------------------------------------------------------------------------- participants


class ParticipantsBulkView(BuddyAdminView, View):
    """The bulk actions of the participant list (POST only)."""

    permission = "match"

    def get(self, request):
        return redirect(participants_url())

    def post(self, request):
        form = forms.ParticipantBulkForm(request.POST, user=request.user)
        back = safe_next(request, participants_url())
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(back)
        people = list(self.participants().filter(pk__in=form.cleaned_data["ids"]))
        action = form.cleaned_data["action"]
        if action == "confirm_email":
            n = proposals.confirm_emails(people, request.user)
            messages.success(request, ngettext("%(n)s email confirmed.",
                                               "%(n)s emails confirmed.", n) % {"n": n})
        elif action == "erase":
            if not can_manage_settings(request.user):
                raise PermissionDenied
            n = proposals.erase(people, request.user)
            messages.success(request, ngettext("%(n)s participant erased.",
                                               "%(n)s participants erased.", n) % {"n": n})
        elif action == "withdraw":
            n = proposals.withdraw(people, request.user)
            messages.success(request, ngettext("%(n)s participant withdrawn.",
                                               "%(n)s participants withdrawn.", n) % {"n": n})
        else:
            moved, skipped = proposals.move_intake(people, form.cleaned_data["intake"],
                                                   request.user)
            messages.success(request, _("%(moved)s moved, %(skipped)s skipped (open match or "
                                        "already signed up there).") % {
                "moved": moved, "skipped": skipped})
        return HttpResponseRedirect(back)
