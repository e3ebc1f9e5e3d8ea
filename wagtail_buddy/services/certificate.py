"""The buddy certificate: for a local buddy whose pair met, in their language, as a one-page
PDF when the ``pdf`` extra (fpdf2) is installed, else as a printable page with the same text.

"Met" is what the pair said: a check-in answered "we have met" or an end-of-semester
feedback answered "yes" by either side. The PDF embeds a bundled subset of DejaVu Sans
(``data/fonts``, Latin, Greek, Cyrillic, Armenian, Georgian), so names in those scripts
print; nothing is fetched at run time.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _t
from django.utils.translation import ngettext

from ..catalogues import written_language
from ..models import CheckIn, Feedback, Match, Participant
from .audit import audit

FONT = Path(__file__).resolve().parent.parent / "data" / "fonts" / "DejaVuSans.ttf"


def pdf_available() -> bool:
    """Whether the optional ``pdf`` extra (fpdf2) is installed (tests monkeypatch this)."""
    return importlib.util.find_spec("fpdf") is not None


@dataclass(frozen=True)
class Certificate:
    """What the certificate says, already in the buddy's language."""

    language: str
    name: str
    section: str
    semester: str
    students: int
    contact_email: str
    issued_on: date

    def lines(self) -> dict[str, str]:
        """The certificate's sentences (the PDF and the page say the same)."""
        with translation.override(self.language):
            return {
                "title": _t("Buddy certificate"),
                "intro": _t("%(section)s certifies that") % {"section": self.section},
                "name": self.name,
                "body": ngettext(
                    "volunteered as a local buddy in %(semester)s and welcomed "
                    "%(count)d international student.",
                    "volunteered as a local buddy in %(semester)s and welcomed "
                    "%(count)d international students.", self.students)
                % {"semester": self.semester, "count": self.students},
                "thanks": _t("Thank you for helping exchange students feel at home."),
                "signed": _t("For %(section)s, the buddy coordinators") % {
                    "section": self.section},
                "contact": self.contact_email,
                "issued": _t("Issued on %(day)s") % {
                    "day": date_format(self.issued_on, "DATE_FORMAT")},
            }


def students_welcomed(participant: Participant) -> int:
    """How many international students this buddy met (1 query)."""
    if participant.role != Participant.Role.LOCAL:
        return 0
    return (Match.objects.filter(
        mentor=participant, status__in=[Match.Status.CONFIRMED, Match.Status.ENDED],
        introduced_at__isnull=False)
        .filter(Q(checkins__answer=CheckIn.Answer.MET) | Q(feedback__met=Feedback.Met.YES))
        .values("mentee_id").distinct().count())


def for_participant(participant: Participant) -> Certificate | None:
    """The certificate of ``participant``, or None when they have none (not a buddy, or
    no pair that met)."""
    count = students_welcomed(participant)
    if not count:
        return None
    programme = participant.intake.programme
    return Certificate(
        language=written_language(participant.preferred_language, programme.default_language),
        name=participant.full_name, section=programme.display_name,
        semester=participant.intake.name, students=count,
        contact_email=programme.contact_email, issued_on=timezone.localdate())


def record_download(participant: Participant, fmt: str) -> None:
    """Every certificate handed out is in the audit log (``fmt``: pdf or html)."""
    audit([participant], "wagtail_buddy.certificate", data={"format": fmt})


def render_pdf(certificate: Certificate) -> bytes:
    """A one-page A4 PDF of ``certificate`` (needs the ``pdf`` extra)."""
    from fpdf import FPDF  # the optional pdf extra: only imported when asked for a PDF

    lines = certificate.lines()
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(lines["title"])
    pdf.set_creator(certificate.section)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font("BuddySans", "", str(FONT))
    pdf.set_draw_color(46, 49, 146)
    pdf.set_line_width(1.2)
    pdf.rect(12, 12, pdf.w - 24, pdf.h - 24)
    width = pdf.w - 60

    def write(text: str, size: int, gap: float, color=(29, 29, 27)) -> None:
        pdf.set_font("BuddySans", size=size)
        pdf.set_text_color(*color)
        pdf.set_x(30)
        pdf.multi_cell(width, size * 0.5, text, align="C")
        pdf.ln(gap)

    pdf.set_y(35)
    write(lines["title"], 30, 10, (46, 49, 146))
    write(lines["intro"], 14, 6)
    write(lines["name"], 26, 6, (46, 49, 146))
    write(lines["body"], 14, 6)
    write(lines["thanks"], 12, 18)
    write(lines["signed"], 12, 2)
    if lines["contact"]:
        write(lines["contact"], 11, 2)
    write(lines["issued"], 10, 0, (85, 85, 85))
    return bytes(pdf.output())
