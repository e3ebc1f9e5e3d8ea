"""The second scale pass (issue 24): the pair page, the overview's free places, the run's
write and the row links keep their meaning while they got faster."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.admin.test_access_and_scale import add_pairs
from wagtail_buddy.admin.links import reverse_pk
from wagtail_buddy.models import Intake, Match, Participant
from wagtail_buddy.services import pool, reasons, stats
from wagtail_buddy.services.bulk import insert_rows


def growing_intake(programme) -> Intake:
    intake = Intake.objects.create(programme=programme, name="Growing",
                                   starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1))
    add_pairs(intake, 10, 8, 6, seed=3)
    return intake


def test_pair_page_queries_do_not_grow(client, coordinator, programme):
    """A waiting student's suggestions and near candidates: the same queries for 18 people
    and for 1,068, and the same suggestions as the service computes on its own."""
    intake = growing_intake(programme)
    student = (Participant.objects.filter(intake=intake, role="international",
                                          status="waiting").order_by("pk").first())
    url = reverse("wagtail_buddy_admin:pair", args=[student.pk])
    client.force_login(coordinator)

    def measure() -> tuple[int, str]:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries.captured_queries), response.content.decode()

    small, _html = measure()
    add_pairs(intake, 600, 450, 300, seed=11)
    big, html = measure()
    assert small == big
    shown = pool.suggestions(student, k=5)
    assert shown
    for pair in shown:
        assert f'data-mentor="{pair.mentor}"' in html
    free = pool.free_mentors(intake)
    assert pool.suggestions(student, k=5, free=free) == shown
    assert ([r["mentor"].pk for r in reasons.near_candidates(student, free=free)]
            == [r["mentor"].pk for r in reasons.near_candidates(student)])


def test_free_places_by_intake_equals_with_free_places(programme, participant_factory,
                                                       intake):
    """Two intakes, buddies free, full, paired beyond their places, not matchable."""
    other = growing_intake(programme)
    add_pairs(intake, 30, 20, 12, seed=5)
    full = participant_factory("local", capacity=1)
    Match.objects.create(intake=intake, mentee=participant_factory("international"),
                         mentor=full, status="proposed")
    beyond = participant_factory("local", capacity=1)
    for status in ("confirmed", "proposed", "rejected"):
        Match.objects.create(intake=intake, mentee=participant_factory("international"),
                             mentor=beyond, status=status)
    participant_factory("local", capacity=3, status="withdrawn")
    ids = [intake.pk, other.pk]
    expected = {i: (n, places) for i, n, places in (
        Participant.objects.filter(intake_id__in=ids).with_free_places()
        .values_list("intake_id").annotate(n=Count("pk"), places=Sum("free")))}
    assert stats.free_places_by_intake(ids) == expected
    assert expected[intake.pk][0] > 0 and expected[other.pk][0] > 0
    assert stats.free_places_by_intake([]) == {}


def test_insert_rows_stores_what_bulk_create_would(intake, participant_factory):
    """COPY on PostgreSQL, bulk_create elsewhere: the same row, defaults included."""
    a, b = participant_factory("international"), participant_factory("local")
    c, d = participant_factory("international"), participant_factory("local")
    data = {"intake_id": intake.pk, "status": Match.Status.PROPOSED, "score": 2.5,
            "breakdown": {"languages": 1.0, "age": 0.25},
            "evidence": {"languages": ["de", "en"], "same_gender": None, "arrival": 3}}
    assert insert_rows(Match, [{**data, "mentee_id": a.pk, "mentor_id": b.pk}]) == 1
    Match.objects.bulk_create([Match(**data, mentee_id=c.pk, mentor_id=d.pk)])
    copied = Match.objects.get(mentee=a)
    created = Match.objects.get(mentee=c)
    skip = {"id", "mentee", "mentor", "created_at"}
    for field in Match._meta.concrete_fields:
        if field.name not in skip:
            assert getattr(copied, field.attname) == getattr(created, field.attname), field
    assert copied.created_at is not None
    assert insert_rows(Match, []) == 0


def test_insert_rows_refuses_a_second_active_pair_with_djangos_error(intake,
                                                                     participant_factory):
    """A run retries when its write meets a pair made meanwhile: COPY's refusal must be the
    IntegrityError that ``bulk_create`` raises, and it must write nothing."""
    mentee, first, second = (participant_factory("international"),
                             participant_factory("local"), participant_factory("local"))
    row = {"intake_id": intake.pk, "mentee_id": mentee.pk, "status": Match.Status.PROPOSED}
    insert_rows(Match, [{**row, "mentor_id": first.pk}])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Match, [{**row, "mentor_id": second.pk}])
    assert list(Match.objects.values_list("mentor_id", flat=True)) == [first.pk]


def test_reverse_pk_is_reverse(intake):
    for name, rest in (("wagtail_buddy_admin:proposals", ()),
                       ("wagtail_buddy_admin:match_action", ("confirm",)),
                       ("wagtail_buddy_participant_modeladmin_inspect", ())):
        for pk in (1, 42, intake.pk, "7"):
            assert reverse_pk(name, pk, *rest) == reverse(name, args=[pk, *rest])
