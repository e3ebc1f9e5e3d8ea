"""In real Chromium, logged in as a coordinator: hostile sign-up values in every field, real
pairs and proposals, every buddy admin page and the public pages open without any script
from a student running (no dialog fires). Issue 14, finding 1 ran alert() six times here."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.conftest import make_coordinator, make_participant
from wagtail_buddy.models import Match
from wagtail_buddy.services import tokens

from .test_coordinator_journey import login

pytestmark = pytest.mark.django_db(transaction=True)


SCRIPT = "<script>alert(1)</script>"
ATTR = '"><img src=x onerror=alert(2)>'
HOSTILE = dict(first_name=SCRIPT, last_name=ATTR, phone=SCRIPT + ATTR, university=SCRIPT,
               faculty=ATTR, home_university=SCRIPT, motivation=SCRIPT + ATTR,
               extra_answers={"q": SCRIPT})


def test_no_dialog_on_any_page(live_server, page, intake, django_user_model):
    make_coordinator(django_user_model, "coordinator", intake.programme)
    mentee = make_participant(intake, "international", **HOSTILE)
    mentor = make_participant(intake, "local", **HOSTILE)
    waiting = make_participant(intake, "international", **HOSTILE)
    spare = make_participant(intake, "local", **HOSTILE)
    pair = Match.objects.create(intake=intake, mentee=mentee, mentor=mentor,
                                status=Match.Status.CONFIRMED, confirmed_at=timezone.now(),
                                coordinator_note=SCRIPT + ATTR)
    proposal = Match.objects.create(intake=intake, mentee=waiting, mentor=spare)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    base = live_server.url
    login(page, base)
    programme = intake.programme
    urls = [
        f"/admin/buddy/match/{pair.pk}/", f"/admin/buddy/match/{proposal.pk}/swap/",
        f"/admin/buddy/intake/{intake.pk}/proposals/?status=all",
        f"/admin/buddy/intake/{intake.pk}/introductions/",
        f"/admin/buddy/intake/{intake.pk}/waiting/",
        f"/admin/buddy/participant/{waiting.pk}/pair/",
        "/admin/wagtail_buddy/participant/",
        f"/admin/wagtail_buddy/participant/inspect/{mentee.pk}/",
        programme.url + programme.reverse_subpage(
            "participant", kwargs={"token": tokens.make_token(mentee, tokens.ACCESS)}),
    ]
    for url in urls:  # each page shows a student's typed values, as text
        response = page.goto(base + url)
        page.wait_for_load_state("load")
        assert response.status == 200, (url, response.status)
        text = page.inner_text("body")
        assert SCRIPT in text or ATTR in text, url
    for url in ("/admin/reports/site-history/", "/admin/"):  # pages without student values
        response = page.goto(base + url)
        page.wait_for_load_state("load")
        assert response.status == 200, (url, response.status)
    assert dialogs == [], f"a student's script ran: {dialogs}"
