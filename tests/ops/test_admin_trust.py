"""The coordinator admin: login and permission on every page and JSON endpoint, and
everything a student typed shown escaped (stored XSS).

The admin URLs are discovered from the URL resolver (every admin route whose name or path
mentions "buddy"), so pages added later are covered too.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import make_coordinator, make_programme

SCRIPT = "<script>alert('xss')</script>"
ATTR = '"><img src=x onerror=alert(1)>'


def walk(patterns, prefix: str = "", names: tuple = ()):
    for p in patterns:
        regex = str(p.pattern.regex.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + regex, names + (p.namespace or "",))
        elif isinstance(p, URLPattern):
            yield prefix + regex, ":".join(n for n in names if n), p.name or ""


def buddy_admin_urls(ids: dict[str, int]) -> list[str]:
    """Concrete admin URLs of the app, parameters filled from ``ids`` (pk -> our rows)."""
    urls = []
    for regex, namespace, name in walk(get_resolver().url_patterns):
        if not regex.startswith("admin/") or "buddy" not in f"{regex} {namespace} {name}":
            continue
        url, ok = "/" + regex, True
        for group in re.findall(r"\(\?P<(\w+)>[^)]*\)", regex):
            value = ids.get(group) or ids.get(group.removesuffix("_id")) or ids.get("pk")
            ok &= value is not None
            url = re.sub(rf"\(\?P<{group}>[^)]*\)", str(value), url, count=1)
        url = url.replace("\\", "")
        if ok and "(" not in url and "?" not in url.split("/")[-1]:
            urls.append(url)
    assert urls, "no wagtail-buddy admin URL found: the admin is missing"
    return sorted(set(urls))


@pytest.fixture
def victim(participant_factory, interests):
    fields = dict(first_name=SCRIPT, last_name=ATTR, phone=SCRIPT, university=SCRIPT,
                  faculty=ATTR, home_university=SCRIPT, motivation=SCRIPT + ATTR,
                  extra_answers={"diet": SCRIPT})
    return participant_factory(**fields)


def ids_for(victim, programme) -> dict[str, int]:
    return {"pk": victim.pk, "participant": victim.pk, "participant_pk": victim.pk,
            "intake": victim.intake_id, "intake_pk": victim.intake_id,
            "programme": programme.pk, "page": programme.pk, "page_id": programme.pk,
            "id": victim.pk, "object_id": victim.pk}


def test_anonymous_gets_the_login_never_data(client, victim, programme):
    for url in buddy_admin_urls(ids_for(victim, programme)):
        response = client.get(url)
        assert response.status_code in (302, 401, 403, 404, 405), (url, response.status_code)
        if response.status_code == 302:
            assert "login" in response["Location"], url
        assert b"alert(" not in response.content


def test_admin_user_without_buddy_permissions_sees_nothing(client, victim, programme,
                                                          django_user_model):
    from django.contrib.auth.models import Group, Permission

    plain = django_user_model.objects.create_user("editor", "e@example.org", "pw")
    group = Group.objects.create(name="Admin access only")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    plain.groups.add(group)
    client.force_login(plain)
    for url in buddy_admin_urls(ids_for(victim, programme)):
        response = client.get(url)
        assert response.status_code < 500, url
        assert b"alert(" not in response.content and victim.email.encode() not in \
            response.content, f"{url} shows a participant to a user without permission"


def test_coordinator_of_another_programme_sees_nothing(client, victim, programme, home_page,
                                                       django_user_model):
    other = make_coordinator(django_user_model, "other", make_programme(home_page, "Other"))
    client.force_login(other)
    for url in buddy_admin_urls(ids_for(victim, programme)):
        response = client.get(url)
        assert response.status_code < 500, url
        assert victim.email.encode() not in response.content, \
            f"{url} shows another programme's participant"


def test_student_input_is_escaped_in_every_admin_page(client, victim, programme, coordinator):
    client.force_login(coordinator)
    shown = []
    for url in buddy_admin_urls(ids_for(victim, programme)):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        body = response.content.decode()
        assert SCRIPT not in body, f"raw <script> from a student in {url}"
        assert "<img src=x onerror" not in body, f"raw attribute injection in {url}"
        if "&lt;script&gt;alert(" in body or "\\u003Cscript\\u003E" in body:
            shown.append(url)
    assert shown, "no admin page shows the participant, so escaping was not checked"


def test_json_endpoints_require_login_and_permission(client, victim, programme, coordinator):
    client.force_login(coordinator)
    urls = buddy_admin_urls(ids_for(victim, programme))
    json_urls = [u for u in urls
                 if client.get(u).get("Content-Type", "").startswith("application/json")]
    assert json_urls, "no admin JSON endpoint found"
    client.logout()
    for url in json_urls:
        response = client.get(url)
        assert response.status_code in (302, 401, 403), (url, response.status_code)
