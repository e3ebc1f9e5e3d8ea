"""Wagtail's site history report: buddy log entries only for who coordinates that programme
(issue 14, finding 4)."""

from __future__ import annotations

from django.urls import reverse

from tests.conftest import make_coordinator, make_programme
from wagtail_buddy.services import signup


def test_site_history_shows_buddy_entries_only_to_their_coordinators(
        client, programme, coordinator, participant_factory, home_page, django_user_model,
        admin_user):
    person = participant_factory("international", status="unconfirmed", confirmed_at=None)
    assert signup.confirm_emails([person], coordinator) == 1
    other = make_coordinator(django_user_model, "other", make_programme(home_page, "Other"))
    url = reverse("wagtailadmin_reports:site_history")
    marker = f"participant #{person.pk}"

    client.force_login(other)
    response = client.get(url)
    assert response.status_code == 200
    assert marker not in response.content.decode()

    for reader in (coordinator, admin_user):
        client.force_login(reader)
        body = client.get(url).content.decode()
        assert marker in body, f"{reader} should see their programme's entry"
