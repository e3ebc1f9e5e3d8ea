"""Content-Security-Policy: on every public page no inline script can run, and the pages
need none (their one script is a static file)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def script_sources(policy: str) -> str:
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return directives.get("script-src") or directives.get("default-src", "")


@pytest.fixture
def public_urls(programme, intake, participant_factory):
    from wagtail_buddy.services import tokens

    person = participant_factory("international")
    sub = programme.reverse_subpage
    return [programme.url,
            programme.url + sub("signup", kwargs={"role": "international"}),
            programme.url + sub("signup", kwargs={"role": "local"}),
            programme.url + sub("request_link"),
            programme.url + sub("participant", kwargs={
                "token": tokens.make_token(person, tokens.ACCESS)}),
            programme.url + sub("participant", kwargs={"token": "made-up"})]


def test_every_public_page_forbids_inline_scripts_and_has_none(client, public_urls):
    for url in public_urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        policy = response["Content-Security-Policy"]
        sources = script_sources(policy)
        assert "'self'" in sources and "unsafe-inline" not in sources, (url, policy)
        assert "object-src 'none'" in policy and "base-uri 'self'" in policy
        body = response.content.decode()
        assert not INLINE_SCRIPT.search(body), f"inline <script> in {url}"
        assert not HANDLER.search(body), f"inline event handler in {url}"


def test_buddy_admin_screens_send_the_admin_policy(client, coordinator, intake):
    client.force_login(coordinator)
    response = client.get(reverse("wagtail_buddy_admin:matching", args=[intake.pk]))
    assert response.status_code == 200
    assert "object-src 'none'" in response["Content-Security-Policy"]


def test_the_policy_can_be_switched_off(client, programme, settings):
    settings.WAGTAIL_BUDDY_PUBLIC_CSP = None
    assert "Content-Security-Policy" not in client.get(programme.url)
