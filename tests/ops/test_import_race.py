"""Issue 22's presses made twice at the same moment, by separate processes on PostgreSQL
(each its own connection, as two web workers or two terminals have): the same file imported
twice, "join again" sent twice, a buddy's "one more" yes pressed twice."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import make_participant
from tests.imports.conftest import csv_bytes, google_forms_rows
from tests.ops.conftest import django_process
from wagtail_buddy.models import Intake, Match, OutboundEmail, Participant
from wagtail_buddy.services import rejoin, shortage, tokens

# Each process gets ready (Django set up, arguments read), says so, and waits for "go".
PRELUDE = """
import json, sys
print("READY", flush=True)
sys.stdin.readline()
"""
IMPORT = PRELUDE + """
import io
from django.core.management import CommandError, call_command
out = io.StringIO()
try:
    call_command("buddy_import", sys.argv[1], sys.argv[2], "--intake", sys.argv[3],
                 "--role", "international", "--json", stdout=out)
    print(json.dumps(json.loads(out.getvalue())["result"]), flush=True)
except CommandError as exc:
    print(json.dumps({"error": str(exc)}), flush=True)
"""
JOIN_AGAIN = PRELUDE + """
from wagtail_buddy.models import Intake
from wagtail_buddy.services import rejoin
sent = rejoin.send_join_again(Intake.objects.get(pk=int(sys.argv[1])))
print(json.dumps([sent.emailed, sent.had_it]), flush=True)
"""
ONE_MORE_PRESS = PRELUDE + """
from django.test import Client
response = Client().post(sys.argv[1], {"action": "one_more"}, HTTP_HOST="localhost")
print(json.dumps(response.status_code), flush=True)
"""


def at_once(code: str, *args: str, n: int = 2) -> list:
    """Start ``n`` processes, release them together, return what each printed last."""
    processes = [django_process(code, *args) for _ in range(n)]
    try:
        for process in processes:
            assert process.stdout.readline().startswith("READY"), process.stderr.read()[-3000:]
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            out, err = process.communicate(timeout=180)
            assert process.returncode == 0, err[-3000:]
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()  # only the processes this test started
                process.wait(timeout=30)


@pytest.mark.postgres
def test_the_same_file_imported_twice_at_once(postgres_db, programme, intake, tmp_path):
    rows = 300
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(google_forms_rows(rows)))
    results = at_once(IMPORT, programme.slug, str(path), str(intake.pk))
    # One import wrote everything; the other either came after it (nothing new) or ran
    # into it and wrote nothing, saying so.
    created = sorted(r.get("created", 0) for r in results)
    assert created == [0, rows], results
    for result in results:
        assert result.get("created") in (0, rows) or "nothing was written" in result["error"]
    assert Participant.objects.filter(intake=intake).count() == rows
    assert Participant.objects.filter(intake=intake, status="invited").count() == rows
    invitations = OutboundEmail.objects.filter(purpose="invitation")
    assert invitations.count() == rows
    assert invitations.values("participant_id").distinct().count() == rows


@pytest.mark.postgres
def test_join_again_sent_twice_at_once(postgres_db, programme, intake):
    past_intake = Intake.objects.create(programme=programme, name="Autumn 2026",
                                        starts_on=date(2026, 9, 1),
                                        ends_on=date(2027, 1, 31), signup_open=False)
    buddies = [make_participant(past_intake, "local", status=Participant.Status.ENDED)
               for _ in range(20)]
    for buddy in buddies:
        rejoin.set_asked(buddy, True)
    results = at_once(JOIN_AGAIN, str(intake.pk))
    # The intake's lock makes the second press wait and find the first one's emails.
    assert sorted(results) == [[0, 20], [20, 0]]
    emails = OutboundEmail.objects.filter(purpose=rejoin.JOIN_AGAIN)
    assert emails.count() == 20
    assert set(emails.values_list("participant_id", flat=True)) == {b.pk for b in buddies}


@pytest.mark.postgres
def test_one_more_yes_pressed_twice_at_once(postgres_db, programme, intake):
    buddy = make_participant(intake, "local", capacity=1, status=Participant.Status.MATCHED)
    mentee = make_participant(intake, "international", status=Participant.Status.MATCHED)
    Match.objects.create(intake=intake, mentee=mentee, mentor=buddy,
                         status=Match.Status.CONFIRMED, score=1)
    assert shortage.ask_for_one_more(intake).emailed == 1
    link = tokens.private_url(buddy).split("localhost", 1)[1]
    results = at_once(ONE_MORE_PRESS, link, n=3)
    assert all(status in (200, 302) for status in results), results
    buddy.refresh_from_db()
    assert buddy.capacity == 2 and buddy.one_more_at is not None  # raised once, not thrice
