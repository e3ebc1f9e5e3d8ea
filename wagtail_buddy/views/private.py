"""The private link's views: a participant's own page, their data, withdrawal, erasure,
check-in answers and proposal answers. Thin: each resolves the token, calls ``services``
and renders a template under ``wagtail_buddy/``.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ..forms import CheckInForm, LinkRequestForm, ParticipantForm
from ..models import BuddyProgrammePage, CheckIn, Participant
from ..services import (
    answers,
    checkins,
    lifecycle,
    participant_data,
    rejoin,
    shortage,
    signup,
    tokens,
)
from . import certificate
from .arrivals import section as arrivals_section
from .checklist import checklist_context
from .choosing import choosing_context
from .common import form_data, private_links, recheck, render, resolve_token, sub_url

# --- the private link --------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def participant_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    resolved, error = resolve_token(request, page, token, tokens.ACCESS)
    if error:
        return error
    participant = resolved.participant
    if request.method == "POST":  # sent by a person from the page: it proves the address
        confirmed_now = signup.confirm(participant)
        if request.POST.get("action") == "one_more":  # "can you take one more?": yes
            shortage.accept_one_more(participant)
            return HttpResponseRedirect(sub_url(request, page, "participant", token=token))
        if request.POST.get("action") in ("rejoin_ask", "rejoin_stop"):  # next intake
            rejoin.set_asked(participant, request.POST["action"] == "rejoin_ask")
            return HttpResponseRedirect(sub_url(request, page, "participant", token=token))
        if request.POST.get("action") == "confirm":
            return HttpResponseRedirect(sub_url(request, page, "participant", token=token)
                                        + ("?confirmed=1" if confirmed_now else ""))
    just_confirmed = (request.GET.get("confirmed") == "1"
                      and participant.status == Participant.Status.WAITING)
    editable = signup.can_edit(participant)
    form = None
    saved = request.GET.get("saved") == "1"
    if editable:
        form = ParticipantForm(form_data(request), instance=participant, programme=page,
                               role=participant.role, signup=False)
        if request.method == "POST" and form.is_valid():
            try:
                signup.update_profile(participant, form)
                return HttpResponseRedirect(
                    sub_url(request, page, "participant", token=token) + "?saved=1#profile")
            except signup.StaleChoices:
                participant.refresh_from_db()
                form = recheck(ParticipantForm(request.POST, instance=participant,
                                               programme=page, role=participant.role,
                                               signup=False))
    elif request.method == "POST":
        return render(request, page, "participant/detail.html", status=409, private=True,
                      participant=participant, token=token, form=None, locked=True,
                      buddies=participant_data.buddies(participant),
                      links=private_links(request, page, token))
    question = answers.awaiting_answer(participant)
    return render(request, page, "participant/detail.html", private=True, participant=participant,
                  answer_url=sub_url(request, page, "answer", token=tokens.make_token(
                      participant, tokens.ANSWER, question.pk)) if question else None,
                  token=token, form=form, saved=saved, just_confirmed=just_confirmed,
                  one_more=shortage.was_asked(participant),
                  certificate=certificate.offer(request, page, token, participant),
                  checklist=checklist_context(request, page, participant, token),
                  buddies=participant_data.buddies(participant),
                  arrival=arrivals_section(request, page, participant, token),
                  choosing=choosing_context(request, page, participant, token),
                  links=private_links(request, page, token))


@require_http_methods(["GET", "HEAD"])
def download_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    resolved, error = resolve_token(request, page, token, tokens.ACCESS)
    if error:
        return error
    data = participant_data.export_data(resolved.participant)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="buddy-data.json"'
    response["Cache-Control"] = "no-store, private"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def withdraw_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    resolved, error = resolve_token(request, page, token, tokens.ACCESS)
    if error:
        return error
    participant = resolved.participant
    if request.method == "POST":
        if lifecycle.withdraw([participant]):  # every old link is revoked: hand out a new one
            token = tokens.make_token(participant, tokens.ACCESS)
        return render(request, page, "participant/done.html", private=True, action="withdrawn",
                      participant=participant, links=private_links(request, page, token))
    return render(request, page, "participant/confirm_action.html", private=True,
                  participant=participant, action="withdraw",
                  links=private_links(request, page, token))


@require_http_methods(["GET", "HEAD", "POST"])
def delete_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    resolved, error = resolve_token(request, page, token, tokens.ACCESS)
    if error:
        return error
    participant = resolved.participant
    if request.method == "POST":
        lifecycle.erase([participant])
        return render(request, page, "participant/done.html", private=True, action="deleted")
    return render(request, page, "participant/confirm_action.html", private=True,
                  participant=participant, action="delete",
                  links=private_links(request, page, token))


# --- follow-up -----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def checkin_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    """The email's answer links open this page with that answer chosen; it is stored when the
    student sends the form, so a mail scanner that follows every link answers nothing."""
    resolved, error = resolve_token(request, page, token, tokens.CHECKIN)
    if error:
        return error
    match_id = resolved.extra[0] if resolved.extra and isinstance(resolved.extra[0], int) \
        else None
    checkin = checkins.checkin_for(resolved.participant, match_id) if match_id else None
    if checkin is None:
        return render(request, page, "participant/invalid_link.html", status=404,
                      private=True, expired=False, form=LinkRequestForm())
    thanks, chosen = False, None
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            checkins.record_answer(checkin, form.cleaned_data["answer"],
                                   form.cleaned_data.get("rating"),
                                   form.cleaned_data.get("comment") or "")
            thanks = True
    else:
        answer = request.GET.get("answer")
        chosen = answer if answer in CheckIn.Answer.values else None
        initial = {"answer": chosen or checkin.answer or None, "rating": checkin.rating,
                   "comment": checkin.comment}
        form = CheckInForm(initial=initial)
    return render(request, page, "checkin/form.html", private=True, form=form, checkin=checkin,
                  participant=resolved.participant, thanks=thanks, chosen=chosen)


@require_http_methods(["GET", "HEAD", "POST"])
def answer_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    """Accept or decline a proposal ("both accept" mode). GET only shows it, so a mail
    scanner following the link answers nothing; a refused answer changes nothing (409)."""
    resolved, error = resolve_token(request, page, token, tokens.ANSWER)
    if error:
        return error
    participant = resolved.participant
    match_id = resolved.extra[0] if resolved.extra and isinstance(resolved.extra[0], int) \
        else None
    match = answers.proposal_for(participant, match_id)
    done, problem = request.GET.get("done"), None
    if request.method == "POST":
        choice = request.POST.get("answer")
        if choice in ("accept", "decline"):
            try:
                answers.answer(match_id or 0, participant, choice == "accept",
                               request.POST.get("reason", ""))
                return HttpResponseRedirect(sub_url(request, page, "answer", token=token)
                                            + f"?done={choice}")
            except answers.AnswerError as exc:
                problem = str(exc)
        else:
            problem = str(_("Please choose to accept or decline."))
    elif match is not None and done not in ("accept", "decline"):
        try:
            answers.check_answerable(match, participant)
        except answers.AnswerError as exc:
            problem = str(exc)
    return render(request, page, "participant/answer.html", status=409 if problem and
                  request.method == "POST" else 200, private=True, participant=participant,
                  match=match, other=answers.other_profile(match, participant) if match else None,
                  problem=problem, done=done if done in ("accept", "decline") else None,
                  private_url=sub_url(request, page, "participant",
                                      token=tokens.make_token(participant, tokens.ACCESS)))
