"""An international student's arrival: time, transport, place and the pick-up.

The arrival *date* is the participant's own ``arrival_date`` (the sign-up asks for it and the
engine matches on it); this row adds what only matters once the student travels: the time,
how and where they arrive, and whether someone picks them up. ``version`` grows with every
change, so an answer or a cover sent from a page opened before the change is refused.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .participant import Participant


def reopen_pickup(collector, field, sub_objs, using) -> None:
    """``on_delete`` of ``covered_by``: when the covering buddy's row is erased, the pick-up
    goes back on the board instead of staying "covered" by nobody."""
    collector.add_field_update(field, None, sub_objs)
    collector.add_field_update(field.model._meta.get_field("pickup"), "open", sub_objs)


class Arrival(models.Model):
    class How(models.TextChoices):
        TRAIN = "train", _("Train")
        PLANE = "plane", _("Plane")
        BUS = "bus", _("Bus")
        CAR = "car", _("Car")
        OTHER = "other", _("Other")

    class Pickup(models.TextChoices):
        NONE = "", _("No pick-up asked")
        ASKED = "asked", _("Asked: waiting for the buddy")
        OPEN = "open", _("On the pick-up board")
        COVERED = "covered", _("Covered")

    UNCOVERED = (Pickup.ASKED, Pickup.OPEN)

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="arrival",
        verbose_name=_("international student"))
    time = models.TimeField(_("arrival time"))
    how = models.CharField(_("how you arrive"), max_length=8, choices=How.choices)
    place = models.CharField(_("where you arrive"), max_length=150)
    pickup = models.CharField(_("pick-up"), max_length=8, choices=Pickup.choices,
                              blank=True, default="")
    covered_by = models.ForeignKey(
        Participant, on_delete=reopen_pickup, null=True, blank=True, related_name="+",
        verbose_name=_("picked up by"))
    covered_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    # Personal rows, not content: skip Wagtail's reference index (and its queries).
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("arrival")
        verbose_name_plural = _("arrivals")
        # The board's filter (open pick-ups); arrivals without a pick-up are most rows.
        indexes = [models.Index(fields=["pickup"], condition=models.Q(pickup="open"),
                                name="wagtail_buddy_open_pickups")]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.time} {self.place}"

    @property
    def is_covered(self) -> bool:
        return self.pickup == self.Pickup.COVERED
