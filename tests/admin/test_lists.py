"""The proposals, waiting list and introductions on Wagtail's generic listing: filters,
column sorting, pagination, the results-only refresh, and a query count that does not grow
with the intake or with the options chosen."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import formats, timezone, translation
from wagtail import hooks
from wagtail.users.models import UserProfile

from tests.admin.test_access_and_scale import add_pairs
from wagtail_buddy.admin.modeladmin import participant_url
from wagtail_buddy.models import Intake, Match

ROW = re.compile(r'<tr data-(?:match|participant)="(\d+)"')
US_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")


def u(name, *args):
    return reverse(f"wagtail_buddy_admin:{name}", args=args)


def ids(html: str) -> list[int]:
    return [int(pk) for pk in ROW.findall(html)]


@pytest.fixture
def scored_intake(programme):
    """120 pairs with distinct scores (every third confirmed, every fifth locked)."""
    intake = Intake.objects.create(programme=programme, name="Scored",
                                   starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1))
    add_pairs(intake, 150, 130, 120, seed=5)
    for n, match in enumerate(Match.objects.filter(intake=intake).order_by("pk")):
        match.score = (n * 37 % 120) / 10
        match.locked = n % 5 == 0
        match.save(update_fields=["score", "locked"])
    return intake


def test_proposals_filter_sort_and_paginate(client, coordinator, scored_intake):
    client.force_login(coordinator)
    url = u("proposals", scored_intake.pk)
    proposed = Match.objects.filter(intake=scored_intake, status="proposed")
    page = client.get(url).content.decode()
    first = ids(page)
    # Every row form carries the CSRF token (cells render outside a RequestContext).
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', page)
    assert len(tokens) > 3 * len(first) and all(tokens)  # confirm, reject, lock per row
    second = ids(client.get(url, {"p": 2}).content.decode())
    assert len(first) == 50 and set(first).isdisjoint(second)
    expected = list(proposed.order_by("score", "pk").values_list("pk", flat=True))
    assert first + second == expected[:len(first) + len(second)]
    highest = ids(client.get(url, {"ordering": "-score"}).content.decode())
    assert highest == list(proposed.order_by("-score", "pk").values_list("pk", flat=True)[:50])
    confirmed = ids(client.get(url, {"status": "confirmed"}).content.decode())
    assert set(confirmed) == set(Match.objects.filter(
        intake=scored_intake, status="confirmed").values_list("pk", flat=True))
    locked = ids(client.get(url, {"status": "all", "locked": "true"}).content.decode())
    assert set(locked) == set(Match.objects.filter(
        intake=scored_intake, locked=True).values_list("pk", flat=True))
    # A sort key that is no column's is ignored (the default order), never a 500.
    assert ids(client.get(url, {"ordering": "mentee__email"}).content.decode()) == first


def test_results_only_refresh_renders_the_rows_without_the_page(client, coordinator,
                                                                scored_intake):
    client.force_login(coordinator)
    fragment = client.get(u("proposals_results", scored_intake.pk),
                          {"status": "confirmed", "_w_filter_fragment": "1"})
    body = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in body
    assert ids(body) and '"#filters-drilldown"' in body  # the filters re-rendered
    # Actions taken from a refreshed list return to the list page, not to the fragment.
    assert f'value="{u("proposals", scored_intake.pk)}?status=confirmed"' in body


def test_introductions_and_waiting_filters(client, coordinator, scored_intake):
    client.force_login(coordinator)
    confirmed = Match.objects.filter(intake=scored_intake, status="confirmed").order_by("pk")
    sent = list(confirmed[:4])
    Match.objects.filter(pk__in=[m.pk for m in sent]).update(introduced_at=timezone.now())
    url = u("introductions", scored_intake.pk)
    pending = set(ids(client.get(url).content.decode()))
    assert pending == set(confirmed.filter(introduced_at=None).values_list("pk", flat=True))
    sent_page = client.get(url, {"show": "sent"}).content.decode()
    assert set(ids(sent_page)) == {m.pk for m in sent}
    assert not US_DATE.search(sent_page)  # dates in the user's locale, never 12/06/2026
    assert len(ids(client.get(url, {"show": "all"}).content.decode())) == confirmed.count()
    waiting = ids(client.get(u("waiting", scored_intake.pk),
                             {"ordering": "-arrival_date"}).content.decode())
    assert waiting and len(waiting) <= 50


@pytest.mark.parametrize("view,params", [
    ("proposals", {"status": "all", "locked": "false", "ordering": "-score", "p": "2"}),
    ("proposals_results", {"status": "confirmed", "ordering": "mentor__last_name",
                           "_w_filter_fragment": "1"}),
    ("waiting", {"blocked": "false", "ordering": "last_name", "q": "a", "p": "2"}),
    ("introductions", {"show": "all", "ordering": "-introduced_at", "p": "2"}),
])
def test_filtered_sorted_pages_cost_the_same_at_two_sizes(client, coordinator, programme,
                                                          view, params,
                                                          django_assert_max_num_queries):
    intake = Intake.objects.create(programme=programme, name="Growing",
                                   starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1))
    add_pairs(intake, 10, 8, 6, seed=3)
    client.force_login(coordinator)

    def measure() -> int:
        client.get(u(view, intake.pk), params)  # warm caches
        with django_assert_max_num_queries(40) as captured:
            response = client.get(u(view, intake.pk), params)
        assert response.status_code == 200
        return len(captured.captured_queries)

    small = measure()
    add_pairs(intake, 600, 450, 300, seed=11)
    assert measure() == small


@pytest.mark.django_db
def test_buddy_permissions_reach_the_group_editor_from_one_hook():
    registered = Permission.objects.none()
    for hook in hooks.get_hooks("register_permissions"):
        registered = registered | hook()
    codenames = set(registered.filter(content_type__app_label="wagtail_buddy",
                                      content_type__model="participant")
                    .values_list("codename", flat=True))
    # The list is read-only: no add/change/delete of participants offered to groups.
    assert codenames == {"view_participant", "match_participants", "manage_programme_settings"}


def test_participant_list_writes_dates_in_the_users_locale(client, coordinator, intake,
                                                           participant_factory):
    person = participant_factory("international")
    client.force_login(coordinator)
    profile = UserProfile.get_for_user(coordinator)
    profile.preferred_language = "de"
    profile.save()
    body = client.get(participant_url(intake=intake.pk)).content.decode()
    created = timezone.localtime(person.created_at)
    with translation.override("de"):
        german = formats.date_format(created, "DATE_FORMAT")
    assert german in body  # e.g. "6. Dezember 2026"
    assert created.strftime("%m/%d/%Y") not in body


def test_runs_list_filters_by_status_and_sorts(client, coordinator, intake, small_pool,
                                               run_matching):
    first = run_matching(intake, coordinator)
    second = run_matching(intake, coordinator)
    client.force_login(coordinator)
    url = u("runs", intake.pk)
    assert [int(pk) for pk in re.findall(r'<tr data-run="(\d+)"', client.get(url)
                                         .content.decode())] == [second.pk, first.pk]
    oldest = client.get(url, {"ordering": "created_at"}).content.decode()
    assert [int(pk) for pk in re.findall(r'<tr data-run="(\d+)"', oldest)] == [first.pk,
                                                                              second.pk]
    failed = client.get(url, {"status": "failed"}).content.decode()
    assert 'data-run="' not in failed and "No run yet." in failed
    matching = client.get(u("matching", intake.pk)).content.decode()
    assert f'href="{url}"' in matching
