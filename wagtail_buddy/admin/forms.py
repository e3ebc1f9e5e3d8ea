"""Forms of the coordinator workspace (validation only; the work is done by services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..matching import CRITERIA, DEFAULT_WEIGHTS
from ..models import Intake, Match
from ..permissions import can_manage_settings, programmes_for_user
from ..services.matching_config import MAX_WEIGHT, criterion_label
from .params import is_id


class RunForm(forms.Form):
    """Criterion weights (0 = ignore) and options of a matching run."""

    spread_load = forms.BooleanField(
        label=_("Spread load across buddies"), required=False,
        help_text=_("Prefer giving every buddy one student before anyone gets a second."),
    )
    save_as_default = forms.BooleanField(
        label=_("Save these settings for the next runs of this programme"), required=False,
    )

    def __init__(self, *args, user=None, initial_config: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        config = initial_config or {}
        weights = config.get("weights", {})
        for key in CRITERIA:
            criterion = CRITERIA[key]
            self.fields[f"w_{key}"] = forms.FloatField(
                label=criterion_label(key), min_value=0, max_value=MAX_WEIGHT,
                initial=weights.get(key, DEFAULT_WEIGHTS.get(key, 1.0)),
                help_text=criterion.description.split("\n")[0] if criterion.description else "",
                widget=forms.NumberInput(attrs={"step": "0.25", "class": "buddy-weight"}),
                error_messages={
                    "invalid": _("Enter a number."),
                    "min_value": _("Weights cannot be negative."),
                    "max_value": _("Weights go up to %(limit_value)s."),
                },
            )
        self.fields["spread_load"].initial = config.get("spread_load", True)
        if not (user and can_manage_settings(user)):
            del self.fields["save_as_default"]
        self.order_fields([f"w_{k}" for k in CRITERIA] + ["spread_load", "save_as_default"])

    def weight_fields(self):
        return [self[f"w_{key}"] for key in CRITERIA]

    def config(self) -> dict:
        data = self.cleaned_data
        return {"weights": {key: float(data[f"w_{key}"]) for key in CRITERIA},
                "spread_load": bool(data.get("spread_load"))}


class ProposalFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("proposed", _("Proposed")), ("confirmed", _("Confirmed")),
        ("rejected", _("Rejected")), ("cancelled", _("Cancelled")), ("all", _("All")),
    ]
    ORDER_CHOICES = [("score", _("Lowest score first")), ("-score", _("Highest score first")),
                     ("mentee", _("Student name")), ("mentor", _("Buddy name"))]
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    order = forms.ChoiceField(label=_("Order"), choices=ORDER_CHOICES, required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("Full name or email")}))

    def clean(self):
        data = super().clean()
        data["status"] = data.get("status") or "proposed"
        data["order"] = data.get("order") or "score"
        return data


class BulkMatchForm(forms.Form):
    ACTIONS = [("confirm", _("Confirm")), ("reject", _("Reject")), ("lock", _("Lock")),
               ("unlock", _("Unlock"))]
    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)

    def __init__(self, *args, queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.queryset = queryset
        # Choices are checked against the intake's matches in clean_ids (one query).
        self.fields["ids"].valid_value = is_id

    def clean_ids(self):
        ids = self.cleaned_data["ids"]
        if not ids:
            raise forms.ValidationError(_("Select at least one pair."))
        return ids

    def matches(self) -> list[Match]:
        return list(self.queryset.filter(pk__in=self.cleaned_data["ids"]))


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the introduction"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Both students read it in their introduction email."),
    )


class CancelForm(forms.Form):
    """Why the pair ends (for coordinators) apart from what the two students read."""

    reason = forms.CharField(
        label=_("Internal note (coordinators only)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept on the match and in the audit log. Never sent to the students."),
        error_messages={"required": _("Please give a reason.")},
    )
    message = forms.CharField(
        label=_("Message to both students"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3, "data-buddy-cancel-message": ""}),
        help_text=_("Optional. Added to the cancellation email, word for word."),
    )
    notify = forms.BooleanField(
        label=_("Tell both students by email"), required=False, initial=True,
        help_text=_("Only sent if they have been introduced already."),
    )


class PairAnywayForm(forms.Form):
    """Pair a student with a buddy a hard rule blocks: the coordinator says why."""

    mentor = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why pair them anyway?"), max_length=500,
        help_text=_("Recorded in the audit log with the rule you override."),
        error_messages={"required": _("Please give a reason to override the rule.")},
    )


class ParticipantBulkForm(forms.Form):
    ACTIONS = [
        ("confirm_email", _("Confirm email manually")),
        ("withdraw", _("Withdraw")),
        ("move", _("Move to intake")),
        ("erase", _("Erase all their data (right to erasure)")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    intake = forms.ModelChoiceField(label=_("Target intake"), queryset=Intake.objects.none(),
                                    required=False)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["intake"].queryset = Intake.objects.filter(
            programme__in=programmes_for_user(user)).select_related("programme")
        self.fields["intake"].label_from_instance = (
            lambda i: f"{i.programme.display_name} · {i.name}")
        self.fields["ids"].valid_value = is_id

    def clean(self):
        data = super().clean()
        if not data.get("ids"):
            raise forms.ValidationError(_("Select at least one participant."))
        if data.get("action") == "move" and not data.get("intake"):
            self.add_error("intake", _("Choose the intake to move them to."))
        return data
