"""Fuzzing of every wagtail-buddy admin route: malformed ids, months, huge numbers and unicode,
GET and POST, as coordinator, viewer, plain editor and anonymous: never a response >= 500.

Routes are discovered from the URL resolver (every admin route whose path, namespace or name
mentions "buddy"), query parameters and form fields from the pages the coordinator sees, so a
screen added later is fuzzed too (issue 14, finding 3).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_coordinator, make_participant, make_programme, url_routes
from wagtail_buddy.admin.modeladmin import participant_url
from wagtail_buddy.models import Intake, Match, MatchingRun

BAD_IDS = ["abc", "0", "²", "١٢٣", "9" * 25, "9223372036854775808", "1e3", "%00", "-1"]
BAD_VALUES = [*BAD_IDS, "99999-1", "0-1", "2027-13", "2027-00", "10000-01", "2027-02-30",
              "<script>alert(1)</script>", "", "x" * 3000, "\x00", "\u202eabc", "-", "__all__",
              "csv", "xlsx", "all", "-score", "99", "abc/def", "//evil.example"]
# The all-parameters-at-once sweep of every route uses a representative few (it is slow).
SWEEP_VALUES = ["abc", "²", "9" * 25, "-1", "99999-1", "0-1", "<script>alert(1)</script>", "",
                "\x00", "abc/def"]
# Parameters the admin reads, besides those discovered from the pages.
KNOWN_PARAMS = ["intake", "arrival", "p", "q", "o", "ot", "export", "next", "show", "status",
                "order", "ordering", "blocked", "locked", "source", "_w_filter_fragment", "role",
                "language", "nationality", "university", "extra", "e", "ids",
                "mentor", "action", "scope", "note", "reason", "notify", "locale", "page"]
FILTERS = {"intake", "arrival", "language", "nationality", "university", "extra", "role",
           "status"}
FUZZ = settings(max_examples=4, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")


def admin_routes() -> list[str]:
    """Every buddy admin route as a regex-shaped template with named groups."""
    routes = sorted({regex for regex, ns, name in url_routes()
                     if regex.startswith("admin/") and "buddy" in f"{regex} {ns} {name}"})
    assert len(routes) > 15, f"the buddy admin routes were not found: {routes}"
    return routes


def fill(route: str, values: dict[str, str], default: str) -> str:
    """A URL from a route template, each named group replaced (``default`` if not given)."""
    def group(m):
        name, regex = m.group(1), m.group(2)
        if name in values:
            return str(values[name])
        fixed = re.fullmatch(r"\w+(\|\w+)*", regex)  # confirm|reject|...: take the first
        return regex.split("|")[0] if fixed else default
    url = GROUP.sub(group, route)
    return "/" + url.replace("\\", "")


class PageParams(HTMLParser):
    """Query keys of the page's links and the names of its form fields."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "?" in (a.get("href") or ""):
            self.names.update(k for k, _v in parse_qsl(urlsplit(a["href"]).query,
                                                       keep_blank_values=True))
        if tag in ("input", "select", "textarea") and a.get("name"):
            self.names.add(a["name"])


@pytest.fixture
def world(home_page, programme, intake, django_user_model):
    """Real rows of our programme (a confirmed pair, a proposal, a run) and of another."""
    mentee = make_participant(intake, "international")
    mentor = make_participant(intake, "local")
    waiting = make_participant(intake, "international")
    spare = make_participant(intake, "local")
    match = Match.objects.create(intake=intake, mentee=mentee, mentor=mentor,
                                 status=Match.Status.CONFIRMED, confirmed_at=timezone.now())
    proposal = Match.objects.create(intake=intake, mentee=waiting, mentor=spare)
    run = MatchingRun.objects.create(programme=programme, intake=intake,
                                     status=MatchingRun.Status.SUCCEEDED)
    other_programme = make_programme(home_page, "Other")
    other_intake = Intake.objects.create(programme=other_programme, name="Other", starts_on=
                                         intake.starts_on, ends_on=intake.ends_on)
    stranger = make_participant(other_intake, "international")
    own = {"intake_id": intake.pk, "run_id": run.pk, "match_id": match.pk,
           "participant_id": waiting.pk, "instance_pk": mentee.pk, "pk": intake.pk,
           "section": programme.slug}
    foreign = {"intake_id": other_intake.pk, "match_id": proposal.pk + 1000,
               "participant_id": stranger.pk, "instance_pk": stranger.pk,
               "pk": other_intake.pk, "run_id": run.pk + 1000, "section": other_programme.slug}
    return {"own": own, "foreign": foreign, "proposal": proposal}


def plain_editor(django_user_model):
    user = django_user_model.objects.create_user("editor", "editor@example.org", "pw")
    group = Group.objects.create(name="Editors only")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    return user


