"""The ``next`` parameter of the admin's POST actions: only a path on this site, never an
open redirect (issue 15 moved the check to Wagtail's ``get_valid_next_url_from_request``)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wagtail_buddy.admin.views.base import next_url

FALLBACK = "/fallback/"
UNSAFE = ["https://evil.example/", "//evil.example", "///evil.example", "/\\evil.example",
          "\\\\evil.example", "/\t/evil.example", "http://testserver/admin/", "abc", "abc/def",
          "javascript:alert(1)", " //evil.example", ""]
SAFE = ["/admin/", "/admin/buddy/?p=2&q=a%20b", "/"]


def u(name, *args):
    return reverse(f"wagtail_buddy_admin:{name}", args=args)


def is_local_path(target: str) -> bool:
    """What a browser would read as a path on the same site (``\\`` counts as ``/``)."""
    parts = urlsplit(target.replace("\\", "/"))
    return target.startswith("/") and not parts.scheme and not parts.netloc


@pytest.mark.parametrize("target", UNSAFE)
@pytest.mark.parametrize("method", ["get", "post"])
def test_unsafe_next_falls_back(rf: RequestFactory, target, method):
    request = getattr(rf, method)("/x/", {"next": target})
    assert next_url(request, FALLBACK) == FALLBACK


@pytest.mark.parametrize("target", SAFE)
def test_local_path_is_kept(rf: RequestFactory, target):
    assert next_url(rf.post("/x/", {"next": target}), FALLBACK) == target


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.text(alphabet=st.sampled_from("/\\:.@ \t?#%aZ9-_evil"), max_size=20)
       | st.text(max_size=20))
def test_next_is_a_local_path_or_the_fallback(rf: RequestFactory, target):
    result = next_url(rf.post("/x/", {"next": target}), FALLBACK)
    assert result == FALLBACK or (result == target and is_local_path(result))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "abc"])
def test_admin_actions_never_redirect_away(client, coordinator, intake, target):
    """Both kinds of redirect the views use (``redirect`` and ``HttpResponseRedirect``)."""
    client.force_login(coordinator)
    proposals = client.post(u("proposals", intake.pk), {"next": target})
    assert proposals.status_code == 302 and proposals["Location"] == u("proposals", intake.pk)
    bulk = client.post(u("participants_bulk"), {"next": target})
    assert bulk.status_code == 302
    assert is_local_path(bulk["Location"]) and "evil" not in bulk["Location"]
    kept = client.post(u("proposals", intake.pk), {"next": "/admin/?from=test"})
    assert kept["Location"] == "/admin/?from=test"
