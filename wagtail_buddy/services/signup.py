"""Sign-up, double opt-in and profile edits: the domain side of the public forms.

A duplicate sign-up (same email, intake and role) never creates a second row and never
tells the visitor anything the owner of the address would not: the response is the same
"check your inbox" page, and the *owner* gets the link they need by email (the
confirmation link while unconfirmed, the private link afterwards), at most once per
quarter of an hour.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from ..forms import ParticipantForm
from ..models import BuddyProgrammePage, Intake, Participant
from ..models.programme import forget_open_intake
from ..models.vocabulary import forget_offered_interests
from .audit import audit
from .bulk import insert_together
from .emails import first_email, queue_email, schedule_send

RESEND_WINDOW = 15 * 60
INACTIVE = (Participant.Status.WITHDRAWN, Participant.Status.ENDED)
EDITABLE = (Participant.Status.UNCONFIRMED, Participant.Status.WAITING)

OPEN, CLOSED, FULL = "open", "closed", "full"
PENDING_PAGE = "__page"  # in a pending sign-up: the id of the page copy it was sent from


@dataclass
class SignupOutcome:
    """``created``, ``duplicate`` (the owner was emailed), ``bot`` (nothing stored), ``full``,
    ``stale`` (the intake or a choice on the form was deleted meanwhile; nothing stored)."""

    kind: str
    participant: Participant | None = None


def intake_is_full(intake: Intake, role: str) -> bool:
    """True when the intake reached the coordinator's cap for ``role`` (withdrawn don't count)."""
    cap = intake.max_locals if role == Participant.Role.LOCAL else intake.max_internationals
    if cap is None:
        return False
    taken = Participant.objects.filter(intake=intake, role=role).exclude(
        status__in=INACTIVE).count()
    return taken >= cap


def signup_state(programme: BuddyProgrammePage, role: str) -> tuple[str, Intake | None]:
    """Whether ``role`` can sign up now on ``programme`` (any translated copy): (OPEN |
    CLOSED | FULL, the current intake)."""
    intake = programme.current_intake
    if intake is None:
        return CLOSED, None
    if not programme.has_privacy_notice:  # nothing to consent to: not open (README)
        return CLOSED, None
    if intake_is_full(intake, role):
        return FULL, intake
    return OPEN, intake


def _resend_key() -> str:
    return f"r{int(time.time() // RESEND_WINDOW)}"


# The opt-in email's links are signed when it is sent (in the worker), not in the request.
CONFIRM_CONTEXT = {"links": ["confirm_url", "private_url"]}


def send_confirmation(participant: Participant, key: str = "0") -> None:
    """Queue the opt-in email (once per ``key``)."""
    queue_email(participant, "confirm", key=key, context=CONFIRM_CONTEXT)


def send_private_link(participant: Participant, key: str | None = None) -> None:
    queue_email(participant, "private_link", key=key or _resend_key(),
                context={"links": ["private_url"]})


def resend_link(participant: Participant) -> None:
    """Email the owner the link that fits their status (rate-limited by the dedup key).

    Withdrawn and ended students get their private link too: their profile is read-only
    then, so the link can only show, download and delete their data (erasure stays within
    reach until retention deletes it)."""
    if participant.status == Participant.Status.UNCONFIRMED:
        send_confirmation(participant, key=_resend_key())
    else:
        send_private_link(participant)


def _fill(participant: Participant, form) -> Participant:
    """The form's answers, and the consent to the texts it showed (the copy's language)."""
    now = timezone.now()
    construct_instance(form, participant)
    participant.extra_answers = form.extra_answers()
    terms = form.consent_terms()
    participant.consent_at = now
    participant.consent_version = terms.version
    participant.consent_language = terms.language
    participant.consent_revision = terms.revision_id
    participant.charter_accepted_at = now if "charter" in form.fields else None
    if "tell_next_intake" in form.fields:  # a local buddy's "email me next semester"
        participant.rejoin_asked_at = now if form.cleaned_data.get("tell_next_intake") else None
    return participant


def _save_m2m(participant: Participant, form, *, new: bool = False) -> None:
    if not new:
        participant.languages.set(_chosen(form, "languages"))
        participant.interests.set(_chosen(form, "interests"))
        return
    # A brand-new row has no links yet: inserts instead of read-then-write.
    insert_together(_new_links(participant, form))


def _chosen(form, name: str) -> list:
    # ISO codes (the Language pk) and Interest ids, each once however often it was sent
    return list(dict.fromkeys(form.cleaned_data.get(name) or []))


def _new_links(participant: Participant, form) -> list:
    """The unsaved language and interest rows of a brand-new participant."""
    Languages, Interests = Participant.languages.through, Participant.interests.through
    return [*(Languages(participant_id=participant.pk, language_id=code)
              for code in _chosen(form, "languages")),
            *(Interests(participant_id=participant.pk, interest_id=pk)
              for pk in _chosen(form, "interests"))]


def register(programme: BuddyProgrammePage, intake: Intake, role: str, form) -> SignupOutcome:
    """Store a valid sign-up form as an unconfirmed participant and email the opt-in link.

    A new address, the common case, is one transaction of inserts with nothing read first:
    the unique index on (email, intake, role) is what finds a duplicate, also between two
    concurrent requests.
    """
    if form.is_bot:
        return SignupOutcome("bot")
    email = form.cleaned_data["email"]
    if intake_is_full(intake, role):
        existing = Participant.objects.registered(intake, role, email).first()
        if existing is None:
            return SignupOutcome("full")
    else:
        try:
            with transaction.atomic():
                participant = _fill(Participant(intake=intake, role=role), form)
                participant.save()
                # Languages, interests and the opt-in email: one round trip on PostgreSQL.
                opt_in = first_email(participant, "confirm", key="0", context=CONFIRM_CONTEXT)
                insert_together([*_new_links(participant, form), opt_in])
                schedule_send([opt_in])
            return SignupOutcome("created", participant)
        except IntegrityError:  # this address signed up before (maybe a moment ago)
            existing = Participant.objects.registered(intake, role, email).first()
            if existing is None:  # not a duplicate: the intake or an interest is gone
                forget_offered_interests()
                forget_open_intake(instance=intake)
                return SignupOutcome("stale")
    if existing.status != Participant.Status.WITHDRAWN:
        resend_link(existing)
        return SignupOutcome("duplicate", existing)
    return _register_again(existing, form, programme)


def _register_again(participant: Participant, form, programme: BuddyProgrammePage) -> SignupOutcome:
    """Came back after withdrawing: the new answers wait, unapplied, for the owner to confirm.

    Anyone can type a withdrawn student's address into the form; until the owner presses the
    button in the confirmation email the row (name, phone, consent, status) stays as it was,
    so neither the answers nor the purge of unconfirmed sign-ups touch it.
    """
    pending = {key: form.data.getlist(key) for key in form.data
               if key != "csrfmiddlewaretoken"}
    pending[PENDING_PAGE] = [str(form.programme.pk)]  # the copy whose texts they accepted
    with transaction.atomic():
        Participant.objects.filter(pk=participant.pk).update(pending_signup=pending)
        participant.pending_signup = pending
        send_confirmation(participant, key=f"again{int(time.time())}")
    return SignupOutcome("created", participant)


def awaits_confirmation(participant: Participant) -> bool:
    """Does pressing the confirmation button do something for this participant?"""
    return participant.status == Participant.Status.UNCONFIRMED or (
        participant.status == Participant.Status.WITHDRAWN and bool(participant.pending_signup))


def _apply_pending(participant: Participant) -> bool:
    """The owner confirmed their new sign-up: apply it (still valid?) and wait for a buddy."""
    programme = participant.intake.programme
    shown_on = (participant.pending_signup.get(PENDING_PAGE) or [""])[0]
    if shown_on.isdigit():  # the translated copy they signed up on, if it still exists
        programme = BuddyProgrammePage.objects.filter(
            pk=int(shown_on), translation_key=programme.translation_key).first() or programme
    form = ParticipantForm(MultiValueDict(participant.pending_signup), programme=programme,
                           role=participant.role)
    now = timezone.now()
    with transaction.atomic():
        locked = Participant.objects.select_for_update().filter(
            pk=participant.pk, status=Participant.Status.WITHDRAWN,
            pending_signup__isnull=False).first()
        if locked is None:
            return False
        if form.is_valid() and not form.is_bot:
            _fill(locked, form)
            locked.save()
            _save_m2m(locked, form)
        locked.status, locked.confirmed_at = Participant.Status.WAITING, now
        locked.withdrawn_at = locked.reminder_sent_at = locked.pending_signup = None
        locked.save()
    participant.refresh_from_db()
    return True


def request_link(intake: Intake | None, email: str, role: str) -> None:
    """'I lost my link': email it if that address signed up; say nothing either way."""
    if intake is None:
        return
    participant = Participant.objects.registered(intake, role, email).first()
    if participant is not None:
        resend_link(participant)


def confirm(participant: Participant) -> bool:
    """Double opt-in: unconfirmed -> waiting (or a withdrawn student's pending sign-up
    applied). Idempotent; True when this call confirmed."""
    if participant.status == Participant.Status.WITHDRAWN:
        return bool(participant.pending_signup) and _apply_pending(participant)
    now = timezone.now()
    done = Participant.objects.filter(
        pk=participant.pk, status=Participant.Status.UNCONFIRMED
    ).update(status=Participant.Status.WAITING, confirmed_at=now, updated_at=now)
    if done:
        participant.status, participant.confirmed_at = Participant.Status.WAITING, now
    return bool(done)


def confirm_emails(participants: Sequence[Participant], user) -> int:
    """Confirm unconfirmed sign-ups by hand (a student lost the email): they start waiting."""
    targets = [p for p in participants if p.status == Participant.Status.UNCONFIRMED]
    if not targets:
        return 0
    now = timezone.now()
    with transaction.atomic():
        Participant.objects.filter(pk__in=[p.pk for p in targets],
                                   status=Participant.Status.UNCONFIRMED).update(
            status=Participant.Status.WAITING, confirmed_at=now, updated_at=now)
        audit(targets, "wagtail_buddy.participant_confirm_email", user)
    return len(targets)


def can_edit(participant: Participant) -> bool:
    return participant.status in EDITABLE


class StaleChoices(Exception):
    """A choice on the submitted form (an interest) was deleted while it was filled in."""


def update_profile(participant: Participant, form) -> Participant:
    """Save an edit made through the private link (only while not yet matched)."""
    if not can_edit(participant):
        raise PermissionError("profile is locked once a match is proposed")
    try:
        with transaction.atomic():
            participant = form.save(commit=False)
            participant.extra_answers = {**(participant.extra_answers or {}),
                                         **form.extra_answers()}
            participant.save()
            _save_m2m(participant, form)
    except IntegrityError as error:
        forget_offered_interests()
        raise StaleChoices from error
    return participant