@pytest.fixture
def users(django_user_model, programme, coordinator):
    return {
        "coordinator": coordinator,
        "viewer": make_coordinator(django_user_model, "viewer", programme,
                                   codenames=("view_participant",)),
        "editor": plain_editor(django_user_model),
        "anonymous": None,
    }


def as_user(client, user):
    client.raise_request_exception = False  # a 500 is collected, not raised
    client.logout()
    if user is not None:
        client.force_login(user)


class Errors(list):
    """Server errors found, reported together at the end (each line: who, request, status)."""

    def check(self, response, method: str, url: str, who: str, data=None) -> None:
        if response.status_code >= 500:
            self.append(f"{who}: {method} {url} {data!r:.120} -> {response.status_code}")

    def assert_none(self) -> None:
        assert not self, f"{len(self)} server errors:\n" + "\n".join(sorted(set(self))[:60])


def discovered_params(client, world) -> set[str]:
    names = set(KNOWN_PARAMS)
    for route in admin_routes():
        response = client.get(fill(route, world["own"], "1"))
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            parser = PageParams()
            parser.feed(response.content.decode())
            names |= parser.names
    names.discard("csrfmiddlewaretoken")
    return names


@pytest.mark.parametrize("who", ["coordinator", "viewer", "editor", "anonymous"])
def test_malformed_ids_in_every_route(client, world, users, who):
    """Every id parameter of every route, GET and POST: malformed, huge, foreign, real."""
    as_user(client, users[who])
    errors = Errors()
    for route in admin_routes():
        groups = [m.group(1) for m in GROUP.finditer(route)]
        valid = fill(route, world["own"], "1")
        for value in BAD_IDS:  # bad ids in the body of a POST to a real object
            data = {"ids": value, "mentor": value, "action": "confirm", "scope": "selected",
                    "intake": value}
            errors.check(client.post(valid, data), "POST", valid, who, data)
        for name in groups:
            for value in [*BAD_IDS, str(world["foreign"].get(name, "1")),
                          str(world["own"].get(name, "1"))]:
                url = fill(route, {**{k: str(v) for k, v in world["own"].items()},
                                   name: quote(value, safe="%")}, "1")
                errors.check(client.get(url), "GET", url, who)
                data = {"ids": value, "mentor": value, "action": "confirm", "scope": "selected"}
                errors.check(client.post(url, data), "POST", url, who, data)
    errors.assert_none()


@pytest.mark.parametrize("who", ["coordinator", "viewer", "editor", "anonymous"])
def test_malformed_values_in_every_parameter(client, world, users, who):
    """Each bad value in every parameter the admin reads at once, GET and POST, per route."""
    as_user(client, users["coordinator"])
    names = sorted(discovered_params(client, world))
    assert {"intake", "ids", "arrival"} <= set(names)
    as_user(client, users[who])
    errors = Errors()
    for route in admin_routes():
        url = fill(route, world["own"], "1")
        for value in SWEEP_VALUES:
            data = dict.fromkeys(names, value)
            errors.check(client.get(url, data), "GET", url, who, value)
            errors.check(client.post(url, data), "POST", url, who, value)
    errors.assert_none()


def test_one_bad_filter_at_a_time_in_the_participant_list(client, world, users):
    """The list and its export, one bad parameter at a time (one cannot hide another)."""

    as_user(client, users["coordinator"])
    parser = PageParams()
    parser.feed(client.get(participant_url()).content.decode())
    names = sorted(parser.names | {"intake", "arrival", "o", "ot", "p", "q", "e"})
    assert {"intake", "arrival", "language", "nationality"} <= set(names), names
    errors = Errors()
    for name in names:
        for value in ["abc", "²", "9" * 25, "99999-1", "0-1", "2027-13", "", "\x00"]:
            for extra in ({}, {"export": "csv"}) if name in FILTERS else ({},):
                data = {**extra, name: value}
                errors.check(client.get(participant_url(), data), "GET", participant_url(),
                             "coordinator", data)
    errors.assert_none()


@FUZZ
@given(data=st.data())
def test_random_parameter_mixtures(client, world, users, data):
    """Random mixtures of parameters and values, including export, as the coordinator."""
    as_user(client, users["coordinator"])
    values = st.one_of(st.sampled_from(BAD_VALUES), st.text(max_size=40),
                       st.integers(min_value=-(10**30), max_value=10**30).map(str))
    params = data.draw(st.dictionaries(st.sampled_from(KNOWN_PARAMS), values, max_size=6))
    errors = Errors()
    for route in admin_routes():
        url = fill(route, world["own"], "1")
        errors.check(client.get(url, params), "GET", url, "coordinator", params)
        errors.check(client.post(url, params), "POST", url, "coordinator", params)
    errors.assert_none()
