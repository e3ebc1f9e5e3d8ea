"""The coordinators' coming arrivals: the next 14 days of one intake, who, when, where and
whether someone picks them up; the uncovered ones on the overview; scoped to the programme."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_coordinator, make_participant, make_programme
from wagtail_buddy.models import Arrival, Intake, Match
from wagtail_buddy.services import arrivals

ROW = re.compile(r'<tr data-participant="(\d+)"')
TODAY = timezone.localdate()


def u(name, *args):
    return reverse(f"wagtail_buddy_admin:{name}", args=args)


def arriving(intake, days: int, pickup: str = "", **fields):
    student = make_participant(intake, "international", arrival_date=TODAY + timedelta(days),
                               **fields)
    Arrival.objects.create(participant=student, time=time(9, 15), how="plane",
                           place="Saint-Exupéry", pickup=pickup)
    return student


@pytest.fixture
def coming(intake):
    buddy = make_participant(intake, "local", first_name="Bruno", last_name="Buddy",
                             status="matched")
    covered = arriving(intake, 2, "covered", first_name="Cara")
    Arrival.objects.filter(participant=covered).update(covered_by=buddy)
    Match.objects.create(intake=intake, mentee=covered, mentor=buddy, status="confirmed",
                         introduced_at=timezone.now())
    return {"covered": covered, "open": arriving(intake, 0, "open", first_name="Olga"),
            "asked": arriving(intake, 14, "asked", first_name="Asa"),
            "none": arriving(intake, 5, first_name="Nils"),
            "bare": make_participant(intake, "international", first_name="Bea",
                                     arrival_date=TODAY + timedelta(3)),
            "later": arriving(intake, 15, "open", first_name="Late"),
            "past": arriving(intake, -1, "open", first_name="Past"),
            "withdrawn": arriving(intake, 1, "open", status="withdrawn")}


def rows(html: str) -> list[int]:
    return [int(pk) for pk in ROW.findall(html)]


def test_the_list_shows_the_next_14_days_soonest_first(client, coordinator, intake, coming):
    client.force_login(coordinator)
    response = client.get(u("arrivals", intake.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(html) == [coming[k].pk for k in ("open", "covered", "bare", "none", "asked")]
    assert "Saint-Exupéry" in html and "by Bruno Buddy" in html and "Buddy: Bruno" in html
    assert "Not given yet" in html and "on the pick-up board" in html
    assert "waiting for the buddy" in html
    uncovered = client.get(u("arrivals", intake.pk), {"pickup": "uncovered"}).content.decode()
    assert rows(uncovered) == [coming["open"].pk, coming["asked"].pk]
    covered = client.get(u("arrivals", intake.pk), {"pickup": "covered"}).content.decode()
    assert rows(covered) == [coming["covered"].pk]
    none = client.get(u("arrivals", intake.pk), {"pickup": "none"}).content.decode()
    assert rows(none) == [coming["bare"].pk, coming["none"].pk]
    bad = client.get(u("arrivals", intake.pk), {"pickup": "<script>", "ordering": "x"})
    assert bad.status_code == 200


def test_the_overview_counts_uncovered_pickups_and_links_to_them(client, coordinator, intake,
                                                                 coming):
    client.force_login(coordinator)
    html = client.get(u("overview")).content.decode()
    todo = re.search(r'<li data-todo="pickups"[^>]*>(.*?)</li>', html, re.S).group(1)
    assert "<strong>2</strong>" in todo and "?pickup=uncovered" in todo
    assert arrivals.uncovered_counts([intake], TODAY) == {intake.pk: 2}
    assert "arrivals" in client.get(u("go", "arrivals"))["Location"]


def test_another_programmes_coordinator_sees_nothing(client, django_user_model, home_page,
                                                     intake, coming):
    other = make_programme(home_page, "Other")
    stranger = make_coordinator(django_user_model, "stranger", other)
    client.force_login(stranger)
    assert client.get(u("arrivals", intake.pk)).status_code == 404
    overview = client.get(u("overview")).content.decode()
    assert 'data-todo="pickups"' not in overview


def test_the_list_costs_the_same_at_two_sizes(client, coordinator, intake, coming,
                                              django_assert_max_num_queries):
    client.force_login(coordinator)

    def measure() -> int:
        client.get(u("arrivals", intake.pk))
        with django_assert_max_num_queries(40) as captured:
            assert client.get(u("arrivals", intake.pk), {"pickup": "uncovered"}
                              ).status_code == 200
        return len(captured.captured_queries)

    small = measure()
    for n in range(12):
        student = arriving(intake, n % 14, "covered")
        Arrival.objects.filter(participant=student).update(
            covered_by=make_participant(intake, "local"))
        arriving(intake, n % 14, "open")
    assert measure() == small


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(-400, 400), minutes=st.integers(0, 24 * 60 - 1))
def test_check_when_accepts_exactly_today_to_the_intake_end(intake, offset, minutes):
    """Over all dates and times: accepted iff not before now and not after the intake ends."""
    student = make_participant(intake, "international")
    now = arrivals.moment(date(2027, 3, 10), time(12, 0))
    day = date(2027, 3, 10) + timedelta(days=offset)
    at = time(minutes // 60, minutes % 60)
    expected = arrivals.moment(day, at) >= now and day <= intake.ends_on
    try:
        arrivals.check_when(student, day, at, now)
        accepted = True
    except arrivals.ArrivalError as error:
        accepted = False
        assert error.field in ("arrival_date", "time") and str(error)
    assert accepted == expected


def test_a_second_intakes_arrivals_stay_in_their_own_list(client, coordinator, programme,
                                                          intake, coming):
    autumn = Intake.objects.create(programme=programme, name="Autumn",
                                   starts_on=date(2027, 9, 1), ends_on=date(2028, 1, 31))
    theirs = arriving(autumn, 1, "open")
    client.force_login(coordinator)
    assert rows(client.get(u("arrivals", autumn.pk)).content.decode()) == [theirs.pk]
    assert theirs.pk not in rows(client.get(u("arrivals", intake.pk)).content.decode())


def test_the_places_are_edited_in_the_page_settings(admin_client, programme):
    """The list is a field of the page's Settings tab (whoever may edit the page)."""
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    client = admin_client
    edit = f"/admin/pages/{programme.pk}/edit/"
    assert 'name="arrival_places"' in client.get(edit).content.decode()
    data = nested_form_data({
        "title": programme.title, "slug": programme.slug, "section_name": "ESN Lyon",
        "contact_email": "buddy@example.org", "intro": streamfield([]),
        "privacy_notice": rich_text("<p>We store your data.</p>"), "charter": rich_text(""),
        "extra_questions": streamfield([]), "pairing_mode": "coordinator", "answer_days": 4,
        "arrival_places": "Part-Dieu\r\nSaint-Exupéry\r\n\r\nPart-Dieu",
        "action-publish": "publish"})
    response = client.post(edit, data)
    assert response.status_code == 302, response.context["form"].errors
    programme.refresh_from_db()
    assert arrivals.places(programme) == ["Part-Dieu", "Saint-Exupéry"]
