"""The open intake and the offered interests: cached, re-read on change, never a 500 when
stale."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail_buddy.models import Intake, Interest, Participant
from wagtail_buddy.services import tokens


def signup_url(programme, role="international"):
    return programme.url + programme.reverse_subpage("signup", kwargs={"role": role})


def private_url(programme, participant):
    return programme.url + programme.reverse_subpage(
        "participant", kwargs={"token": tokens.make_token(participant, tokens.ACCESS)})


def interest_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum('"wagtail_buddy_interest"' in q["sql"] for q in queries.captured_queries)


def delete_behind_the_cache(row: Interest | Intake) -> None:
    """Delete without signals, as another process with its own cache would be unseen."""
    type(row).objects.filter(pk=row.pk)._raw_delete(connection.alias)


def test_closing_signup_applies_at_once(client, programme, intake):
    url = signup_url(programme)
    assert "Sign-up is closed" not in client.get(url).content.decode()  # now cached
    intake.signup_open = False
    intake.save()
    assert "Sign-up is closed" in client.get(url).content.decode()
    intake.signup_open = True
    intake.save()
    assert "Sign-up is closed" not in client.get(url).content.decode()
    intake.delete()
    assert "Sign-up is closed" in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_intake_deleted_behind_the_cache_is_a_message(client, programme, intake,
                                                      signup_payload):
    url = signup_url(programme)
    client.get(url)
    delete_behind_the_cache(intake)
    response = client.post(url, signup_payload())
    assert response.status_code == 200
    assert "Some choices on this form changed while you filled it in." in \
        response.content.decode()
    assert not Participant.objects.exists()
    assert "Sign-up is closed" in client.post(url, signup_payload()).content.decode()


def test_offered_interests_are_read_once_until_one_changes(client, programme, intake,
                                                           interests):
    url = signup_url(programme)
    assert interest_queries(client, url) == 1
    assert interest_queries(client, url) == 0
    Interest.objects.create(programme=programme, name="Surfing")
    interests[1].active = False
    interests[1].save()
    assert interest_queries(client, url) == 1
    html = client.get(url).content.decode()
    assert "Surfing" in html and "Hiking" in html and "Cinema" not in html


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_interest_deleted_behind_the_cache_is_a_message(client, programme, intake, interests,
                                                        signup_payload):
    url = signup_url(programme)
    client.get(url)  # caches all four
    delete_behind_the_cache(interests[1])
    data = signup_payload(interests=[str(interests[0].pk), str(interests[1].pk)])
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Some choices on this form changed while you filled it in." in html
    assert "Choose interests from the list." in html  # checked against the fresh list now
    assert 'value="Ana"' in html and 'value="Universidad de Sevilla"' in html  # nothing lost
    assert not Participant.objects.exists()
    data["interests"] = [str(interests[0].pk)]
    assert client.post(url, data).status_code == 302
    assert list(Participant.objects.get().interests.all()) == [interests[0]]


def interest_boxes(html: str) -> dict[int, bool]:
    """The interest checkboxes of a page: id -> checked."""
    return {int(m.group(1)): " checked" in m.group(0)
            for m in re.finditer(r'<input[^>]*name="interests" value="(\d+)"[^>]*>', html)}


def test_edit_form_keeps_a_retired_interest(client, programme, participant_factory, interests):
    participant = participant_factory(status="waiting", interests=interests[:2])
    interests[0].active = False
    interests[0].save()
    boxes = interest_boxes(client.get(private_url(programme, participant)).content.decode())
    assert boxes == {interests[0].pk: True, interests[1].pk: True,
                     interests[2].pk: False, interests[3].pk: False}
    offered = interest_boxes(client.get(signup_url(programme)).content.decode())
    assert set(offered) == {i.pk for i in interests[1:]}  # retired: not offered to newcomers


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_edit_with_an_interest_deleted_behind_the_cache_is_a_message(
        client, programme, intake, participant_factory, interests, signup_payload):
    participant = participant_factory(status="waiting", interests=interests[:1])
    url = private_url(programme, participant)
    client.get(url)
    delete_behind_the_cache(interests[2])
    data = signup_payload(interests=[str(interests[0].pk), str(interests[2].pk)],
                          first_name="Anabel", email=None, consent=None, charter=None)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Some choices on this form changed while you filled it in." in \
        response.content.decode()
    participant.refresh_from_db()
    assert participant.first_name != "Anabel"  # the edit was rolled back whole
    assert list(participant.interests.all()) == [interests[0]]
