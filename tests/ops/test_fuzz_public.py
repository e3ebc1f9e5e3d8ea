"""Hypothesis fuzzing of every public route of the programme page: never a server error.

The routes are discovered from ``BuddyProgrammePage.get_subpage_urls()`` and their forms
from the rendered HTML, so a route or field added later is fuzzed too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wagtail_buddy.models import BuddyProgrammePage, Participant

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
RTL = "\u202eمرحبا بالعالم\u202c"
NASTY = [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "' OR 1=1 --",
    "\x00\x01\x02\x1b[31m", "Ω" * 5000, RTL * 200, "{{ 7*7 }}{% debug %}", "../../etc/passwd",
    "١٢٣", "-1", "99999999999999999999", "2027-02-30", "NaN", "", " ",
]
nasty_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=200),  # every code point but surrogates, control characters included
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), max_size=50),
    st.integers(min_value=101, max_value=5000).map(lambda n: "x" * n),
)


class FormFields(HTMLParser):
    """Names of the fields of the page's POST forms, and the options of each."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._select: str | None = None
        self.actions: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.actions.append(a.get("action") or "")
        name = a.get("name")
        if tag in ("input", "textarea", "select") and name and name != "csrfmiddlewaretoken":
            self.fields.setdefault(name, [])
            if tag == "select":
                self._select = name
            elif a.get("value") and (a.get("type") in ("checkbox", "radio")):
                self.fields[name].append(a["value"])
        elif tag == "option" and self._select and a.get("value"):
            self.fields[self._select].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def routes() -> list:
    patterns = BuddyProgrammePage.get_subpage_urls()
    assert patterns, "BuddyProgrammePage has no sub-routes: the public views are missing"
    return patterns


def free_form(regex: str) -> bool:
    """Does the parameter accept arbitrary tokens (an id, a signed token), not a fixed set?"""
    return bool(re.fullmatch(regex, "zq9-Xk_31aZ")) or bool(re.fullmatch(regex, "918273"))


def route_params(pattern) -> dict[str, str]:
    """Named parameters of a route and their regex."""
    regex = pattern.pattern.regex
    return {name: _group_regex(regex.pattern, name) for name in regex.groupindex}


def _group_regex(pattern: str, name: str) -> str:
    start = pattern.index(f"(?P<{name}>") + len(f"(?P<{name}>")
    depth, i = 1, start
    while depth:
        depth += {"(": 1, ")": -1}.get(pattern[i], 0) if pattern[i - 1] != "\\" else 0
        i += 1
    return pattern[start:i - 1]


@pytest.fixture
def site(client, programme, intake, settings):
    settings.WAGTAIL_BUDDY_SIGNUP_RATE_LIMIT = 10**6
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return programme


def check_response(response, method: str, url: str) -> None:
    assert response.status_code < 500, f"{method} {url} -> {response.status_code}"


@settings(FUZZ, max_examples=12)
@given(data=st.data())
def test_every_route_with_random_arguments(site, client, data):
    """Random ids and tokens in every URL parameter: 4xx (no enumeration), never 500."""
    for pattern in routes():
        params = route_params(pattern)
        values = {name: data.draw(st.from_regex(regex, fullmatch=True).filter(
            lambda v: "/" not in v and "\n" not in v), label=name)
            for name, regex in params.items()}
        url = site.url + site.reverse_subpage(pattern.name, kwargs=values)
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"x": data.draw(nasty_text, label="x")})
            check_response(response, method.upper(), url)
            if any(free_form(regex) for regex in params.values()):
                assert response.status_code in (400, 403, 404, 405, 410), \
                    f"{method.upper()} {url} with a made-up token -> {response.status_code}"


