"""Every participant email, both formats, with hostile values in every field: the HTML part
escapes them, the text part and subject carry them as plain text (never HTML-escaped, never
marked safe, so any HTML page showing them escapes them)."""

from __future__ import annotations

import pytest
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.safestring import SafeData

from wagtail_buddy.models import Match, OutboundEmail
from wagtail_buddy.services.email_rendering import render_email

SCRIPT = "<script>alert(1)</script>"
ATTR = '"><img src=x onerror=alert(1)>'
PURPOSES = ["confirm", "confirm_reminder", "private_link", "introduction", "checkin",
            "cancelled", "buddy_left"]


@pytest.fixture
def hostile_match(participant_factory):
    fields = dict(first_name="O'Brien " + SCRIPT, last_name=ATTR, phone=SCRIPT,
                  university=SCRIPT, faculty=ATTR, home_university=SCRIPT,
                  motivation=SCRIPT + ATTR)
    mentee = participant_factory("international", **fields)
    mentor = participant_factory("local", **fields)
    return Match.objects.create(intake=mentee.intake, mentee=mentee, mentor=mentor,
                                status=Match.Status.CONFIRMED, coordinator_note=SCRIPT + ATTR,
                                end_reason=SCRIPT)


@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_email_in_both_formats(hostile_match, purpose):
    try:
        get_template(f"wagtail_buddy/emails/{purpose}_subject.txt")
    except TemplateDoesNotExist:
        pytest.fail(f"no email template for {purpose}")
    email = OutboundEmail(participant=hostile_match.mentee, purpose=purpose,
                          context={"match_id": hostile_match.pk,
                                   "links": ["confirm_url", "private_url"]})
    message = render_email(email)
    html = next(body for body, mime in message.alternatives if mime == "text/html")
    assert SCRIPT not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html, "the HTML part names the student: escaping was checked"
    for text in (message.subject, message.body):
        assert not isinstance(text, SafeData)
        assert "&lt;" not in text and "&#x27;" not in text and "&quot;" not in text
    assert "O'Brien <script>" in message.body
