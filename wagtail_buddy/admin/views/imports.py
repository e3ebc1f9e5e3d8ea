"""Spreadsheet import screens: upload -> map the columns -> preview -> import.

Thin: ``services.importing`` reads, guesses, previews and writes (the same service as
``manage.py buddy_import``). The uploaded file waits between the steps in an
``ImportUpload`` row (never in public media), scoped to the intake, deleted once imported
or by the daily purge. Needs the "match/contact" level: importing emails people.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from ...models import ImportUpload
from ...services import importing
from ..import_forms import MappingForm, UploadForm
from .base import BuddyAdminView, IntakeMixin, url

SAMPLE_ROWS = 3
SHOWN_ROWS = 200  # per section of the preview; the counts cover every row


class ImportUploadView(IntakeMixin, BuddyAdminView):
    permission = post_permission = "match"
    page_title = _("Import from a spreadsheet")
    template_name = "wagtail_buddy/admin/import_upload.html"
    header_icon = "upload"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", UploadForm())
        return context

    def post(self, request, *args, **kwargs):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        upload = ImportUpload.objects.create(
            intake=self.intake, role=form.cleaned_data["role"], data=form.cleaned_data["data"],
            filename=form.cleaned_data["file"].name[:255], created_by=request.user,
            fields=importing.guess(form.table, self.intake))
        return redirect(url("import_mapping", self.intake.pk, upload.pk))


class UploadMixin(IntakeMixin):
    """``self.upload`` and its table, for the steps after the upload. An upload already
    imported (a second press, the back button) or purged sends the user back to the start
    with a message instead of an error page."""

    upload: ImportUpload | None

    def load_objects(self) -> None:
        super().load_objects()
        self.upload = ImportUpload.objects.filter(intake=self.intake,
                                                  pk=self.kwargs["upload_id"]).first()
        if self.upload is not None:
            self.table = importing.read(bytes(self.upload.data), self.upload.filename)

    def get(self, request, *args, **kwargs):
        return self.gone() if self.upload is None else super().get(request, *args, **kwargs)

    def gone(self):
        messages.info(self.request, _("That file was imported already, or it was uploaded "
                                      "more than a day ago and deleted. Upload it again to "
                                      "import more."))
        return redirect(url("import", self.intake.pk))


class ImportMappingView(UploadMixin, BuddyAdminView):
    permission = post_permission = "match"
    page_title = _("Which column holds what?")
    template_name = "wagtail_buddy/admin/import_mapping.html"
    header_icon = "upload"

    def form(self, data=None) -> MappingForm:
        return MappingForm(data, headers=self.table.headers, fields=self.upload.fields,
                           samples=self.table.rows[:SAMPLE_ROWS])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context.update(upload=self.upload, rows=len(self.table))
        return context

    def post(self, request, *args, **kwargs):
        if self.upload is None:
            return self.gone()
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        self.upload.fields = form.cleaned_data["chosen"]
        self.upload.save(update_fields=["fields"])
        return redirect(url("import_preview", self.intake.pk, self.upload.pk))


class ImportPreviewView(UploadMixin, BuddyAdminView):
    permission = post_permission = "match"
    page_title = _("Preview the import")
    template_name = "wagtail_buddy/admin/import_preview.html"
    header_icon = "upload"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = importing.preview(self.table, self.upload.fields, self.intake,
                                   self.upload.role)
        sections = [(action, report.of(action)) for action in
                    (importing.SKIP, importing.UPDATE, importing.CREATE, importing.UNCHANGED)]
        context.update(upload=self.upload, report=report, counts=report.counts,
                       sections=[(a, rows[:SHOWN_ROWS], len(rows) - SHOWN_ROWS)
                                 for a, rows in sections if rows])
        return context

    def post(self, request, *args, **kwargs):
        if self.upload is None:
            return self.gone()
        try:
            _report, result = importing.run(self.table, self.upload.fields, self.intake,
                                            self.upload.role, user=request.user)
        except importing.ImportConflict:
            messages.error(request, _("Someone signed up or was imported with one of these "
                                      "addresses meanwhile: nothing was imported. Check the "
                                      "preview again."))
            return redirect(url("import_preview", self.intake.pk, self.upload.pk))
        self.upload.delete()
        messages.success(request, _("%(created)d people invited (%(invitations)d invitations "
                                    "queued), %(updated)d updated.") % vars(result))
        return redirect(url("overview"))
