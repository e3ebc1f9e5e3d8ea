"""End-of-semester feedback: one questionnaire to each side of an introduced pair."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .matching import Match
from .participant import Participant


class Feedback(models.Model):
    """One side's answer about their pair, asked once when the intake ends.

    Answered once (``answered_at``): a second answer, a late one or one through someone
    else's link changes nothing (``services.feedback``). Deleted with the participant, so
    retention and erasure take it along; ``IntakeStats`` keeps the aggregate figures.
    """

    class Met(models.TextChoices):
        YES = "yes", _("Yes, we met")
        NO = "no", _("No, we never met")

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Every week or more")
        MONTHLY = "monthly", _("A few times a month")
        FEW = "few", _("A few times in the semester")
        ONCE = "once", _("Once")

    class Recommend(models.TextChoices):
        YES = "yes", _("Yes")
        MAYBE = "maybe", _("Maybe")
        NO = "no", _("No")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="feedback")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="feedback")
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    met = models.CharField(_("did you meet?"), max_length=8, choices=Met.choices, blank=True)
    frequency = models.CharField(_("how often"), max_length=8, choices=Frequency.choices,
                                 blank=True)
    overall = models.PositiveSmallIntegerField(
        _("overall (1-5)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    recommend = models.CharField(_("would recommend"), max_length=8,
                                 choices=Recommend.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    # Personal rows, not content: skip Wagtail's reference index (and its queries).
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["match", "participant"], name="wagtail_buddy_one_feedback_per_side"),
            models.CheckConstraint(
                condition=models.Q(overall__isnull=True)
                | models.Q(overall__gte=1, overall__lte=5),
                name="wagtail_buddy_feedback_overall_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} @ {self.match_id}"
