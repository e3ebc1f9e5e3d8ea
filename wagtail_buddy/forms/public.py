"""The small public forms: the check-in answer and 'send me my link again'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import CheckIn, Participant
from .fields import reject_control_characters


class CheckInForm(forms.Form):
    """The answer to 'Have you met your buddy?', with an optional rating and comment."""

    answer = forms.ChoiceField(
        label=_("Have you met your buddy?"), choices=CheckIn.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one answer."),
                        "invalid_choice": _("Choose one answer.")},
    )
    rating = forms.TypedChoiceField(
        label=_("How is it going? (optional)"), required=False, coerce=int, empty_value=None,
        choices=[("", _("No rating"))] + [(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
        help_text=_("1 = not well at all, 5 = great."),
        error_messages={"invalid_choice": _("Choose a rating between 1 and 5.")},
    )
    comment = forms.CharField(
        label=_("Anything you want to tell the coordinators? (optional)"), required=False,
        max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        validators=[reject_control_characters],
    )


class LinkRequestForm(forms.Form):
    """Ask for the private link again (lost email)."""

    email = forms.EmailField(
        label=_("Your email address"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("If you signed up with it, we send you your private link."),
        validators=[reject_control_characters],
    )
    role = forms.ChoiceField(
        label=_("You signed up as"), choices=Participant.Role.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the options."),
                        "invalid_choice": _("Choose one of the options.")},
    )
    website = forms.CharField(required=False, max_length=200, label=_("Leave this field empty"),
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "tabindex": "-1"}))

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()
