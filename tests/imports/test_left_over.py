"""A student a run leaves without a buddy comes first in the next run."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_participant
from wagtail_buddy.models import Match, MatchingRun, Participant
from wagtail_buddy.services import decisions, runs

pytestmark = pytest.mark.usefixtures("buddy_cache")


def run(intake, coordinator, capture) -> MatchingRun:
    with capture(execute=True):
        started = runs.start_run(intake.programme, intake, coordinator, {})
    started.refresh_from_db()
    assert started.status == MatchingRun.Status.SUCCEEDED, started.error
    return started


def proposed_mentees(intake) -> list[int]:
    return list(Match.objects.filter(intake=intake, status=Match.Status.PROPOSED)
                .values_list("mentee_id", flat=True))


def test_the_left_over_student_wins_the_one_buddy_in_the_next_run(
        intake, coordinator, interests, django_capture_on_commit_callbacks):
    make_participant(intake, "local", languages=("fr", "en"), capacity=1,
                     interests=interests[:3], faculty="Law")
    fit = make_participant(intake, languages=("fr", "en"), interests=interests[:3],
                           faculty="Law")
    other = make_participant(intake, languages=("en",), faculty="Physics")
    run(intake, coordinator, django_capture_on_commit_callbacks)
    assert proposed_mentees(intake) == [fit.pk]  # the better fit, by score
    other.refresh_from_db()
    fit.refresh_from_db()
    assert other.left_over_at is not None and fit.left_over_at is None
    first_left = other.left_over_at
    run(intake, coordinator, django_capture_on_commit_callbacks)  # proposals replaced
    assert proposed_mentees(intake) == [other.pk]  # the left-over student comes first
    other.refresh_from_db()
    fit.refresh_from_db()
    # A proposal keeps the priority (a re-run or a decline must not cost it) ...
    assert other.left_over_at == first_left and fit.left_over_at is not None
    # ... the confirmed pair spends it.
    decisions.confirm(list(Match.objects.filter(intake=intake, status=Match.Status.PROPOSED)
                           .select_related("intake__programme")), coordinator)
    other.refresh_from_db()
    assert other.left_over_at is None
    assert list(Participant.objects.filter(left_over_at__isnull=False)
                .values_list("pk", flat=True)) == [fit.pk]


def test_left_over_students_head_the_waiting_list(intake, coordinator, client):
    early = make_participant(intake, arrival_date=intake.starts_on)
    late = make_participant(intake, arrival_date=intake.ends_on)
    client.force_login(coordinator)
    url = reverse("wagtail_buddy_admin:waiting", args=[intake.pk])

    def order():
        html = client.get(url).content.decode()
        return sorted((early, late), key=lambda p: html.index(p.last_name))

    assert order() == [early, late]  # earliest arrival first
    Participant.objects.filter(pk=late.pk).update(left_over_at=timezone.now())
    assert order() == [late, early]
