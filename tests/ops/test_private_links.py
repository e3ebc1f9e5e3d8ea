"""Private links: a real sign-up's emailed links work for their owner only, cannot be
tampered with, and stop working once the participant withdraws (no replay)."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.ops.test_fuzz_public import FormFields, signup_pages
from wagtail_buddy.models import Participant

VALUES = {
    "birth_year": "2001", "capacity": "1", "arrival_date": "2027-02-01",
    "available_from": "2027-01-15", "available_until": "2027-07-01", "nationality": "ES",
    "exchange_country": "", "preferred_language": "en", "gender": "female",
    "gender_preference": "any", "website": "", "phone": "+33 6 12 34 56 78",
}


def valid_payload(fields: dict[str, list[str]], email: str) -> dict:
    payload: dict = {}
    for name, options in fields.items():
        if "email" in name:
            payload[name] = email
        elif name in VALUES:
            payload[name] = VALUES[name]
        elif options:
            payload[name] = options[:2] if len(options) > 1 else options[0]
        else:
            payload[name] = "Ana"
    return payload


@pytest.fixture
def signed_up(client, programme, intake, settings, django_capture_on_commit_callbacks):
    """Sign up through the real form; returns the participant and the links we emailed."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    pages = signup_pages(programme, client)
    url = next((u for u, _ in pages if "international" in u), pages[0][0])
    reader = FormFields()
    reader.feed(client.get(url).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, valid_payload(reader.fields, "ana.link@example.org"))
    assert response.status_code in (302, 303), response.content.decode()[:2000]
    participant = Participant.objects.get(email="ana.link@example.org")
    assert mail.outbox, "the sign-up sent no email"
    links = sorted({link for m in mail.outbox
                    for link in re.findall(r"https?://localhost(/[^\s\"'<>]+)", m.body)})
    assert links, "the confirmation email carries no link"
    return participant, links


def tamper(link: str) -> list[str]:
    """The link with its longest path segment (the token) altered in a few ways."""
    segments = link.rstrip("/").split("/")
    i = max(range(len(segments)), key=lambda k: len(segments[k]))
    token = segments[i]
    variants = [token[:-1] + ("A" if token[-1] != "A" else "B"), token[: len(token) // 2],
                token + "x", "0" + token[1:]]
    return ["/".join(segments[:i] + [v] + segments[i + 1:]) + "/" for v in variants]


def test_links_work_for_their_owner(client, signed_up):
    participant, links = signed_up
    statuses = [client.get(link).status_code for link in links]
    assert all(s < 400 for s in statuses), dict(zip(links, statuses, strict=True))


def test_tampered_links_are_refused(client, signed_up):
    participant, links = signed_up
    for link in links:
        for forged in tamper(link):
            response = client.get(forged)
            assert response.status_code in (400, 403, 404, 410), (forged, response.status_code)
            assert participant.email.encode() not in response.content


def test_links_do_not_replay_after_withdrawal(client, signed_up):
    participant, links = signed_up
    participant.status = Participant.Status.WITHDRAWN
    participant.rotate_access_key()
    participant.save()
    for link in links:
        response = client.get(link, follow=True)
        assert participant.email.encode() not in response.content, \
            f"{link} still shows the withdrawn participant's data"
        assert response.redirect_chain or response.status_code in (400, 403, 404, 410), \
            (link, response.status_code)
