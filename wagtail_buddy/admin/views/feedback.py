"""End-of-semester feedback of one intake: figures, charts, comments and the XLSX export.
Comments are personal and stay in the coordinator workspace (``ProgrammePolicy`` scoping)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.generic import View

from ...services import feedback as feedback_service
from ...services.exports import CONTENT_TYPES
from .base import BuddyAdminView, IntakeMixin, url


class FeedbackView(IntakeMixin, BuddyAdminView):
    tab = "feedback"
    page_title = _("Feedback")
    template_name = "wagtail_buddy/admin/feedback.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["results"] = feedback_service.results(self.intake)
        context["answer_until"] = feedback_service.answer_until(self.intake)
        context["export_url"] = url("feedback_export", self.intake.pk)
        return context


class FeedbackExportView(IntakeMixin, BuddyAdminView, View):
    """The intake's feedback as XLSX (every answer, comments included); audited."""

    def get(self, request, *args, **kwargs):
        content = feedback_service.export_xlsx(self.intake, request.user)
        response = HttpResponse(content, content_type=CONTENT_TYPES["xlsx"])
        response["Content-Disposition"] = (
            f'attachment; filename="feedback-intake-{self.intake.pk}.xlsx"')
        response["Cache-Control"] = "no-store, private"
        return response
