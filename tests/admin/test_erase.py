"""Right to erasure as a coordinator action (bulk action on the participant list)."""

import pytest
from django.urls import reverse

from wagtail_buddy.models import BuddyLogEntry, Match, Participant

from ..conftest import make_coordinator

pytestmark = pytest.mark.django_db
URL = "wagtail_buddy_admin:participants_bulk"


def test_settings_manager_erases_a_participant_and_frees_the_buddy(
        client, coordinator, participant_factory):
    mentee = participant_factory("international")
    mentor = participant_factory("local")
    Match.objects.create(intake=mentee.intake, mentee=mentee, mentor=mentor,
                         status=Match.Status.CONFIRMED)
    client.force_login(coordinator)
    response = client.post(reverse(URL), {"action": "erase", "ids": [mentee.pk]})
    assert response.status_code == 302
    assert not Participant.objects.filter(pk=mentee.pk).exists()
    assert not Match.objects.filter(mentor=mentor).exists()
    entry = BuddyLogEntry.objects.get(action="wagtail_buddy.participant_erase")
    assert entry.object_id == str(mentee.pk)
    assert mentee.first_name not in entry.label and mentee.email not in entry.label


def test_erasure_needs_the_settings_permission(client, django_user_model, programme,
                                                participant_factory):
    matcher = make_coordinator(django_user_model, "matcher", programme,
                               ("view_participant", "match_participants"))
    person = participant_factory("international")
    client.force_login(matcher)
    client.post(reverse(URL), {"action": "erase", "ids": [person.pk]})
    assert Participant.objects.filter(pk=person.pk).exists()
