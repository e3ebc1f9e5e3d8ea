"""Cross-section access by URL, and lists whose query count does not grow with size."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from tests.conftest import make_coordinator, make_programme
from wagtail_buddy.admin.modeladmin import participant_url
from wagtail_buddy.models import Intake, Match, Participant
from wagtail_buddy.services import statuses
from wagtail_buddy.services.demo import create_demo_participants


def u(name, *args):
    return reverse(f"wagtail_buddy_admin:{name}", args=args)


def test_other_section_cannot_read_or_change_by_url(client, small_pool, intake, coordinator,
                                                    run_matching, home_page, django_user_model):
    run = run_matching(intake, coordinator)
    match = Match.objects.filter(run=run).select_related("mentee").first()
    mentee = match.mentee
    waiting = Participant.objects.filter(intake=intake, role="international").first()
    other = make_coordinator(django_user_model, "lyon", make_programme(home_page, "Lyon"))
    client.force_login(other)
    reads = [
        u("matching", intake.pk), u("proposals", intake.pk), u("waiting", intake.pk),
        u("introductions", intake.pk), u("stats", intake.pk), u("run", run.pk),
        u("run_status", run.pk), u("intake_progress", intake.pk), u("match", match.pk),
        u("swap", match.pk), u("pair", waiting.pk),
        participant_url(mentee.pk),
    ]
    for url in reads:
        response = client.get(url)
        assert response.status_code in (403, 404) or (
            response.status_code == 302 and response["Location"] == "/admin/"), url
        assert mentee.email.encode() not in response.content, url
    listing = client.get(participant_url())
    assert listing.status_code == 200 and mentee.email.encode() not in listing.content
    export = client.get(participant_url(),
                        {"export": "csv"})
    assert mentee.email.encode() not in export.getvalue()
    for url, data in [
        (u("match_action", match.pk, "confirm"), {}),
        (u("proposals", intake.pk), {"action": "reject", "ids": [match.pk]}),
        (u("cancel", match.pk), {"reason": "x"}),
        (u("participants_bulk"), {"action": "withdraw", "ids": [mentee.pk]}),
        (u("introductions", intake.pk), {"scope": "all"}),
    ]:
        assert client.post(url, data).status_code in (302, 404), url
    match.refresh_from_db()
    mentee.refresh_from_db()
    assert match.status == "proposed" and mentee.status == "proposed"


def test_anonymous_json_gets_login(client, intake, small_pool, coordinator, run_matching):
    run = run_matching(intake, coordinator)
    for url in (u("run_status", run.pk), u("intake_progress", intake.pk)):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def add_pairs(intake, internationals: int, locals_: int, pairs: int, seed: int) -> None:
    """Add participants in bulk and pair ``pairs`` of the new ones (a third confirmed)."""
    known = set(Participant.objects.filter(intake=intake).values_list("pk", flat=True))
    create_demo_participants(intake, internationals, locals_, seed=seed)
    new = Participant.objects.filter(intake=intake).exclude(pk__in=known).order_by("pk")
    mentees = list(new.filter(role="international")[:pairs])
    mentors = list(new.filter(role="local")[:pairs])
    Match.objects.bulk_create([
        Match(intake=intake, mentee=a, mentor=b, score=1.5, breakdown={"languages": 1.0},
              status="confirmed" if i % 3 == 0 else "proposed")
        for i, (a, b) in enumerate(zip(mentees, mentors, strict=True))])
    statuses.refresh_statuses([p.pk for p in mentees + mentors])


@pytest.fixture
def big_intake(programme, coordinator):
    """1,200 participants in bulk, 300 of them paired (proposed or confirmed)."""
    intake = Intake.objects.create(programme=programme, name="Big", starts_on=date(2027, 2, 1),
                                   ends_on=date(2027, 7, 1))
    add_pairs(intake, 700, 500, 300, seed=11)
    return intake


ROW = re.compile(r'<tr data-(?:match|participant)="|name="ids" value="\d+" form="buddy-bulk"')


def rows_shown(html: str) -> int:
    return len(ROW.findall(html))


@pytest.mark.parametrize("view", ["participants", "proposals", "waiting", "introductions",
                                  "overview", "stats", "matching", "checklist"])
def test_lists_use_a_constant_number_of_queries(client, coordinator, programme, view,
                                                django_assert_max_num_queries):
    """The same number of queries for a small intake and one 60 times its size, whose
    list pages show at least twice the rows."""
    intake = Intake.objects.create(programme=programme, name="Growing",
                                   starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1))
    add_pairs(intake, 10, 8, 6, seed=3)
    client.force_login(coordinator)
    url = {"participants": participant_url(),
           "overview": u("overview")}.get(view) or u(view, intake.pk)

    def measure() -> tuple[int, int]:
        client.get(url)  # warm caches (content types, site, session)
        with django_assert_max_num_queries(40) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries), rows_shown(response.content.decode())

    small_queries, small_rows = measure()
    people = Participant.objects.filter(intake=intake).count()
    add_pairs(intake, 600, 450, 300, seed=11)
    big_queries, big_rows = measure()
    assert Participant.objects.filter(intake=intake).count() > 50 * people
    assert big_queries == small_queries
    if view in ("participants", "proposals", "waiting", "introductions"):
        assert small_rows > 0 and big_rows >= 2 * small_rows, (small_rows, big_rows)


def test_participant_list_paginates(client, coordinator, big_intake):
    client.force_login(coordinator)
    response = client.get(participant_url(),
                          {"intake": big_intake.pk})
    body = response.content.decode()
    assert body.count('name="ids"') == 50
    assert "1200" in body.replace(",", "").replace("\u202f", "").replace(" ", "")
