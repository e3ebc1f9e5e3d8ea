"""The pair page shows the introduction email a student will get: what another student typed
into the public sign-up must arrive there as text, never as markup (issue 14, finding 1)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wagtail_buddy.models import Match
from wagtail_buddy.services import introductions

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def hostile_pair(participant_factory, coordinator):
    mentee = participant_factory("international", first_name=SCRIPT, phone=SCRIPT,
                                 last_name="O'Brien")
    mentor = participant_factory("local", first_name="O'Brien " + SCRIPT, phone=SCRIPT)
    return Match.objects.create(intake=mentee.intake, mentee=mentee, mentor=mentor,
                                status=Match.Status.CONFIRMED,
                                coordinator_note=SCRIPT)


def test_pair_page_shows_the_email_preview_escaped(client, coordinator, hostile_pair):
    client.force_login(coordinator)
    response = client.get(reverse("wagtail_buddy_admin:match", args=[hostile_pair.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "buddy-preview__text" in body, "the preview is not on the page: nothing was checked"
    assert SCRIPT not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_plain_text_email_is_text_not_safe_markup(hostile_pair):
    from django.utils.safestring import SafeData

    preview = introductions.preview(hostile_pair, "mentor")
    assert not isinstance(preview["text"], SafeData)
    assert not isinstance(preview["subject"], SafeData)
    assert SCRIPT in preview["text"], "the text email shows what was typed, unchanged"
    assert "&lt;" not in preview["text"] and "&#x27;" not in preview["text"]
    assert SCRIPT not in preview["html"], "the HTML email escapes it"


def test_subject_with_an_apostrophe_is_plain_text(hostile_pair):
    # The mentee receives "Meet your buddy O'Brien ..." style subjects naming the mentor.
    subjects = [introductions.preview(hostile_pair, side)["subject"]
                for side in ("mentee", "mentor")]
    assert all("&#x27;" not in s and "&lt;" not in s for s in subjects), subjects
