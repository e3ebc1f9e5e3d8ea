"""Arrival and pick-up views of the private link: the student's arrival form, the buddy's
answer, and the intake's pick-up board. Thin: the rules are ``services.arrivals``'.

A refused action (someone else's pair, a page opened before the arrival changed, a pick-up
another buddy took first) changes nothing and answers 409 with the reason.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ..forms import ArrivalForm
from ..models import Arrival, BuddyProgrammePage, Participant
from ..services import arrivals, tokens
from .common import form_data, render, resolve_token, sub_url

NOTICES = {"saved": _("Your arrival is saved."),
           "yes": _("Thank you: the student knows you will be there."),
           "no": _("The pick-up is on the board: another buddy can take it.")}


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def section(request: HttpRequest, page: BuddyProgrammePage, participant: Participant,
            token: str) -> dict | None:
    """The private page's arrival section (``participant/_arrival.html``), or None."""
    notice = NOTICES.get(request.GET.get("arrival", ""))
    if arrivals.can_give(participant):
        arrival = arrivals.arrival_of(participant)
        places = arrivals.places(page)
        return {"kind": "student", "arrival": arrival, "notice": notice,
                "buddy": arrivals.introduced_buddy(participant),
                "form": ArrivalForm(initial=ArrivalForm.initial_for(participant, arrival,
                                                                    places),
                                    participant=participant, places=places),
                "url": sub_url(request, page, "arrival", token=token)}
    if arrivals.may_use_board(participant):
        return {"kind": "buddy", "arrivals": arrivals.for_buddy(participant),
                "notice": notice, "open": len(arrivals.board(participant)),
                "answer_url": sub_url(request, page, "pickup_answer", token=token),
                "board_url": sub_url(request, page, "pickups", token=token)}
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def arrival_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    """The student's arrival form; a valid one is saved and the private page shows it."""
    resolved, error = resolve_token(request, page, token, tokens.ACCESS)
    if error:
        return error
    participant = resolved.participant
    private = sub_url(request, page, "participant", token=token)
    if not arrivals.can_give(participant):
        return render(request, page, "participant/arrival.html", status=409, private=True,
                      participant=participant, private_url=private, form=None,
                      problem=_("Only international students taking part can give an "
                                "arrival."))
    places = arrivals.places(page)
    form = ArrivalForm(form_data(request), participant=participant, places=places,
                       initial=ArrivalForm.initial_for(
                           participant, arrivals.arrival_of(participant), places))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            arrivals.save_arrival(participant, day=data["arrival_date"], at=data["time"],
                                  how=data["how"], place=data["where"],
                                  pickup=data["pickup"])
            return HttpResponseRedirect(private + "?arrival=saved#arrival")
        except arrivals.ArrivalError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
    return render(request, page, "participant/arrival.html", private=True,
                  participant=participant, form=form, private_url=private,
                  status=200 if request.method != "POST" else 400)


@require_http_methods(["GET", "HEAD", "POST"])
def pickup_answer_view(request: HttpRequest, page: BuddyProgrammePage,
                       token: str) -> HttpResponse:
    """The buddy's "I'll be there" / "I can't" (a press on the private page)."""
    resolved, error = resolve_token(request, page, token, tokens.ACCESS)
    if error:
        return error
    private = sub_url(request, page, "participant", token=token)
    if request.method != "POST":
        return HttpResponseRedirect(private + "#arrivals")
    choice = request.POST.get("answer")
    try:
        if choice not in ("yes", "no"):
            raise arrivals.ArrivalError(str(_("Please choose an answer.")))
        arrivals.answer(_number(request.POST.get("arrival")), resolved.participant,
                        _number(request.POST.get("version")), choice == "yes")
    except arrivals.ArrivalError as exc:
        return render(request, page, "participant/arrival.html", status=409, private=True,
                      participant=resolved.participant, form=None, problem=str(exc),
                      private_url=private)
    return HttpResponseRedirect(private + f"?arrival={choice}#arrivals")


@require_http_methods(["GET", "HEAD", "POST"])
def pickup_board_view(request: HttpRequest, page: BuddyProgrammePage,
                      token: str) -> HttpResponse:
    """The intake's open pick-ups: first name, when, where; one press covers one."""
    resolved, error = resolve_token(request, page, token, tokens.ACCESS)
    if error:
        return error
    buddy = resolved.participant
    private = sub_url(request, page, "participant", token=token)
    if not arrivals.may_use_board(buddy):
        return render(request, page, "participant/pickups.html", status=403, private=True,
                      participant=buddy, private_url=private, pickups=[],
                      problem=_("The pick-up board is for the buddies taking part in this "
                                "intake."))
    problem, covered = None, None
    if request.method == "POST":
        try:
            covered = arrivals.cover(_number(request.POST.get("arrival")), buddy,
                                     _number(request.POST.get("version")))
            return HttpResponseRedirect(sub_url(request, page, "pickups", token=token)
                                        + f"?covered={covered.pk}")
        except arrivals.ArrivalError as exc:
            problem = str(exc)
    done = Arrival.objects.filter(pk=_number(request.GET.get("covered")),
                                  covered_by=buddy).select_related("participant").first()
    return render(request, page, "participant/pickups.html", status=409 if problem else 200,
                  private=True, participant=buddy, private_url=private, problem=problem,
                  done=done, pickups=arrivals.board(buddy))
