"""Rendering one outbox email: template context, private links, subject and bodies.

Kept apart from the outbox (``emails``), which decides when and whether a row is sent; this
module only turns a row into a message, when it is sent or for a coordinator's preview. The
row's ``context`` holds ids, not objects, so nothing personal is duplicated in the outbox:
``build_context`` turns it into template context (the participant, their programme, the
referenced rows) and signs the private links it names, at send time rather than in the
sign-up request. Templates live under ``wagtail_buddy/emails/<purpose>_subject.txt``,
``<purpose>.txt`` and, optionally, ``<purpose>.html``; they are rendered in the
participant's preferred language.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

from ..catalogues import base_code, written_language
from ..conf import buddy_settings
from ..models import Arrival, Match, OutboundEmail, Participant
from . import checklist, reasons, tokens
from .plaintext import render_text


def build_context(email: OutboundEmail) -> dict:
    """Template context for ``email``: the participant, their programme, and referenced rows."""
    participant = email.participant
    programme = participant.intake.programme
    context = {
        "participant": participant,
        "programme": programme,
        "intake": participant.intake,
        "site_url": getattr(settings, "WAGTAILADMIN_BASE_URL", "").rstrip("/"),
        **{k: v for k, v in email.context.items() if not k.endswith("_id") and k != "links"},
    }
    if email.context.get("links"):
        context.update(_links(participant, email.context["links"]))
    if "rejoin_url" in email.context.get("links", ()):
        context["rejoin_url"] = tokens.rejoin_url(participant, email.context["intake_id"])
    if "match_id" in email.context:
        match = Match.objects.select_related("mentee", "mentor").filter(
            pk=email.context["match_id"]).first()
        context["match"] = match
        if match:
            context["buddy"] = match.mentor if participant.pk == match.mentee_id else match.mentee
        if match and email.context.get("shared"):  # named at render time, in their language
            context["shared"] = partial(reasons.shared_words, participant, context["buddy"])
        if match and "answer_url" in email.context.get("links", ()):
            context["answer_url"] = tokens.answer_url(participant, match.pk)
    if "arrival_id" in email.context:  # pick-up emails: the arrival and who covers it
        context["arrival"] = Arrival.objects.select_related("participant").filter(
            pk=email.context["arrival_id"]).first()
        context["coverer"] = Participant.objects.filter(
            pk=email.context.get("coverer_id") or 0).first()
        if "buddy_id" in email.context:  # the buddy who answered "I can't"
            context["buddy"] = Participant.objects.filter(pk=email.context["buddy_id"]).first()
    return context


def _links(participant: Participant, names: Iterable[str]) -> dict[str, str]:
    """Private links named in the context, signed at send time (keeps the request cheap)."""
    builders = {"confirm_url": tokens.confirmation_url, "private_url": tokens.private_url,
                "invite_url": tokens.invitation_url}
    return {name: builders[name](participant) for name in names if name in builders}


def render_email(email: OutboundEmail) -> EmailMultiAlternatives:
    """Render ``email`` in the participant's language, or the programme's default one when
    the app has no catalogue for theirs (see ``catalogues``; the email says so).

    Subject and text body are plain text (``plaintext.render_text``: not HTML-escaped, not
    marked safe); only the HTML alternative is rendered with HTML escaping.
    """
    participant = email.participant
    context = build_context(email)
    base = f"wagtail_buddy/emails/{email.purpose}"
    wanted = participant.preferred_language or settings.LANGUAGE_CODE
    language = written_language(wanted, context["programme"].default_language)
    context["email_language"] = language
    context["missing_language"] = wanted if base_code(wanted) != base_code(language) else None
    if email.purpose == "checkin" and context.get("match"):  # the tasks still open, named
        context["open_tasks"] = checklist.open_tasks(context["match"], language)  # at send time
    with translation.override(language):
        subject = " ".join(render_text(f"{base}_subject.txt", context).split())
        text = render_text(f"{base}.txt", context)
        try:
            html = render_to_string(f"{base}.html", context)
        except TemplateDoesNotExist:
            html = None
    programme = context["programme"]
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=buddy_settings.FROM_EMAIL or settings.DEFAULT_FROM_EMAIL,
        to=[participant.email],
        reply_to=[programme.contact_email] if programme.contact_email else None,
        headers={"X-Buddy-Purpose": email.purpose},
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message
