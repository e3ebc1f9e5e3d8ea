"""The invitation page an imported person opens from their email (thin: see
``services.invitations``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from ..forms import InvitationForm
from ..models import BuddyProgrammePage
from ..services import invitations, tokens
from .public import _data, _resolve, render, sub_url


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    """Opening the link changes nothing (mail scanners open links); the form's press does."""
    resolved, error = _resolve(request, page, token, tokens.INVITE)
    if error:
        return error
    participant = resolved.participant
    private_url = sub_url(request, page, "participant",
                          token=tokens.make_token(participant, tokens.ACCESS))
    if not invitations.awaits_acceptance(participant):  # accepted before: say so, change nothing
        return render(request, page, "signup/confirmed.html", private=True,
                      participant=participant, just_confirmed=False, private_url=private_url)
    form = InvitationForm(_data(request), instance=participant, programme=page,
                          role=participant.role)
    if request.method == "POST" and form.is_valid():
        accepted = invitations.accept(participant, form, page.canonical)
        return render(request, page, "signup/confirmed.html", private=True,
                      participant=participant, just_confirmed=accepted,
                      private_url=private_url)
    return render(request, page, "signup/invitation.html", private=True, form=form,
                  participant=participant, role=participant.role)
