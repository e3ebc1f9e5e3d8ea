"""What the national-scale work (issue 24) changed keeps its meaning: scoping by intake ids,
free buddies counted from the full ones, exports streamed in constant queries."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from tests.admin.test_access_and_scale import add_pairs
from tests.conftest import make_programme
from wagtail_buddy.admin.modeladmin import ParticipantAdmin
from wagtail_buddy.admin.paging import page_rows
from wagtail_buddy.models import Intake, Match, Participant
from wagtail_buddy.permissions import intake_ids_for_user, scope_to_user
from wagtail_buddy.services import stats

INDEX = "wagtail_buddy_participant_modeladmin_index"


def test_free_buddies_count_equals_the_list(intake, participant_factory):
    student = participant_factory("international")

    def buddy(capacity, status="waiting", matches=()):
        person = participant_factory("local", capacity=capacity, status=status)
        for match_status in matches:
            Match.objects.create(intake=intake, mentee=participant_factory("international"),
                                 mentor=person, status=match_status)
        return person

    free = [buddy(1), buddy(2, matches=["confirmed"]), buddy(1, matches=["rejected", "ended"])]
    buddy(1, matches=["proposed"])  # full
    buddy(2, matches=["confirmed", "proposed", "proposed"])  # paired beyond its places
    buddy(1, status="unconfirmed")
    buddy(3, status="withdrawn")
    Match.objects.create(intake=intake, mentee=student, mentor=free[0], status="cancelled")
    summary = stats.intake_summary([intake])[intake.pk]
    listed = set(Participant.objects.filter(intake=intake).with_free_places()
                 .values_list("pk", flat=True))
    assert listed == {p.pk for p in free}
    assert summary["free_buddies"] == 3


def test_scope_by_intake_ids(intake, coordinator, home_page, django_user_model):
    other = Intake.objects.create(programme=make_programme(home_page, "Lyon"), name="Other",
                                  starts_on=intake.starts_on, ends_on=intake.ends_on)
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    idle = django_user_model.objects.create_user("idle", "idle@example.org", "pw")
    assert intake_ids_for_user(coordinator) == [intake.pk]
    assert intake_ids_for_user(root) is None
    assert intake_ids_for_user(idle) == [] and intake_ids_for_user(None) == []
    query = str(scope_to_user(Participant.objects.all(), root).query)
    assert "WHERE" not in query  # a superuser's list is not filtered at all
    assert other.pk not in intake_ids_for_user(coordinator)


def test_csv_export_streams_in_constant_queries(client, coordinator, programme):
    intake = Intake.objects.create(programme=programme, name="Growing",
                                   starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1))
    add_pairs(intake, 10, 8, 6, seed=3)
    client.force_login(coordinator)

    def export() -> tuple[int, int, bytes]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(INDEX), {"intake": intake.pk, "export": "csv"})
            assert response.streaming
            chunks = list(response.streaming_content)
        return len(queries.captured_queries), len(chunks), b"".join(chunks)

    small_queries, small_chunks, small = export()
    add_pairs(intake, 600, 450, 300, seed=11)
    big_queries, big_chunks, big = export()
    people = Participant.objects.filter(intake=intake).count()
    assert small.decode("utf-8-sig").count("\n") == 18 + 1
    assert big.decode("utf-8-sig").count("\n") == people + 1
    assert big_queries == small_queries
    assert big_chunks > small_chunks >= 2  # the header leaves before the rows are read



def test_waiting_since_counts_from_the_last_ended_pair(rf, intake, coordinator,
                                                       participant_factory):
    now = timezone.now()
    student = participant_factory("international", confirmed_at=now - timedelta(days=40))
    fresh = participant_factory("international", confirmed_at=now - timedelta(days=40))
    for days in (30, 9):
        Match.objects.create(intake=intake, mentee=student, status="ended",
                             ended_at=now - timedelta(days=days),
                             mentor=participant_factory("local"))
    request = rf.get("/")
    request.user = coordinator
    rows = {p.pk: p for p in ParticipantAdmin().get_queryset(request)}

    def day(value):
        return formats.date_format(timezone.localtime(value), "DATE_FORMAT")

    assert ParticipantAdmin.waiting_since(rows[student.pk]) == day(now - timedelta(days=9))
    assert ParticipantAdmin.waiting_since(rows[fresh.pk]) == day(now - timedelta(days=40))


# Every way of reading the participant list that bench_scale.py times, and the one-object
# screens, cost the same number of queries for 18 people and for 60 times as many.
LIST_VIEWS = {
    "page 1": {}, "deep page": {"p": "3"}, "one intake": {"intake": "{intake}"},
    "filtered": {"intake": "{intake}", "role": "international", "status": "proposed"},
    "searched": {"q": "a"},
    **{f"sorted by column {n}": {"o": str(n)} for n in (1, 2, 3, 8, 9, 10, 11)},
    "sorted descending": {"o": "-1"},
}


def grow_and_measure(client, intake, url, params=None) -> tuple[int, int]:
    """Queries of ``url`` for ``intake`` as it is, then once it holds 60 times as many."""

    def measure() -> int:
        client.get(url, params)  # warm caches (content types, site, session)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200, (url, params, response.status_code)
        return len(queries.captured_queries)

    small = measure()
    add_pairs(intake, 600, 450, 300, seed=11)
    assert Participant.objects.filter(intake=intake).count() > 1000
    return small, measure()


@pytest.mark.parametrize("who", ["coordinator", "superuser"])
@pytest.mark.parametrize("variant", list(LIST_VIEWS))
def test_participant_list_queries_do_not_grow(client, coordinator, programme, who, variant,
                                              django_user_model):
    intake = Intake.objects.create(programme=programme, name="Growing",
                                   starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1))
    add_pairs(intake, 10, 8, 6, seed=3)
    user = coordinator if who == "coordinator" else django_user_model.objects.create_superuser(
        "root", "root@example.org", "pw")
    client.force_login(user)
    params = {k: v.format(intake=intake.pk) for k, v in LIST_VIEWS[variant].items()}
    small, big = grow_and_measure(client, intake, reverse(INDEX), params)
    assert small == big
    loaded = []

    def count(sender, **kwargs):
        loaded.append(sender)

    post_init.connect(count, sender=Participant)
    try:
        assert client.get(reverse(INDEX), params).status_code == 200
    finally:
        post_init.disconnect(count, sender=Participant)
    # One page of people and their buddies, never the 1,000 rows (a paginator that could
    # not call count() read them all with len()).
    assert 0 < len(loaded) <= 150


def test_one_object_screens_do_not_grow(client, coordinator, programme, run_matching):
    """A participant's profile, a pair's swap suggestions and a run's summary."""
    intake = Intake.objects.create(programme=programme, name="Growing",
                                   starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1))
    add_pairs(intake, 10, 8, 6, seed=3)
    run = run_matching(intake, coordinator)
    match = Match.objects.filter(intake=intake, status="proposed").order_by("pk").first()
    client.force_login(coordinator)
    urls = [reverse("wagtail_buddy_participant_modeladmin_inspect", args=[match.mentee_id]),
            reverse("wagtail_buddy_admin:swap", args=[match.pk]),
            reverse("wagtail_buddy_admin:run", args=[run.pk])]

    def measure() -> list[int]:
        counts = []
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            counts.append(len(queries.captured_queries))
        return counts

    small = measure()
    add_pairs(intake, 600, 450, 300, seed=11)
    Match.objects.filter(mentee_id=match.mentee_id).exclude(pk=match.pk).delete()
    assert measure() == small


