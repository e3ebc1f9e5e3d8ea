"""The pair's checklist on the private page: what the page shows, and one tick per press.

Thin: the token names the student, ``services.checklist`` decides and writes. A refused
tick (someone else's pair, an ended pair, an unknown task, a second press) answers 409 with
the reason and a way back; a malformed form answers 400; neither changes anything.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ..models import BuddyProgrammePage, Participant
from ..services import checklist, tokens
from .common import render, resolve_token, sub_url

ID_MAX = 2**63 - 1


def checklist_context(request: HttpRequest, page: BuddyProgrammePage,
                      participant: Participant, token: str) -> dict:
    """What ``participant/_checklist.html`` shows on the private page."""
    return {"lists": checklist.for_participant(participant),
            "action": sub_url(request, page, "checklist", token=token),
            "saved": request.GET.get("checklist") == "saved"}


def _id(value: str | None) -> int | None:
    """A positive database id from a form field, or None (never an exception)."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= ID_MAX else None


@require_http_methods(["GET", "HEAD", "POST"])
def checklist_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    """POST ``match``, ``task`` and ``done`` (1: done, 0: not done); GET goes to the page."""
    resolved, error = resolve_token(request, page, token, tokens.ACCESS)
    if error:
        return error
    back = sub_url(request, page, "participant", token=token)
    if request.method != "POST":
        return HttpResponseRedirect(back + "#checklist")
    match_id, task_id = _id(request.POST.get("match")), _id(request.POST.get("task"))
    done = request.POST.get("done", "1")
    if match_id is None or task_id is None or done not in ("0", "1"):
        return _problem(request, page, resolved.participant, back, 400,
                        _("This form was not filled in by the page. Go back to your page "
                          "and press the task's button again."))
    try:
        checklist.tick(resolved.participant, match_id, task_id, done == "1")
    except checklist.ChecklistError as exc:
        return _problem(request, page, resolved.participant, back, 409, str(exc))
    return HttpResponseRedirect(back + "?checklist=saved#checklist")


def _problem(request, page, participant, back: str, status: int, message) -> HttpResponse:
    return render(request, page, "participant/checklist_problem.html", status=status,
                  private=True, participant=participant, message=message, back=back)
