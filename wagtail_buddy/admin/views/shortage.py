"""The overview's actions when buddies are short (thin: see ``services.shortage``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ...services import rejoin, shortage
from .base import BuddyAdminView, IntakeMixin, url


class ShortageActionView(IntakeMixin, BuddyAdminView):
    """POST ``action=one_more`` (ask full buddies), ``still_waiting`` or ``join_again``."""

    permission = post_permission = "match"
    http_method_names = ["post"]
    page_title = _("Buddy System")

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == shortage.ONE_MORE:
            n = shortage.ask_for_one_more(self.intake, request.user)
            messages.success(request, ngettext(
                "%(n)d buddy asked whether they can take one more student.",
                "%(n)d buddies asked whether they can take one more student.", n) % {"n": n})
        elif action == shortage.STILL_WAITING:
            n = shortage.tell_waiting(self.intake, request.user)
            messages.success(request, ngettext(
                "%(n)d waiting student told they are on the list.",
                "%(n)d waiting students told they are on the list.", n) % {"n": n})
        elif action == rejoin.JOIN_AGAIN:
            n = rejoin.send_join_again(self.intake, request.user)
            messages.success(request, ngettext(
                "%(n)d past buddy invited to join again.",
                "%(n)d past buddies invited to join again.", n) % {"n": n})
        else:
            raise Http404
        if n == 0:
            messages.info(request, _("Everyone concerned had this email already: nobody was "
                                     "emailed twice."))
        return redirect(url("overview"))
