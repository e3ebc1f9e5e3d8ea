"""The buddy's choosing list on their private page, and the claim it posts ("buddies
choose" and "mixed" modes). Thin: ``services.choosing`` decides everything."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_http_methods

from ..models import BuddyProgrammePage, Participant
from ..services import choosing, tokens
from .common import private_links, render, resolve_token, sub_url


def choosing_context(request: HttpRequest, page: BuddyProgrammePage, participant: Participant,
                     token: str) -> dict | None:
    """The private page's choosing section (None where buddies do not choose)."""
    data = choosing.overview(participant, request.GET.get("choose_page") or 1)
    if data is not None:
        data["action"] = sub_url(request, page, "choose", token=token)
        data["chosen"] = request.GET.get("chosen") == "1"
    return data


@require_http_methods(["POST"])
def choose_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    """Claim one student; a refused claim changes nothing and says why (409)."""
    resolved, error = resolve_token(request, page, token, tokens.ACCESS)
    if error:
        return error
    participant = resolved.participant
    student = request.POST.get("student", "")
    try:
        choosing.claim(participant.pk, int(student) if student.isdigit() else 0)
    except choosing.ChoosingError as exc:
        return render(request, page, "participant/choose_refused.html", status=409,
                      private=True, participant=participant, problem=str(exc),
                      links=private_links(request, page, token))
    return HttpResponseRedirect(sub_url(request, page, "participant", token=token)
                                + "?chosen=1#choosing")
