"""What every public view of the programme page shares: rendering with the page's context,
the private-link headers, and resolving a token to its participant.

Pages reached through a token are never cached, never indexed, and never leak the token
through the Referer header.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from ..forms import LinkRequestForm, ParticipantForm
from ..models import BuddyProgrammePage
from ..services import tokens


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


def form_data(request: HttpRequest):
    """The POST data, bound even when empty (``request.POST or None`` would unbind it)."""
    return request.POST if request.method == "POST" else None


def sub_url(request: HttpRequest, page: BuddyProgrammePage, name: str, **kwargs) -> str:
    """A sub-route of the page under the URL the visitor used (their language prefix)."""
    return page.url_as_requested(request) + page.reverse_subpage(name, kwargs=kwargs or None)


def private_links(request: HttpRequest, page: BuddyProgrammePage, token: str) -> dict[str, str]:
    return {name: sub_url(request, page, name, token=token)
            for name in ("participant", "download", "withdraw", "delete")}


def resolve_token(request: HttpRequest, page: BuddyProgrammePage, token: str, purpose: str):
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


def recheck(form: ParticipantForm) -> ParticipantForm:
    """The submitted form against today's choices, saying why it came back."""
    form.is_valid()  # a deleted interest now shows as an error on its field
    form.add_error(None, _("Some choices on this form changed while you filled it in. "
                           "Check them and send the form again."))
    return form