def signup_pages(site, client) -> list[tuple[str, dict[str, list[str]]]]:
    """The URL and fields of every public form reachable without a token."""
    pages = []
    for pattern in routes():
        params = route_params(pattern)
        if any(free_form(regex) for regex in params.values()):
            continue
        choices = [{}]
        for name, regex in params.items():
            options = [v for v in ("international", "local", "en") if re.fullmatch(regex, v)]
            choices = [{**c, name: v} for c in choices for v in options]
        for kwargs in choices:
            url = site.url + site.reverse_subpage(pattern.name, kwargs=kwargs)
            response = client.get(url)
            if response.status_code != 200:
                continue
            reader = FormFields()
            reader.feed(response.content.decode())
            if reader.fields:
                pages.append((url, reader.fields))
    assert pages, "no public form found on the programme page's routes"
    return pages


@pytest.fixture
def public_forms(site, client):
    return signup_pages(site, client)


@FUZZ
@given(data=st.data())
def test_public_forms_reject_garbage_with_a_message(public_forms, client, data):
    """Control characters, huge values, RTL, HTML, wrong types and missing fields."""
    for url, fields in public_forms:
        payload: dict[str, list[str] | str] = {}
        for name, options in fields.items():
            choice = data.draw(st.sampled_from(["missing", "nasty", "many", "option"]),
                               label=f"{name} kind")
            if choice == "nasty":
                payload[name] = data.draw(nasty_text, label=name)
            elif choice == "many":  # a list where one value is expected, or junk values
                payload[name] = data.draw(st.lists(nasty_text, min_size=2, max_size=4))
            elif choice == "option" and options:
                payload[name] = data.draw(st.sampled_from(options))
        payload[data.draw(st.text(min_size=1, max_size=20), label="extra")] = "1"
        before = Participant.objects.count()  # examples share the test's database
        response = client.post(url, payload)
        check_response(response, "POST", url)
        if response.status_code == 200:
            assert re.search(rb"error|invalid|required", response.content, re.I), \
                f"POST {url} answered 200 without saying what is wrong"
            # A refused form writes nothing, not even an unconfirmed row.
            assert Participant.objects.count() == before, f"POST {url} refused but stored"
    # Garbage never creates a confirmed participant.
    assert not Participant.objects.exclude(status="unconfirmed").exists()


def test_one_megabyte_fields_and_oversized_bodies(public_forms, client):
    for url, fields in public_forms:
        big = {name: "é" * (512 * 1024) for name in fields}  # ~1 MB of UTF-8 per field
        response = client.post(url, {name: big[name] for name in list(fields)[:1]})
        check_response(response, "POST", url)
        assert response.status_code in (200, 400, 413)
        # Beyond DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): rejected with 400, not a crash.
        response = client.post(url, {name: "x" * (3 * 1024 * 1024) for name in
                                     list(fields)[:1]})
        assert response.status_code in (400, 413)
        response = client.post(url, data=b"\xff\xfe" * 1000,
                               content_type="application/json")
        check_response(response, "POST", url)


SCRIPT = "<script>alert('xss')</script>"


def test_script_in_every_field_is_not_echoed_raw(public_forms, client):
    for url, fields in public_forms:
        payload = {name: SCRIPT for name in fields}
        response = client.post(url, payload)
        check_response(response, "POST", url)
        assert SCRIPT.encode() not in response.content


@pytest.mark.parametrize("role", ["international", "local"])
def test_script_in_a_stored_sign_up_is_escaped_in_its_email(site, client, signup_payload,
                                                            django_capture_on_commit_callbacks,
                                                            role):
    """A sign-up that is accepted with a script in every free-text field: the confirmation
    email it sends shows the name as text in its HTML part."""
    url = site.url + site.reverse_subpage("signup", kwargs={"role": role})
    payload = signup_payload(role, first_name=SCRIPT, last_name=SCRIPT, university=SCRIPT,
                             faculty=SCRIPT, motivation=SCRIPT)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, payload)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Participant.objects.get().first_name == SCRIPT  # stored as typed
    assert len(mail.outbox) == 1
    html = mail.outbox[0].alternatives[0][0]
    assert "<script" not in html
    assert "&lt;script&gt;alert(" in html  # the name is in the email, as text
