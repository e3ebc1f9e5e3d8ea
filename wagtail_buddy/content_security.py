"""The app's Content-Security-Policy header, sent only where it cannot displace the site's.

A site running django-csp owns the policy: its middleware marks every request with
``csp_nonce`` and sets its header after the view, but only when the view set none. So when
the mark is there the app adds nothing, and django-csp's policy covers the buddy pages too.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase


def add_policy(request: HttpRequest, response: HttpResponseBase, policy: str | None) -> None:
    """Send ``policy`` unless it is empty, the response has one, or django-csp will set one."""
    if not policy or "Content-Security-Policy" in response or hasattr(request, "csp_nonce"):
        return
    response["Content-Security-Policy"] = policy
