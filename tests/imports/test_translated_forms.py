"""The invitation and "join again" forms of a French reader show the French copy's privacy
notice and charter, and the consent record names them (as the sign-up form does)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils.html import escape

from tests.conftest import make_participant
from tests.test_translated_copies import french_copy, in_french
from wagtail_buddy.models import Intake, Participant
from wagtail_buddy.services import rejoin, tokens

pytestmark = pytest.mark.usefixtures("buddy_cache")


def path(url: str) -> str:
    return url.split("localhost", 1)[1]


def assert_french_texts(html: str) -> None:
    assert escape("Nous conservons vos données") in html and "We store your data" not in html
    assert "Soyez bienveillant" in html and "Be kind" not in html
    assert 'lang="fr"' in html
    untranslated = escape(in_french("Not translated yet: shown in %(language)s.") % {
        "language": "English"})
    assert untranslated not in html


def test_french_invitation_form_shows_the_french_notice_and_charter(programme, intake, client):
    copy = french_copy(programme)
    invited = make_participant(intake, "international", status=Participant.Status.INVITED,
                               preferred_language="fr", consent_at=None, consent_version="",
                               confirmed_at=None)
    link = tokens.invitation_url(invited)
    assert link.startswith("http://localhost" + copy.url)  # the email's link: the copy
    html = client.get(path(link)).content.decode()
    assert_french_texts(html)
    response = client.post(path(link), {
        "first_name": "Ana", "last_name": "García", "birth_year": "2003",
        "nationality": "ES", "languages": ["es"], "university": "Lyon 2",
        "home_university": "Sevilla", "arrival_date": "2027-02-01",
        "gender_preference": "any", "preferred_language": "fr",
        "consent": "on", "charter": "on"})
    assert response.status_code == 200, response.content.decode()[:2000]
    invited.refresh_from_db()
    assert invited.status == Participant.Status.WAITING
    assert (invited.consent_language, invited.consent_version) == ("fr", copy.consent_version())


def test_french_rejoin_form_shows_the_french_notice_and_charter(programme, intake, client):
    copy = french_copy(programme)
    past_intake = Intake.objects.create(programme=programme, name="Autumn 2026",
                                        starts_on=date(2026, 9, 1),
                                        ends_on=date(2027, 1, 31), signup_open=False)
    past = make_participant(past_intake, "local", status=Participant.Status.ENDED,
                            preferred_language="fr", consent_version="older texts")
    rejoin.set_asked(past, True)
    link = tokens.rejoin_url(past, intake.pk)
    assert link.startswith("http://localhost" + copy.url)
    html = client.get(path(link)).content.decode()
    assert_french_texts(html)
    assert 'name="consent"' in html  # the texts changed since: asked again
    client.post(path(link), {"capacity": "1", "consent": "on", "charter": "on"})
    new = Participant.objects.get(intake=intake)
    assert (new.consent_language, new.consent_version) == ("fr", copy.consent_version())
