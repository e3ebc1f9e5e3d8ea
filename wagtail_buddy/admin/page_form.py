"""The programme page's admin form: no sign-up goes live without a privacy notice, and only
those who may change a programme's access see and write its coordinator groups."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from ..models.programme import RejoinField, has_text
from ..permissions import may_change_access
from ..services.coordinators import set_coordinator_groups

ACCESS_FIELD = "coordinator_groups"  # written at once: services.coordinators

PRIVACY_NOTICE_REQUIRED = _(
    "Add a privacy notice before publishing: students must read it to sign up. "
    "You can save a draft without one."
)


class ProgrammePageForm(WagtailAdminPageForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if ACCESS_FIELD in self.fields and not may_change_access(for_user, self.instance):
            del self.fields[ACCESS_FIELD]
        if "rejoin_fields" in self.fields:  # a list of choices, stored as JSON
            model_field = self.fields["rejoin_fields"]
            self.fields["rejoin_fields"] = forms.MultipleChoiceField(
                label=model_field.label, help_text=model_field.help_text, required=False,
                choices=RejoinField.choices, widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": _("Choose from the list.")})

    def save(self, commit=True):
        page = super().save(commit=commit)
        if ACCESS_FIELD in self.fields and page.pk:
            set_coordinator_groups(page, self.cleaned_data[ACCESS_FIELD])
        return page

    def clean(self):
        cleaned = super().clean()
        # Wagtail defers required fields when a draft is saved; publishing checks them.
        publishing = not getattr(self, "is_deferred_validation", False)
        if publishing and "privacy_notice" in self.fields \
                and not has_text(cleaned.get("privacy_notice")):
            self.add_error("privacy_notice", PRIVACY_NOTICE_REQUIRED)
        return cleaned
