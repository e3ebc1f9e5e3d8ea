"""The end-of-semester feedback page, reached from the feedback email.

GET only shows the questionnaire (the email's buttons preselect an answer), so a mail
scanner that opens every link answers nothing; POST stores it once. A second, late or
foreign answer gets a clear message (409) and changes nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_http_methods

from ..forms import FeedbackForm, LinkRequestForm
from ..models import BuddyProgrammePage, Feedback
from ..services import feedback as feedback_service
from ..services import tokens
from .common import render, resolve_token, sub_url

PRESELECT = {"met": Feedback.Met.values, "overall": ["1", "2", "3", "4", "5"]}


@require_http_methods(["GET", "HEAD", "POST"])
def feedback_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    resolved, error = resolve_token(request, page, token, tokens.FEEDBACK)
    if error:
        return error
    participant = resolved.participant
    match_id = resolved.extra[0] if resolved.extra and isinstance(resolved.extra[0], int) \
        else None
    row = feedback_service.feedback_for(participant, match_id) if match_id else None
    if row is None:
        return render(request, page, "participant/invalid_link.html", status=404,
                      private=True, expired=False, form=LinkRequestForm())
    problem, thanks = None, request.GET.get("done") == "1" and row.answered_at is not None
    if request.method == "POST":
        form = FeedbackForm(request.POST, role=participant.role)
        if form.is_valid():
            try:
                feedback_service.record(row.pk, participant, **form.cleaned_data)
                return HttpResponseRedirect(sub_url(request, page, "feedback", token=token)
                                            + "?done=1")
            except feedback_service.FeedbackError as exc:
                problem = str(exc)
    else:
        initial = {k: request.GET[k] for k, allowed in PRESELECT.items()
                   if request.GET.get(k) in allowed}
        form = FeedbackForm(initial=initial, role=participant.role)
        if not thanks:
            try:
                feedback_service.check_answerable(row)
            except feedback_service.FeedbackError as exc:
                problem = str(exc)
    return render(request, page, "feedback/form.html", status=409 if problem and
                  request.method == "POST" else 200, private=True, form=form, feedback=row,
                  participant=participant, problem=problem, thanks=thanks,
                  closed=bool(problem and request.method != "POST"),
                  chosen=bool(request.method != "POST" and form.initial),
                  buddy=row.match.mentor if participant.role == "international"
                  else row.match.mentee)
