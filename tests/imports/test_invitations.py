"""An invited person: email once, a prefilled form, their own consent, then the pool.
Never matched before, reminded once, purged like an unconfirmed sign-up."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from wagtail_buddy.conf import buddy_settings
from wagtail_buddy.models import Match, MatchingRun, OutboundEmail, Participant
from wagtail_buddy.services import importing, maintenance, runs
from wagtail_buddy.services.tokens import invitation_url

from ..conftest import make_participant
from .conftest import csv_bytes, google_forms_rows

pytestmark = pytest.mark.usefixtures("buddy_cache")


def import_rows(intake, rows, role="international", capture=None):
    table = importing.read(csv_bytes(rows), "export.csv")
    return importing.run(table, importing.guess(table, intake), intake, role)


@pytest.fixture
def invited(intake, django_capture_on_commit_callbacks):
    rows = google_forms_rows(1)
    rows[0].append("Langue de communication")
    rows[1].append("français")
    with django_capture_on_commit_callbacks(execute=True):
        import_rows(intake, rows)
    return Participant.objects.get()


def link_in(message) -> str:
    return re.search(r"https?://localhost(/\S+/invitation/[\w-]+/)", message.body).group(1)


def accept_payload(**overrides) -> dict:
    data = {"first_name": "Ana", "last_name": "García", "birth_year": "2003",
            "gender": "female", "gender_preference": "any", "nationality": "ES",
            "languages": ["es", "en"], "university": "Université Lyon 2",
            "home_university": "Universidad de Sevilla", "arrival_date": "2027-02-01",
            "preferred_language": "fr", "consent": "on", "charter": "on"}
    data.update(overrides)
    return data


def test_invitation_is_in_their_language_with_a_link_to_a_prefilled_form(client, invited):
    (message,) = mail.outbox
    assert invited.preferred_language == "fr"
    assert message.subject.startswith("Vous êtes invité·e au programme de parrainage")
    assert "Vérifiez vos informations" in message.alternatives[0][0]
    response = client.get(link_in(message))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Ana0"' in html and 'value="Universidad de Sevilla"' in html
    assert 'name="consent"' in html and 'name="email"' not in html
    invited.refresh_from_db()
    assert invited.status == "invited" and invited.consent_at is None  # opening changes nothing


def test_accepting_records_their_consent_and_they_get_matched(
        client, invited, intake, coordinator, participant_factory,
        django_capture_on_commit_callbacks):
    link = link_in(mail.outbox[0])
    response = client.post(link, accept_payload(consent=""))
    assert response.status_code == 200 and "consent" in response.content.decode()
    invited.refresh_from_db()
    assert invited.status == "invited" and invited.consent_at is None
    response = client.post(link, accept_payload())
    assert response.status_code == 200
    invited.refresh_from_db()
    assert invited.status == "waiting" and invited.consent_at is not None
    assert invited.consent_version == intake.programme.consent_version()
    assert invited.confirmed_at and invited.birth_year == 2003
    # The second press (or a stale link) says it is done and changes nothing.
    before = invited.consent_at
    again = client.post(link, accept_payload(first_name="Mallory"))
    assert again.status_code == 200
    invited.refresh_from_db()
    assert invited.first_name == "Ana" and invited.consent_at == before
    participant_factory("local", languages=("es", "en"))
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(intake.programme, intake, coordinator, {})
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED, run.error
    assert Match.objects.filter(mentee=invited).exists()


def test_invited_people_are_never_matched(intake, invited, coordinator,
                                          django_capture_on_commit_callbacks):
    make_participant(intake, "local", languages=("es", "en"))
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.start_run(intake.programme, intake, coordinator, {})
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.SUCCEEDED, run.error
    assert not Match.objects.exists()
    assert not Participant.objects.matchable().filter(pk=invited.pk).exists()


def test_one_reminder_only_then_the_purge(invited):
    later = timezone.now() + timedelta(days=buddy_settings.UNCONFIRMED_REMINDER_DAYS, hours=1)
    assert maintenance.remind_unconfirmed(now=later) == 1
    assert maintenance.remind_unconfirmed(now=later) == 0
    reminder = OutboundEmail.objects.get(purpose="invitation_reminder")
    assert reminder.context == {"invite_url": invitation_url(invited)}
    assert OutboundEmail.objects.filter(participant=invited).count() == 2
    assert maintenance.purge_unconfirmed(now=later) == 0
    assert maintenance.purge_unconfirmed(now=timezone.now() + timedelta(days=8)) == 1
    assert not Participant.objects.exists()


def test_an_accepted_invitation_is_not_purged(client, invited):
    client.post(link_in(mail.outbox[0]), accept_payload())
    assert maintenance.purge_unconfirmed(now=timezone.now() + timedelta(days=30)) == 0


def test_reimport_after_acceptance_changes_nothing_and_sends_nothing(
        client, intake, invited, django_capture_on_commit_callbacks):
    client.post(link_in(mail.outbox[0]), accept_payload())
    rows = google_forms_rows(1)
    rows[1][2] = "Changed"
    with django_capture_on_commit_callbacks(execute=True):
        report, result = import_rows(intake, rows)
    assert report.rows[0].action == "unchanged" and result.invitations == 0
    invited.refresh_from_db()
    assert invited.first_name == "Ana" and len(mail.outbox) == 1
