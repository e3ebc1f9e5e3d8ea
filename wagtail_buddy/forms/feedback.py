"""The end-of-semester questionnaire (``services.feedback`` stores it)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Feedback, Participant
from .fields import reject_control_characters

CHOOSE = _("Choose one answer.")


class FeedbackForm(forms.Form):
    """Did you meet, how often, 1-5 overall, would you recommend it, a comment."""

    met = forms.ChoiceField(
        label=_("Did you meet your buddy?"), choices=Feedback.Met.choices,
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE, "invalid_choice": CHOOSE})
    frequency = forms.ChoiceField(
        label=_("How often did you meet?"), required=False,
        choices=Feedback.Frequency.choices, widget=forms.RadioSelect,
        help_text=_("Only if you met."),
        error_messages={"invalid_choice": CHOOSE})
    overall = forms.TypedChoiceField(
        label=_("Overall, how was it?"), coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)], widget=forms.RadioSelect,
        help_text=_("1 = not good at all, 5 = great."),
        error_messages={"required": _("Choose a rating between 1 and 5."),
                        "invalid_choice": _("Choose a rating between 1 and 5.")})
    recommend = forms.ChoiceField(
        label=_("Would you recommend having a buddy?"), choices=Feedback.Recommend.choices,
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE, "invalid_choice": CHOOSE})
    comment = forms.CharField(
        label=_("Anything you want to tell the coordinators? (optional)"), required=False,
        max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only the coordinators read it."),
        validators=[reject_control_characters])

    def __init__(self, *args, role: str = Participant.Role.INTERNATIONAL, **kwargs):
        super().__init__(*args, **kwargs)
        if role == Participant.Role.LOCAL:
            self.fields["recommend"].label = _("Would you recommend being a buddy?")

    def clean(self):
        data = super().clean()
        if data.get("met") == Feedback.Met.YES and not data.get("frequency"):
            self.add_error("frequency", _("Say how often you met."))
        return data
