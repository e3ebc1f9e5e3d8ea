"""Public views of the programme page's sub-routes (sign-up, opt-in, private link, check-in).

Thin on purpose: each parses the request, calls ``services``, and renders a template under
``wagtail_buddy/``. Pages reached through a token are never cached, never indexed, and
never leak the token through the Referer header.
"""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from .. import ratelimit
from ..forms import CheckInForm, InvitationForm, LinkRequestForm, ParticipantForm, RejoinForm
from ..models import BuddyProgrammePage, CheckIn, Participant
from ..services import (
    answers,
    checkins,
    invitations,
    lifecycle,
    participant_data,
    rejoin,
    shortage,
    signup,
    tokens,
)

ROLES = {Participant.Role.LOCAL, Participant.Role.INTERNATIONAL}


def render(request: HttpRequest, page: BuddyProgrammePage, template: str, *,
           status: int = 200, private: bool = False, **context) -> TemplateResponse:
    """Render a sub-page with the programme page's context (base template, intake...)."""
    full = page.get_context(request)
    full.update(context, private=private)
    response = TemplateResponse(request, f"wagtail_buddy/{template}", full, status=status)
    if private:
        response["Cache-Control"] = "no-store, private"
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _data(request: HttpRequest):
    """The POST data, bound even when empty (``request.POST or None`` would unbind it)."""
    return request.POST if request.method == "POST" else None


def sub_url(request: HttpRequest, page: BuddyProgrammePage, name: str, **kwargs) -> str:
    """A sub-route of the page under the URL the visitor used (their language prefix)."""
    return page.url_as_requested(request) + page.reverse_subpage(name, kwargs=kwargs or None)


def _links(request: HttpRequest, page: BuddyProgrammePage, token: str) -> dict[str, str]:
    return {name: sub_url(request, page, name, token=token)
            for name in ("participant", "download", "withdraw", "delete")}


def _resolve(request: HttpRequest, page: BuddyProgrammePage, token: str, purpose: str):
    """The participant of a token, or an 'invalid link' response (404 / 410 when expired)."""
    try:
        resolved = tokens.resolve(token, purpose)
    except tokens.TokenExpired:
        return None, render(request, page, "participant/invalid_link.html", status=410,
                            private=True, expired=True, form=LinkRequestForm())
    except tokens.TokenError:
        return None, render(request, page, "participant/invalid_link.html", status=404,
                            private=True, expired=False, form=LinkRequestForm())
    # A link works on every translated copy of its own programme, and nowhere else.
    if resolved.participant.intake.programme_id != page.canonical.pk:
        return None, render(request, page, "participant/invalid_link.html", status=404,
                            private=True, expired=False, form=LinkRequestForm())
    return resolved, None


# --- sign-up ---------------------------------------------------------------------------


def signup_entries(page: BuddyProgrammePage, base: str) -> dict:
    """The programme page's two sign-up entries (state, intake, URL per role) and the open
    intake; the states are read once per page object."""
    if not getattr(page, "_signup_entries", None):
        entries = {}
        for role in ("local", "international"):
            state, intake = signup.signup_state(page, role)
            entries[role] = {"state": state, "intake": intake, "role": role}
        page._signup_entries = entries
    for role, entry in page._signup_entries.items():
        entry["url"] = base + page.reverse_subpage("signup", kwargs={"role": role})
    return {"signup_entries": page._signup_entries,
            "intake": page._signup_entries["local"]["intake"]}


@require_http_methods(["GET", "HEAD", "POST"])
def signup_view(request: HttpRequest, page: BuddyProgrammePage, role: str) -> HttpResponse:
    if role not in ROLES:
        raise Http404
    state, intake = signup.signup_state(page, role)
    if state != signup.OPEN:
        return render(request, page, "signup/closed.html", role=role, state=state)
    form = ParticipantForm(_data(request), programme=page, role=role)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit(request, "signup"):
            form.add_error(None, _("Too many sign-ups from your network in the last hour. "
                                   "Please try again later: nothing you typed is lost."))
            return render(request, page, "signup/form.html", status=429, form=form, role=role)
        outcome = signup.register(page.canonical, intake, role, form)
        if outcome.kind == "full":
            return render(request, page, "signup/closed.html", role=role, state=signup.FULL)
        if outcome.kind == "stale":
            form = _recheck(ParticipantForm(request.POST, programme=page, role=role))
            return render(request, page, "signup/form.html", form=form, role=role)
        return HttpResponseRedirect(sub_url(request, page, "sent") + f"?role={role}")
    return render(request, page, "signup/form.html", form=form, role=role)


def _recheck(form: ParticipantForm) -> ParticipantForm:
    """The submitted form against today's choices, saying why it came back."""
    form.is_valid()  # a deleted interest now shows as an error on its field
    form.add_error(None, _("Some choices on this form changed while you filled it in. "
                           "Check them and send the form again."))
    return form


def sent_view(request: HttpRequest, page: BuddyProgrammePage) -> HttpResponse:
    """'Check your inbox': the same page for new, duplicate and bot sign-ups (no leak). The
    form's role (in the query) picks what the reader commits to; it reveals nothing."""
    role = request.GET.get("role")
    return render(request, page, "signup/sent.html", role=role if role in ROLES else None)


@require_http_methods(["GET", "HEAD", "POST"])
def request_link_view(request: HttpRequest, page: BuddyProgrammePage) -> HttpResponse:
    """'I lost my link': emails the private (or confirmation) link to a registered address."""
    form = LinkRequestForm(_data(request))
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit(request, "resend"):
            form.add_error(None, _("Too many requests from your network in the last hour. "
                                   "Please try again later."))
            return render(request, page, "signup/request_link.html", status=429, form=form)
        if not form.cleaned_data.get("website"):
            signup.request_link(page.current_intake or _latest_intake(page),
                                form.cleaned_data["email"], form.cleaned_data["role"])
        return HttpResponseRedirect(sub_url(request, page, "sent"))
    return render(request, page, "signup/request_link.html", form=form)


