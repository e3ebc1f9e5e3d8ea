"""Content-Security-Policy: the app never displaces the site's policy, and its pages work
under a strict one (no inline script, style or handler: their one script is a static file).

`PUBLIC_CSP` is off by default (the site's base template has scripts only the site knows);
a site running django-csp keeps its own policy on the buddy pages and admin screens."""

from __future__ import annotations

import re

import pytest
from csp.constants import NONCE, SELF
from django.urls import reverse

from tests.install.conftest import site_templates  # noqa: F401  (fixture)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STRICT = ("default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
          "form-action 'self'; frame-ancestors 'self'")
SITE_POLICY = {"DIRECTIVES": {"default-src": [SELF], "script-src": [SELF, NONCE],
                              "style-src": [SELF, NONCE], "object-src": ["'none'"]}}


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


@pytest.fixture
def django_csp(settings):
    """The site runs django-csp 4 with a strict nonce-based policy of its own."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "csp.middleware.CSPMiddleware"]
    settings.CONTENT_SECURITY_POLICY = SITE_POLICY


def test_by_default_the_public_pages_send_no_policy_of_their_own(client, public_urls):
    for url in public_urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert "Content-Security-Policy" not in response, url


def test_the_public_pages_need_nothing_a_strict_policy_forbids(client, public_urls, settings):
    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = "wagtail_buddy/standalone_base.html"  # the app's own
    for url in public_urls:
        body = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(body), f"inline <script> in {url}"
        assert not INLINE_STYLE.search(body), f"inline style in {url}"
        assert not HANDLER.search(body), f"inline event handler in {url}"


def test_a_policy_set_in_the_settings_is_sent_on_every_public_page(
        client, public_urls, settings):
    settings.WAGTAIL_BUDDY_PUBLIC_CSP = STRICT
    for url in public_urls:
        assert client.get(url)["Content-Security-Policy"] == STRICT, url


def test_a_site_running_django_csp_keeps_its_policy_on_the_public_pages(
        client, settings, django_csp, site_templates, programme, intake):  # noqa: F811
    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = "bakery/base.html"
    settings.WAGTAIL_BUDDY_PUBLIC_CSP = STRICT  # even when set, django-csp's policy wins
    for url in (programme.url, programme.url + "signup/local/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        assert "default-src 'self'" in policy and policy != STRICT
        # The site's own inline script carries the nonce of the policy sent: it runs.
        assert f'<script nonce="{nonce}">' in response.content.decode(), url


def test_buddy_admin_screens_send_the_admin_policy(client, coordinator, intake):
    client.force_login(coordinator)
    response = client.get(reverse("wagtail_buddy_admin:matching", args=[intake.pk]))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "object-src 'none'" in policy
    assert "script-src" not in policy and "default-src" not in policy  # admin scripts run


def test_a_site_running_django_csp_keeps_its_policy_on_the_buddy_admin(
        client, coordinator, intake, django_csp):
    client.force_login(coordinator)
    response = client.get(reverse("wagtail_buddy_admin:matching", args=[intake.pk]))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors" not in policy  # the site's


def test_the_admin_policy_can_be_switched_off(client, coordinator, intake, settings):
    settings.WAGTAIL_BUDDY_ADMIN_CSP = None
    client.force_login(coordinator)
    response = client.get(reverse("wagtail_buddy_admin:matching", args=[intake.pk]))
    assert "Content-Security-Policy" not in response
