"""The international student's arrival form (date, time, transport, place, pick-up)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Arrival, Participant
from ..services import arrivals
from .fields import DateInput, reject_control_characters

OTHER_PLACE = "__other__"


class TimeInput(forms.TimeInput):
    """The browser's native time picker; the value travels as HH:MM."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class ArrivalForm(forms.Form):
    """The rules themselves are ``services.arrivals``' (the form shows them on their field)."""

    arrival_date = forms.DateField(label=_("Arrival date"), widget=DateInput)
    time = forms.TimeField(label=_("Arrival time"), widget=TimeInput,
                           help_text=_("Local time, as on your ticket."))
    how = forms.ChoiceField(label=_("How do you arrive?"), choices=Arrival.How.choices,
                            widget=forms.RadioSelect)
    place = forms.ChoiceField(label=_("Where do you arrive?"), required=False)
    place_other = forms.CharField(label=_("Another place"), required=False,
                                  max_length=arrivals.PLACE_MAX,
                                  validators=[reject_control_characters])
    pickup = forms.BooleanField(label=_("I would like someone to pick me up"),
                                required=False)

    def __init__(self, *args, participant: Participant, places: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.participant = participant
        self.places = places
        if places:
            self.fields["place"].choices = [("", _("Choose…")), *((p, p) for p in places),
                                            (OTHER_PLACE, _("Somewhere else (type it below)"))]
            self.fields["place_other"].help_text = _("Only if it is not in the list.")
        else:
            del self.fields["place"]
            self.fields["place_other"].label = _("Where do you arrive?")
            self.fields["place_other"].help_text = _("The station or airport, e.g. "
                                                     "'Lyon Part-Dieu station'.")

    @classmethod
    def initial_for(cls, participant: Participant, arrival: Arrival | None,
                    places: list[str]) -> dict:
        initial = {"arrival_date": participant.arrival_date}
        if arrival is not None:
            listed = arrival.place in places
            initial.update(time=arrival.time, how=arrival.how,
                           place=arrival.place if listed else OTHER_PLACE if places else "",
                           place_other="" if listed else arrival.place,
                           pickup=arrival.pickup != Arrival.Pickup.NONE)
        return initial

    def clean(self) -> dict:
        data = super().clean()
        chosen = data.get("place") or ""
        typed = (data.get("place_other") or "").strip()
        if self.places and chosen not in ("", OTHER_PLACE):
            data["where"] = chosen
        elif typed:
            data["where"] = typed
        elif "place_other" not in self.errors:
            field = "place" if self.places and not chosen else "place_other"
            self.add_error(field, _("Tell us where you arrive."))
        day, at = data.get("arrival_date"), data.get("time")
        if day and at:
            try:
                arrivals.check_when(self.participant, day, at)
            except arrivals.ArrivalError as error:
                self.add_error(error.field, str(error))
        return data
