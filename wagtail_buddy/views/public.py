"""Public views of the programme page's sub-routes: sign-up, opt-in, invitations and
rejoining; the private link's views live in ``views.private`` and are reached through here.

Thin on purpose: each parses the request, calls ``services``, and renders a template under
``wagtail_buddy/``.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from .. import ratelimit
from ..forms import InvitationForm, LinkRequestForm, ParticipantForm, RejoinForm
from ..models import BuddyProgrammePage, Participant
from ..services import invitations, rejoin, signup, tokens

# The views of the private link and its sections: every route reaches them through here.
from .arrivals import arrival_view, pickup_answer_view, pickup_board_view  # noqa: F401
from .certificate import certificate_pdf_view, certificate_view  # noqa: F401
from .checklist import checklist_view  # noqa: F401
from .choosing import choose_view  # noqa: F401
from .common import form_data, recheck, render, resolve_token, sub_url
from .feedback import feedback_view  # noqa: F401
from .private import (  # noqa: F401
    answer_view,
    checkin_view,
    delete_view,
    download_view,
    participant_view,
    withdraw_view,
)

ROLES = {Participant.Role.LOCAL, Participant.Role.INTERNATIONAL}


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
    form = ParticipantForm(form_data(request), programme=page, role=role)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit(request, "signup"):
            form.add_error(None, _("Too many sign-ups from your network in the last hour. "
                                   "Please try again later: nothing you typed is lost."))
            return render(request, page, "signup/form.html", status=429, form=form, role=role)
        outcome = signup.register(page.canonical, intake, role, form)
        if outcome.kind == "full":
            return render(request, page, "signup/closed.html", role=role, state=signup.FULL)
        if outcome.kind == "stale":
            form = recheck(ParticipantForm(request.POST, programme=page, role=role))
            return render(request, page, "signup/form.html", form=form, role=role)
        return HttpResponseRedirect(sub_url(request, page, "sent") + f"?role={role}")
    return render(request, page, "signup/form.html", form=form, role=role)


def sent_view(request: HttpRequest, page: BuddyProgrammePage) -> HttpResponse:
    """'Check your inbox': the same page for new, duplicate and bot sign-ups (no leak). The
    form's role (in the query) picks what the reader commits to; it reveals nothing."""
    role = request.GET.get("role")
    return render(request, page, "signup/sent.html", role=role if role in ROLES else None)


@require_http_methods(["GET", "HEAD", "POST"])
def request_link_view(request: HttpRequest, page: BuddyProgrammePage) -> HttpResponse:
    """'I lost my link': emails the private (or confirmation) link to a registered address."""
    form = LinkRequestForm(form_data(request))
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
    resolved, error = resolve_token(request, page, token, tokens.CONFIRM)
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
    resolved, error = resolve_token(request, page, token, tokens.INVITE)
    if error:
        return error
    participant = resolved.participant
    private_url = sub_url(request, page, "participant",
                          token=tokens.make_token(participant, tokens.ACCESS))
    if not invitations.awaits_acceptance(participant):  # accepted before: say so, change nothing
        return render(request, page, "signup/confirmed.html", private=True,
                      participant=participant, just_confirmed=False, private_url=private_url)
    form = InvitationForm(form_data(request), instance=participant, programme=page,
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
    resolved, error = resolve_token(request, page, token, tokens.REJOIN)
    if error:
        return error
    past = resolved.participant
    state, intake = signup.signup_state(page, Participant.Role.LOCAL)
    if state != signup.OPEN or intake.pk != (resolved.extra or [None])[0]:
        return render(request, page, "signup/closed.html", role=Participant.Role.LOCAL,
                      state=state if state != signup.OPEN else signup.CLOSED)
    existing = rejoin.joined(past, intake)
    if existing is None:
        form = RejoinForm(form_data(request), programme=page, past=past)
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
