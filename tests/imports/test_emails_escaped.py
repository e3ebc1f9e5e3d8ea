"""The emails of this feature (invitation and its reminder, "one more", "still waiting",
"join again") come in text and HTML like every other email; hostile names and section
names are escaped in the HTML part and plain in the text part and subject."""

from __future__ import annotations

import pytest
from django.template.loader import get_template
from django.utils.safestring import SafeData

from tests.security.test_email_xss import ATTR, SCRIPT
from wagtail_buddy.models import OutboundEmail
from wagtail_buddy.services.email_rendering import render_email

PURPOSES = ["invitation", "invitation_reminder", "one_more", "still_waiting", "join_again"]


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_both_formats_escape_user_data(purpose, language, programme, intake,
                                       participant_factory):
    get_template(f"wagtail_buddy/emails/{purpose}.html")  # exists: raises otherwise
    programme.section_name = "ESN " + ATTR
    programme.save()
    person = participant_factory("local", first_name="O'Brien " + SCRIPT,
                                 preferred_language=language)
    email = OutboundEmail(participant=person, purpose=purpose,
                          context={"intake_id": intake.pk,
                                   "links": ["private_url", "invite_url", "rejoin_url"]})
    message = render_email(email)
    html = next(body for body, mime in message.alternatives if mime == "text/html")
    assert SCRIPT not in html and "<img src=x" not in html
    assert "O&#x27;Brien &lt;script&gt;" in html and "&lt;img src=x" in html
    assert f'<html lang="{language}">' in html
    for text in (message.subject, message.body):
        assert not isinstance(text, SafeData)
        assert "&lt;" not in text and "&#x27;" not in text and "&quot;" not in text
    assert "O'Brien <script>" in message.body and ATTR in message.subject
    link = {"invitation": "/invitation/", "invitation_reminder": "/invitation/",
            "join_again": "/rejoin/"}.get(purpose, "/me/")
    assert link in message.body and link in html  # the button and the text link agree
