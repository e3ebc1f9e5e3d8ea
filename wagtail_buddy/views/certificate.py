"""The buddy certificate from the private page: a printable page, and a PDF when the
``pdf`` extra is installed. A buddy whose pair did not meet gets a message instead."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils import translation
from django.views.decorators.http import require_http_methods

from ..models import BuddyProgrammePage, Participant
from ..services import certificate as certificate_service
from ..services import tokens
from .common import private_links, render, resolve_token, sub_url


def offer(request: HttpRequest, page: BuddyProgrammePage, token: str,
          participant: Participant) -> dict | None:
    """What the private page's certificate box shows (None: nothing, not a buddy)."""
    if participant.role != Participant.Role.LOCAL:
        return None
    students = certificate_service.students_welcomed(participant)
    if not students and participant.status != Participant.Status.MATCHED:
        return None  # nothing to say before a pair is made
    return {"students": students,
            "url": sub_url(request, page, "certificate", token=token),
            "pdf_url": sub_url(request, page, "certificate_pdf", token=token)
            if certificate_service.pdf_available() else None}


@require_http_methods(["GET", "HEAD"])
def certificate_view(request: HttpRequest, page: BuddyProgrammePage, token: str
                     ) -> HttpResponse:
    """The certificate as a printable page, in the buddy's language."""
    resolved, error = resolve_token(request, page, token, tokens.ACCESS)
    if error:
        return error
    participant = resolved.participant
    certificate = certificate_service.for_participant(participant)
    links = private_links(request, page, token)
    if certificate is None:
        return render(request, page, "certificate/page.html", status=403, private=True,
                      participant=participant, certificate=None, links=links)
    with translation.override(certificate.language):
        sheet = render_to_string("wagtail_buddy/certificate/_sheet.html",
                                 {"lines": certificate.lines(), "certificate": certificate})
    certificate_service.record_download(participant, "html")
    return render(request, page, "certificate/page.html", private=True,
                  participant=participant, certificate=certificate, sheet=sheet, links=links,
                  pdf_url=sub_url(request, page, "certificate_pdf", token=token)
                  if certificate_service.pdf_available() else None)


@require_http_methods(["GET", "HEAD"])
def certificate_pdf_view(request: HttpRequest, page: BuddyProgrammePage, token: str
                         ) -> HttpResponse:
    """The same certificate as a PDF; without the ``pdf`` extra, the printable page."""
    resolved, error = resolve_token(request, page, token, tokens.ACCESS)
    if error:
        return error
    participant = resolved.participant
    certificate = certificate_service.for_participant(participant)
    if certificate is None or not certificate_service.pdf_available():
        return HttpResponseRedirect(sub_url(request, page, "certificate", token=token))
    response = HttpResponse(certificate_service.render_pdf(certificate),
                            content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="buddy-certificate.pdf"'
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    certificate_service.record_download(participant, "pdf")
    return response
