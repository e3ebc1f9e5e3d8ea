from django.db import models
from django.utils.translation import gettext_lazy as _

from .programme import Intake


class IntakeStats(models.Model):
    """Aggregate figures of an intake, kept when retention deletes its participants.

    Only counts: nothing here identifies a person, so it may be kept for the section's
    reports for as long as the intake exists.
    """

    intake = models.OneToOneField(
        Intake, on_delete=models.CASCADE, related_name="stats", verbose_name=_("intake")
    )
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)
    personal_data_deleted_at = models.DateTimeField(
        _("personal data deleted at"), null=True, blank=True
    )

    # Personal rows, not content: skip Wagtail's reference index (and its queries).
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("intake statistics")
        verbose_name_plural = _("intake statistics")

    def __str__(self) -> str:
        return f"{self.intake}"
