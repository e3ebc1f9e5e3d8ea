"""The coordinator admin: login and permission on every page and JSON endpoint, and
everything a student typed shown escaped (stored XSS).

The admin URLs are discovered from the URL resolver (every admin route whose name or path
mentions "buddy"), so pages added later are covered too.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_coordinator, make_programme, url_routes
from wagtail_buddy.models import Match, MatchingRun

SCRIPT = "<script>alert('xss')</script>"
ATTR = '"><img src=x onerror=alert(1)>'


def buddy_admin_urls(ids: dict[str, int]) -> list[str]:
    """Concrete admin URLs of the app, parameters filled from ``ids`` (pk -> our rows)."""
    urls = []
    for regex, namespace, name in url_routes():
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


@pytest.fixture
def ids(victim, programme, participant_factory) -> dict[str, int]:
    """URL parameters -> real rows: the victim, a proposal pairing them with a buddy who
    typed the same payloads, and a finished run, so match and run pages show their data."""
    buddy = participant_factory("local", first_name=SCRIPT, last_name=ATTR, motivation=SCRIPT)
    match = Match.objects.create(intake=victim.intake, mentee=victim, mentor=buddy,
                                 status=Match.Status.PROPOSED,
                                 coordinator_note=SCRIPT)
    run = MatchingRun.objects.create(programme=programme, intake=victim.intake,
                                     status=MatchingRun.Status.SUCCEEDED)
    return {"pk": victim.pk, "participant": victim.pk, "participant_pk": victim.pk,
            "intake": victim.intake_id, "intake_pk": victim.intake_id,
            "programme": programme.pk, "page": programme.pk, "page_id": programme.pk,
            "id": victim.pk, "object_id": victim.pk, "match": match.pk, "run": run.pk}


def test_anonymous_gets_the_login_never_data(client, victim, ids):
    for url in buddy_admin_urls(ids):
        response = client.get(url)
        assert response.status_code in (302, 401, 403, 404, 405), (url, response.status_code)
        if response.status_code == 302:
            assert "login" in response["Location"], url
        assert b"alert(" not in response.content


def test_admin_user_without_buddy_permissions_sees_nothing(client, victim, ids,
                                                          django_user_model):
    from django.contrib.auth.models import Group, Permission

    plain = django_user_model.objects.create_user("editor", "e@example.org", "pw")
    group = Group.objects.create(name="Admin access only")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    plain.groups.add(group)
    client.force_login(plain)
    for url in buddy_admin_urls(ids):
        response = client.get(url)
        assert response.status_code < 500, url
        assert b"alert(" not in response.content and victim.email.encode() not in \
            response.content, f"{url} shows a participant to a user without permission"


def test_coordinator_of_another_programme_sees_nothing(client, victim, ids, home_page,
                                                       django_user_model):
    other = make_coordinator(django_user_model, "other", make_programme(home_page, "Other"))
    client.force_login(other)
    for url in buddy_admin_urls(ids):
        response = client.get(url)
        assert response.status_code < 500, url
        assert victim.email.encode() not in response.content, \
            f"{url} shows another programme's participant"


def test_student_input_is_escaped_in_every_admin_page(client, ids, coordinator):
    client.force_login(coordinator)
    shown = []
    for url in buddy_admin_urls(ids):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if not response["Content-Type"].startswith(("text/", "application/json")):
            continue  # a spreadsheet download (its cells are typed text, tested with it)
        body = response.content.decode()
        assert SCRIPT not in body, f"raw <script> from a student in {url}"
        assert "<img src=x onerror" not in body, f"raw attribute injection in {url}"
        if "&lt;script&gt;alert(" in body or "\\u003Cscript\\u003E" in body:
            shown.append(url)
    assert shown, "no admin page shows the participant, so escaping was not checked"
    assert f"/admin/buddy/match/{ids['match']}/" in shown, "the match page was not checked"


def test_json_endpoints_require_login_and_permission(client, ids, coordinator):
    client.force_login(coordinator)
    urls = buddy_admin_urls(ids)
    json_urls = [u for u in urls
                 if client.get(u).get("Content-Type", "").startswith("application/json")]
    assert json_urls, "no admin JSON endpoint found"
    client.logout()
    for url in json_urls:
        response = client.get(url)
        assert response.status_code in (302, 401, 403), (url, response.status_code)
