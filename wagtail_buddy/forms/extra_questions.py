"""The section's own sign-up questions, as form fields in the reader's language."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

EXTRA_PREFIX = "extra_"


class ExtraQuestionsMixin:
    """One field per extra question of the programme page that applies to ``self.role``.

    The wording comes from the copy being shown (``extra_question_specs``); the stored
    answers use the canonical keys and choice values, the same in every language. A field
    worded in the canonical language for want of a translation carries ``lang`` (its
    label is marked in ``signup/_field.html``).
    """

    def _add_extra_questions(self) -> None:
        self.extra_keys: list[str] = []
        for spec in self.programme.extra_question_specs(self.role):
            kind, name = spec.get("kind") or "text", f"{EXTRA_PREFIX}{spec['key']}"
            common = {"label": spec["label"], "help_text": spec.get("help_text") or "",
                      "required": bool(spec.get("required"))}
            if kind == "long_text":
                field = forms.CharField(max_length=2000, widget=forms.Textarea(
                    attrs={"rows": 3}), **common)
            elif kind == "choice" and spec.get("choices"):
                field = forms.ChoiceField(choices=[("", "—"), *spec["choices"]], **common)
            elif kind == "yes_no":
                field = forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))],
                                          widget=forms.RadioSelect, **common)
            else:
                field = forms.CharField(max_length=500, **common)
            field.untranslated_lang = spec["language"] if spec.get("fallback") else None
            self.fields[name] = field
            self.extra_keys.append(spec["key"])

    @property
    def extra_fields(self) -> list:
        return [self[f"{EXTRA_PREFIX}{key}"] for key in self.extra_keys]

    def extra_answers(self) -> dict:
        return {key: self.cleaned_data.get(f"{EXTRA_PREFIX}{key}", "")
                for key in self.extra_keys}