def test_superuser_overview_queries_do_not_grow_with_sections(client, home_page,
                                                              django_user_model):
    """One section or four, each with two intakes: the same queries for the whole country."""
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(root)

    def add_section() -> None:
        page = make_programme(home_page, f"Section {Intake.objects.count()}")
        for name in ("Past", "Open"):
            intake = Intake.objects.create(programme=page, name=name,
                                           starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1))
            add_pairs(intake, 6, 5, 3, seed=Intake.objects.count())

    def measure() -> int:
        client.get(reverse("wagtail_buddy_admin:overview"))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("wagtail_buddy_admin:overview"))
        assert response.status_code == 200
        return len(queries.captured_queries)

    add_section()
    one = measure()
    for _ in range(3):
        add_section()
    assert measure() == one


@pytest.mark.parametrize("ordering", [("score", "pk"), ("-score", "-pk"),
                                      ("mentee__last_name", "pk"), ("-created_at", "-pk")])
def test_deferred_join_pages_are_the_pages(intake, ordering):
    """Ids first, then the rows: every page has the rows plain slicing gives, in order,
    with their people loaded."""
    add_pairs(intake, 130, 130, 120, seed=5)
    queryset = (Match.objects.filter(intake=intake).select_related("mentee", "mentor")
                .order_by(*ordering))
    for bottom, top in ((0, 50), (50, 100), (100, 150), (110, 160)):
        rows = page_rows(queryset, bottom, top)
        assert [m.pk for m in rows] == [m.pk for m in queryset[bottom:top]]
    with CaptureQueriesContext(connection) as queries:
        assert {m.mentor.last_name for m in page_rows(queryset, 50, 100)}
    assert len(queries.captured_queries) == 2  # the ids, then the rows with their people


def test_participant_list_deep_page_shows_its_own_rows(client, coordinator, intake):
    add_pairs(intake, 100, 80, 40, seed=7)
    client.force_login(coordinator)
    expected = list(Participant.objects.filter(intake=intake)
                    .order_by("last_name", "-pk").values_list("pk", flat=True)[100:150])
    body = client.get(reverse(INDEX), {"o": "1", "p": "3"}).content.decode()
    shown = [int(pk) for pk in re.findall(r'data-object-pk="(\d+)"', body)]
    assert shown == expected
