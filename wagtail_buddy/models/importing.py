"""Spreadsheet imports: a programme's remembered column mapping, and an upload between
the admin's steps (upload -> mapping -> preview -> import)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .programme import BuddyProgrammePage, Intake


class ImportMapping(models.Model):
    """Which field each column header meant, last time this programme imported a file."""

    programme = models.OneToOneField(BuddyProgrammePage, on_delete=models.CASCADE,
                                     related_name="import_mapping")
    # folded header -> field name ("" = ignored)
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import column mapping")

    def __str__(self) -> str:
        return f"ImportMapping {self.programme_id}"


class ImportUpload(models.Model):
    """An uploaded file kept in the database (never in public media) until it is imported
    or the purge deletes it a day later: it holds personal data."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=16)
    filename = models.CharField(max_length=255)
    data = models.BinaryField()
    fields = models.JSONField(default=list)  # the mapping chosen, one field per column
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("spreadsheet upload")

    def __str__(self) -> str:
        return f"ImportUpload {self.pk}"
