"""What the national-scale work (issue 24) changed keeps its meaning: scoping by intake ids,
free buddies counted from the full ones, exports streamed in constant queries."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from tests.admin.test_access_and_scale import add_pairs
from tests.conftest import make_programme
from wagtail_buddy.admin.modeladmin import ParticipantAdmin
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
