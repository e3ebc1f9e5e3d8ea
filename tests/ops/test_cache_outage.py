"""With the cache down (Redis stopped, as in the README's production settings), a student
still reaches the programme page, signs up, and lands on "check your inbox"."""

from __future__ import annotations

import pytest
from django.core import mail

from wagtail_buddy.models import OutboundEmail, Participant

# Nothing listens on port 1: every cache call fails the way a stopped Redis does.
STOPPED_REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                             "LOCATION": "redis://127.0.0.1:1/0"}}


@pytest.fixture
def stopped_cache(settings):
    from django.core.cache import caches

    settings.CACHES = STOPPED_REDIS
    with pytest.raises(Exception, match="(?i)connect"):  # the fault is real
        caches["default"].get("anything")
    return caches["default"]


def test_signup_journey_works_with_the_cache_stopped(stopped_cache, client, programme,
                                                     intake, interests, signup_payload,
                                                     django_capture_on_commit_callbacks):
    page = client.get(programme.url)
    assert page.status_code == 200
    form_url = programme.url + programme.reverse_subpage("signup",
                                                         kwargs={"role": "international"})
    assert form_url in page.content.decode()
    assert client.get(form_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url, signup_payload(interests=[str(interests[0].pk)]))
    assert response.status_code == 302
    sent = client.get(response["Location"])
    assert sent.status_code == 200
    assert "Check your inbox" in sent.content.decode()
    student = Participant.objects.get()
    assert student.email == "ana.international@example.org"
    # The confirmation went out although the sender's "pending" flag could not be set.
    assert OutboundEmail.objects.get(participant=student).status == "sent"
    assert [m.to for m in mail.outbox] == [[student.email]]


def test_invalid_signup_keeps_the_input_with_the_cache_stopped(stopped_cache, client,
                                                               programme, intake,
                                                               signup_payload):
    form_url = programme.url + programme.reverse_subpage("signup", kwargs={"role": "local"})
    response = client.post(form_url, signup_payload("local", email="not-an-address"))
    assert response.status_code == 200
    assert 'value="Ana"' in response.content.decode()
    assert not Participant.objects.exists()