def _latest_intake(page: BuddyProgrammePage):
    return page.canonical.intakes.order_by("-starts_on", "-pk").first()


# --- double opt-in -----------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def confirm_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    """Double opt-in. Opening the link shows a button and changes nothing: mail scanners open
    every link of an email, and only a press of the button shows that a person reads it."""
    resolved, error = _resolve(request, page, token, tokens.CONFIRM)
    if error:
        return error
    participant = resolved.participant
    if request.method != "POST" and signup.awaits_confirmation(participant):
        return render(request, page, "signup/confirm.html", private=True,
                      participant=participant)
    just_confirmed = request.method == "POST" and signup.confirm(participant)
    return render(request, page, "signup/confirmed.html", private=True,
                  participant=participant, just_confirmed=just_confirmed,
                  private_url=sub_url(request, page, "participant",
                                      token=tokens.make_token(participant, tokens.ACCESS)))


# --- an imported person's invitation ----------------------------------------------------


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
        accepted = invitations.accept(participant, form)
        return render(request, page, "signup/confirmed.html", private=True,
                      participant=participant, just_confirmed=accepted,
                      private_url=private_url)
    return render(request, page, "signup/invitation.html", private=True, form=form,
                  participant=participant, role=participant.role)


# --- a past buddy joins a new intake -----------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def rejoin_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    """"Join again": the new intake's form with the buddy's profile; one press signs up."""
    resolved, error = _resolve(request, page, token, tokens.REJOIN)
    if error:
        return error
    past = resolved.participant
    state, intake = signup.signup_state(page, Participant.Role.LOCAL)
    if state != signup.OPEN or intake.pk != (resolved.extra or [None])[0]:
        return render(request, page, "signup/closed.html", role=Participant.Role.LOCAL,
                      state=state if state != signup.OPEN else signup.CLOSED)
    existing = rejoin.joined(past, intake)
    if existing is None:
        form = RejoinForm(_data(request), programme=page, past=past,
                          initial={"capacity": past.capacity})
        if request.method != "POST" or not form.is_valid():
            return render(request, page, "signup/rejoin.html", private=True, form=form,
                          participant=past, intake=intake, role=Participant.Role.LOCAL)
        existing, created = rejoin.join_again(past, intake, form)
    else:
        created = False
    return render(request, page, "signup/confirmed.html", private=True, participant=existing,
                  just_confirmed=created, private_url=sub_url(
                      request, page, "participant",
                      token=tokens.make_token(existing, tokens.ACCESS)))


# --- the private link --------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def participant_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    resolved, error = _resolve(request, page, token, tokens.ACCESS)
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
        form = ParticipantForm(_data(request), instance=participant, programme=page,
                               role=participant.role, signup=False)
        if request.method == "POST" and form.is_valid():
            try:
                signup.update_profile(participant, form)
                return HttpResponseRedirect(
                    sub_url(request, page, "participant", token=token) + "?saved=1#profile")
            except signup.StaleChoices:
                participant.refresh_from_db()
                form = _recheck(ParticipantForm(request.POST, instance=participant,
                                                programme=page, role=participant.role,
                                                signup=False))
    elif request.method == "POST":
        return render(request, page, "participant/detail.html", status=409, private=True,
                      participant=participant, token=token, form=None, locked=True,
                      buddies=participant_data.buddies(participant),
                      links=_links(request, page, token))
    question = answers.awaiting_answer(participant)
    return render(request, page, "participant/detail.html", private=True, participant=participant,
                  answer_url=sub_url(request, page, "answer", token=tokens.make_token(
                      participant, tokens.ANSWER, question.pk)) if question else None,
                  token=token, form=form, saved=saved, just_confirmed=just_confirmed,
                  one_more=shortage.was_asked(participant),
                  buddies=participant_data.buddies(participant), links=_links(request, page, token))


@require_http_methods(["GET", "HEAD"])
def download_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    resolved, error = _resolve(request, page, token, tokens.ACCESS)
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
    resolved, error = _resolve(request, page, token, tokens.ACCESS)
    if error:
        return error
    participant = resolved.participant
    if request.method == "POST":
        if lifecycle.withdraw([participant]):  # every old link is revoked: hand out a new one
            token = tokens.make_token(participant, tokens.ACCESS)
        return render(request, page, "participant/done.html", private=True, action="withdrawn",
                      participant=participant, links=_links(request, page, token))
    return render(request, page, "participant/confirm_action.html", private=True,
                  participant=participant, action="withdraw", links=_links(request, page, token))


@require_http_methods(["GET", "HEAD", "POST"])
def delete_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    resolved, error = _resolve(request, page, token, tokens.ACCESS)
    if error:
        return error
    participant = resolved.participant
    if request.method == "POST":
        lifecycle.erase([participant])
        return render(request, page, "participant/done.html", private=True, action="deleted")
    return render(request, page, "participant/confirm_action.html", private=True,
                  participant=participant, action="delete", links=_links(request, page, token))


# --- follow-up -----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def checkin_view(request: HttpRequest, page: BuddyProgrammePage, token: str) -> HttpResponse:
    """The email's answer links open this page with that answer chosen; it is stored when the
    student sends the form, so a mail scanner that follows every link answers nothing."""
    resolved, error = _resolve(request, page, token, tokens.CHECKIN)
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
    resolved, error = _resolve(request, page, token, tokens.ANSWER)
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
