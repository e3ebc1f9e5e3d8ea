"""Bulk actions from the participant list."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import View

from ...permissions import MANAGE, MATCH
from ...services import lifecycle, signup
from .. import forms
from ..modeladmin import participant_url
from .base import BuddyAdminView, next_url


class ParticipantsBulkView(BuddyAdminView, View):
    """The bulk actions of the participant list (POST only)."""

    permission = MATCH

    def get(self, request):
        return redirect(participant_url())

    def post(self, request):
        form = forms.ParticipantBulkForm(request.POST, user=request.user)
        back = next_url(request, participant_url())
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(back)
        people = list(self.participants().filter(pk__in=form.cleaned_data["ids"]))
        action = form.cleaned_data["action"]
        if action == "confirm_email":
            n = signup.confirm_emails(people, request.user)
            messages.success(request, ngettext("%(n)s email confirmed.",
                                               "%(n)s emails confirmed.", n) % {"n": n})
        elif action == "erase":
            self.policy.require(MANAGE)
            n = lifecycle.erase(people, request.user)
            messages.success(request, ngettext("%(n)s participant erased.",
                                               "%(n)s participants erased.", n) % {"n": n})
        elif action == "withdraw":
            n = lifecycle.withdraw(people, request.user)
            messages.success(request, ngettext("%(n)s participant withdrawn.",
                                               "%(n)s participants withdrawn.", n) % {"n": n})
        else:
            moved, skipped = lifecycle.move_intake(people, form.cleaned_data["intake"],
                                                   request.user)
            messages.success(request, _("%(moved)s moved, %(skipped)s skipped (open match or "
                                        "already signed up there).") % {
                "moved": moved, "skipped": skipped})
        return HttpResponseRedirect(back)
