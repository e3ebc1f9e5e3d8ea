from django.db import models
from django.utils.translation import gettext_lazy as _

from .matching import Match
from .participant import Participant


class CheckIn(models.Model):
    """A follow-up question ("Have you met your buddy?") to one side of a match."""

    class Answer(models.TextChoices):
        MET = "met", _("Yes, we have met")
        IN_CONTACT = "in_contact", _("We are in touch but have not met yet")
        NO_CONTACT = "no_contact", _("No, we have not been in touch")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="checkins")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="checkins"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=16, choices=Answer.choices, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating (1-5)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    # Personal rows, not content: skip Wagtail's reference index (and its queries).
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["match", "participant"], name="wagtail_buddy_one_checkin_per_side"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} @ {self.match_id}"
