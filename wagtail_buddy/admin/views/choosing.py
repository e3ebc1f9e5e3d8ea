"""A coordinator takes back a buddy's choice ("buddies choose" and "mixed" modes)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from ...permissions import MATCH
from ...services import choosing
from .base import url
from .proposals import OneMatchView


class UndoClaimForm(forms.Form):
    reason = forms.CharField(
        label=_("Why undo this choice? (coordinators only)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please give a reason.")})


class UndoClaimView(OneMatchView):
    """POST: cancel a claimed pair with a reason (audited); both students are told."""

    permission = MATCH
    http_method_names = ["post"]

    def post(self, request, match_id: int):
        self.load(match_id)
        form = UndoClaimForm(request.POST)
        if not form.is_valid():
            for error in form.errors.get("reason", []):
                messages.error(request, error)
            return redirect(url("match", self.match.pk) + "#undo-claim")
        try:
            choosing.undo(self.match, request.user, form.cleaned_data["reason"])
        except choosing.ChoosingError as exc:
            messages.error(request, str(exc))
            return redirect(url("match", self.match.pk))
        messages.success(request, _("Choice undone: the student is waiting again."))
        return redirect(url("proposals", self.intake.pk) + "?status=all")
