from __future__ import annotations

import pytest

from wagtail_buddy.services import runs


@pytest.fixture
def small_pool(participant_factory, interests):
    """6 internationals and 3 locals (capacity 2) who can all be paired."""
    mentees = [participant_factory("international", languages=("en", "es"),
                                   interests=interests[:2]) for _ in range(6)]
    mentors = [participant_factory("local", languages=("en",), capacity=2,
                                   interests=interests[1:3]) for _ in range(3)]
    return mentees, mentors


@pytest.fixture
def run_matching(django_capture_on_commit_callbacks):
    """Start a run and execute it inline (test settings run django-q2 tasks synchronously)."""

    def run(intake, user, config=None):
        with django_capture_on_commit_callbacks(execute=True):
            started = runs.start_run(intake.programme, intake, user, config or {})
        started.refresh_from_db()
        return started

    return run
