"""Two students answering at once, and the expiry schedule racing an answer, on PostgreSQL.

Each answer runs in its own process with its own connection, as two web workers would.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.ops.conftest import held_process, release
from wagtail_buddy.models import Match, OutboundEmail
from wagtail_buddy.services import answers, decisions

# Answers for one side of a match and holds the transaction open until a line arrives.
HELD_ANSWER = """
import sys
from django.db import transaction
from wagtail_buddy.models import Participant
from wagtail_buddy.services import answers
match_id, person_id, accept = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "yes"
person = Participant.objects.get(pk=person_id)
print("READY", flush=True)
with transaction.atomic():
    try:
        answers.answer(match_id, person, accept)
        print("ANSWERED", flush=True)
    except answers.AnswerError as exc:
        print("REFUSED", exc, flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def waiting_pair(postgres_db, programme, participant_factory, intake, coordinator):
    programme.pairing_mode = "both_accept"
    programme.save(update_fields=["pairing_mode"])
    mentee = participant_factory("international")
    mentor = participant_factory("local", capacity=1)
    match = Match.objects.select_related("mentee", "mentor", "intake__programme").get(
        pk=Match.objects.create(intake=intake, mentee=mentee, mentor=mentor).pk)
    decisions.confirm([match], coordinator)
    match.refresh_from_db()
    return match


def start(match, person, accept=True):
    """The answering process, once Django is set up and it is about to answer."""
    process = held_process(HELD_ANSWER, str(match.pk), str(person.pk),
                             "yes" if accept else "no")
    return process


@pytest.mark.postgres
def test_both_answer_at_once_and_the_expiry_skips_the_locked_pair(waiting_pair):
    match = waiting_pair
    first = start(match, match.mentee)
    second = None
    try:
        line = first.stdout.readline()
        assert line.startswith("ANSWERED"), first.stderr.read()[-3000:]
        # The schedule (another cluster) runs now, past the deadline: it skips the locked row.
        late = match.answers_due_at + timedelta(minutes=1)
        assert answers.expire_and_remind(now=late) == {"expired": 0, "reminded": 0}
        second = start(match, match.mentor)
        time.sleep(1.5)
        assert second.poll() is None  # waits for the first answer's row lock
        release(first)
        assert second.stdout.readline().startswith("ANSWERED")
        release(second)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()  # only the processes this test started
                process.wait(timeout=30)
    match.refresh_from_db()
    assert (match.status, match.answers) == ("confirmed", "accepted")
    assert (match.mentee_answer, match.mentor_answer) == ("accepted", "accepted")
    assert OutboundEmail.objects.filter(purpose="introduction").count() == 2
    assert answers.expire_and_remind(now=late) == {"expired": 0, "reminded": 0}


@pytest.mark.postgres
def test_the_same_student_answering_twice_at_once_counts_once(waiting_pair):
    match = waiting_pair
    first = start(match, match.mentee, accept=True)
    second = None
    try:
        assert first.stdout.readline().startswith("ANSWERED")
        second = start(match, match.mentee, accept=False)
        time.sleep(1.5)
        assert second.poll() is None
        release(first)
        line = second.stdout.readline()
        assert line.startswith("REFUSED") and "already answered" in line
        release(second)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    match.refresh_from_db()
    assert (match.status, match.answers, match.mentee_answer) == ("proposed", "waiting",
                                                                  "accepted")
