"""Matching runs: start one, watch its progress, read its result."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ...models import MatchingRun
from ...permissions import MANAGE, MATCH
from ...services import matching_config, reasons
from ...services import pool as pool_service
from ...services import runs as runs_service
from ...services import stats as stats_service
from .. import forms
from ..filters import RunFilterSet
from .base import BuddyAdminView, IntakeMixin, url
from .listing import BuddyListingView, TemplateColumn


class MatchingView(IntakeMixin, BuddyAdminView):
    """Weights and options, start a run, see the previous runs."""

    permission = MATCH
    tab = "matching"
    page_title = _("Matching")
    template_name = "wagtail_buddy/admin/matching.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.form = None

    def post(self, request, *args, **kwargs):
        programme = self.intake.programme
        self.form = forms.RunForm(request.POST, user=request.user)
        if not self.form.is_valid():
            messages.error(request, _("The run was not started: please correct the errors."))
            return self.render_to_response(self.get_context_data(), status=400)
        config = self.form.config()
        if self.form.cleaned_data.get("save_as_default") and self.policy.allows(MANAGE):
            matching_config.save_programme_config(programme, config, request.user)
        try:
            run = runs_service.start_run(programme, self.intake, request.user, config)
        except runs_service.MatchingRunError as exc:
            messages.error(request, str(exc))
            return self.render_to_response(self.get_context_data(), status=409)
        messages.success(request, _("Matching run started."))
        return redirect(url("run", run.pk))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        config = matching_config.programme_config(self.intake.programme)
        context["form"] = self.form or forms.RunForm(user=self.request.user,
                                                     initial_config=config)
        context["runs"] = list(MatchingRun.objects.filter(intake=self.intake)
                               .select_related("requested_by")[:5])
        context["active_run"] = next((r for r in context["runs"] if r.is_active), None)
        context["pool"] = stats_service.intake_summary([self.intake])[self.intake.pk]
        context["rerun"] = pool_service.rerun_preview(self.intake)
        return context


class RunsView(BuddyListingView):
    """Every matching run of the intake, newest first, by status."""

    permission = MATCH
    tab = "matching"
    url_name = "runs"
    page_title = _("Matching runs")
    results_template_name = "wagtail_buddy/admin/runs_results.html"
    is_searchable = False
    filterset_class = RunFilterSet
    default_ordering = "-created_at"
    row_data = {"run": "pk"}
    columns = [
        TemplateColumn("run", "wagtail_buddy/admin/cells/run.html", label=_("Run"),
                       sort_key="created_at"),
        TemplateColumn("status", "wagtail_buddy/admin/cells/run_status.html",
                       label=_("Status")),
        TemplateColumn("matched", "wagtail_buddy/admin/cells/run_matched.html",
                       label=_("Matched")),
    ]

    def get_base_queryset(self):
        return MatchingRun.objects.filter(intake=self.intake).select_related("requested_by")


def run_payload(run: MatchingRun | None) -> dict:
    if run is None:
        return {"run": None}
    return {
        "run": run.pk,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "phase": run.phase,
        "phase_label": str(runs_service.PHASE_LABELS.get(run.phase, run.phase)),
        "progress": run.progress,
        "active": run.is_active,
        "error": run.error if run.status == MatchingRun.Status.FAILED else "",
        "url": url("run", run.pk),
        "matched": (run.summary or {}).get("matched"),
        "unmatched": (run.summary or {}).get("unmatched"),
    }


class RunView(BuddyAdminView):
    permission = MATCH
    tab = "matching"
    template_name = "wagtail_buddy/admin/run.html"

    def get(self, request, run_id: int):
        self.run = get_object_or_404(
            self.policy.runs().select_related("intake__programme", "requested_by"), pk=run_id)
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
        unmatched_reasons = summary.get("unmatched_reasons", {})
        context["reasons"] = [(str(runs_service.UNMATCHED_REASONS.get(k, k)), n)
                              for k, n in unmatched_reasons.items()]
        histogram = summary.get("load_histogram", {})
        context["load"] = stats_service.horizontal_bars(
            (ngettext("%(n)s student", "%(n)s students", int(k)) % {"n": k}, v)
            for k, v in histogram.items())
        ids = summary.get("unmatched_ids", [])[:50]
        by_id = summary.get("unmatched_reason_by_id", {})
        people = self.participants().filter(pk__in=ids).only(
            "pk", "first_name", "last_name", "nationality", "status")
        context["unmatched"] = [
            (p, str(runs_service.UNMATCHED_REASONS.get(by_id.get(str(p.pk)), "")))
            for p in people]
        weights = (run.config or {}).get("weights") or {}
        context["mean_scale"] = reasons.scale(summary.get("mean_score") or 0, weights)
        context["config_rows"] = [
            (matching_config.criterion_label(k), v)
            for k, v in (run.config or {}).get("weights", {}).items()]
        return context


class RunStatusView(BuddyAdminView):
    """JSON polled by the run page: status, phase, percent."""

    permission = MATCH

    def get(self, request, run_id: int):
        run = get_object_or_404(self.policy.runs(), pk=run_id)
        return JsonResponse(run_payload(run))


class IntakeProgressView(IntakeMixin, BuddyAdminView):
    """JSON: the latest run of an intake (for the home panel and scripts)."""

    permission = MATCH

    def get(self, request, *args, **kwargs):
        run = MatchingRun.objects.filter(intake=self.intake).first()
        return JsonResponse(run_payload(run))
