"""The overview's actions when buddies are short (thin: see ``services.shortage``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ...services import rejoin, shortage
from .base import BuddyAdminView, IntakeMixin, url


def one_more_messages(sent: shortage.Sent) -> list[str]:
    return [
        ngettext("%(n)d buddy whose places are all taken was asked whether they can take "
                 "one more student.",
                 "%(n)d buddies whose places are all taken were asked whether they can take "
                 "one more student.", sent.emailed),
        ngettext("%(n)d buddy was not emailed: they were asked already for this intake.",
                 "%(n)d buddies were not emailed: they were asked already for this intake.",
                 sent.had_it),
        ngettext("%(n)d full buddy was not emailed: they already take %(max)d students, the "
                 "most a buddy can take.",
                 "%(n)d full buddies were not emailed: they already take %(max)d students, "
                 "the most a buddy can take.", sent.not_concerned),
        _g("No buddy was emailed: no buddy has all their places taken."),
    ]


def still_waiting_messages(sent: shortage.Sent) -> list[str]:
    return [
        ngettext("%(n)d waiting student was told they are on the list.",
                 "%(n)d waiting students were told they are on the list.", sent.emailed),
        ngettext("%(n)d waiting student was not emailed: they had this message already "
                 "for this intake.",
                 "%(n)d waiting students were not emailed: they had this message already "
                 "for this intake.", sent.had_it),
        "",
        _g("No student was emailed: nobody is waiting for a buddy."),
    ]


def join_again_messages(sent: shortage.Sent) -> list[str]:
    return [
        ngettext("%(n)d past buddy who asked to hear about the next intake was invited to "
                 "join again.",
                 "%(n)d past buddies who asked to hear about the next intake were invited "
                 "to join again.", sent.emailed),
        ngettext("%(n)d past buddy was not emailed: they were invited to this intake "
                 "already.",
                 "%(n)d past buddies were not emailed: they were invited to this intake "
                 "already.", sent.had_it),
        ngettext("%(n)d past buddy was not emailed: they have signed up for this intake "
                 "already.",
                 "%(n)d past buddies were not emailed: they have signed up for this intake "
                 "already.", sent.not_concerned),
        _g("No past buddy was emailed: nobody asked to hear about the next intake."),
    ]


ACTIONS = {
    shortage.ONE_MORE: (shortage.ask_for_one_more, one_more_messages),
    shortage.STILL_WAITING: (shortage.tell_waiting, still_waiting_messages),
    rejoin.JOIN_AGAIN: (rejoin.send_join_again, join_again_messages),
}


def report(request, sent: shortage.Sent, texts: list[str]) -> None:
    """Say plainly who was emailed and who was skipped, and why."""
    emailed, had_it, not_concerned, nobody = texts
    counts = {"max": shortage.MAX_CAPACITY}
    if sent.emailed:
        messages.success(request, emailed % {"n": sent.emailed, **counts})
    for n, text in ((sent.had_it, had_it), (sent.not_concerned, not_concerned)):
        if n and text:
            messages.info(request, text % {"n": n, **counts})
    if not (sent.emailed or sent.had_it or sent.not_concerned):
        messages.info(request, nobody)


class ShortageActionView(IntakeMixin, BuddyAdminView):
    """POST ``action=one_more`` (ask full buddies), ``still_waiting`` or ``join_again``."""

    permission = post_permission = "match"
    http_method_names = ["post"]
    page_title = _("Buddy System")

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") not in ACTIONS:
            raise Http404
        send, texts = ACTIONS[request.POST["action"]]
        sent = send(self.intake, request.user)
        report(request, sent, texts(sent))
        return redirect(url("overview"))
