"""Fifty buddies claiming at once on PostgreSQL, each in its own process with its own
connection (as fifty web workers would): no student is claimed twice, no buddy goes past a
cap, and every buddy who lost is told why."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from tests.ops.conftest import django_process
from wagtail_buddy.models import Match, OutboundEmail

BUDDIES, STUDENTS = 50, 12

# Waits for "go", then tries to claim the two students named on the command line in turn.
CLAIMER = """
import sys
from wagtail_buddy.services import choosing
buddy, first, second = (int(x) for x in sys.argv[1:4])
from django.db import connection
connection.ensure_connection()
print("READY", flush=True)
sys.stdin.readline()
for student in (first, second):
    try:
        match = choosing.claim(buddy, student)
        print("CLAIMED", student, match.pk, flush=True)
    except choosing.ChoosingError as exc:
        print("REFUSED", student, str(exc), flush=True)
"""


@pytest.mark.postgres
def test_fifty_buddies_claim_at_once(postgres_db, programme, intake, participant_factory):
    programme.pairing_mode = "choose"
    programme.save(update_fields=["pairing_mode"])
    now = timezone.now()
    intake.choosing_opens_at, intake.choosing_closes_at = now - timedelta(hours=1), \
        now + timedelta(hours=1)
    intake.choices_per_day, intake.choices_per_intake = 1, 1
    intake.save()
    students = [participant_factory("international", first_name=f"S{n}")
                for n in range(STUDENTS)]
    buddies = [participant_factory("local", first_name=f"B{n}", capacity=2)
               for n in range(BUDDIES)]
    processes = []
    try:
        for n, buddy in enumerate(buddies):  # about four buddies want each student
            first, second = students[n % STUDENTS], students[(n * 7 + 3) % STUDENTS]
            processes.append(django_process(CLAIMER, str(buddy.pk), str(first.pk),
                                            str(second.pk)))
        for process in processes:
            assert process.stdout.readline().startswith("READY"), process.stderr.read()[-3000:]
        for process in processes:  # all at once
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = []
        for process in processes:
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err[-3000:]
            outputs.append(out.splitlines())
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()  # only the processes this test started
                process.wait(timeout=30)

    lines = [line for out in outputs for line in out]
    claimed = [line for line in lines if line.startswith("CLAIMED")]
    refused = [line for line in lines if line.startswith("REFUSED")]
    # Every attempt got an answer, and every refusal says why in words.
    assert len(claimed) + len(refused) == 2 * BUDDIES
    reasons = Counter(line.split(" ", 2)[2] for line in refused)
    assert set(reasons) <= {
        "Another buddy has just chosen this student. Please choose someone else.",
        "You have chosen 1 student today, the most allowed per day. You can choose again "
        "tomorrow.",
    }, reasons
    active = Match.objects.filter(status__in=Match.ACTIVE)
    # 0 students claimed twice; every student claimed (some buddy wanted each one).
    per_student = active.values("mentee").annotate(n=Count("pk"))
    assert max(row["n"] for row in per_student) == 1
    assert active.count() == len(claimed) == STUDENTS
    # 0 claims past a cap: one per buddy (per day and per intake), never past capacity.
    per_buddy = active.values("mentor").annotate(n=Count("pk"))
    assert max(row["n"] for row in per_buddy) == 1
    assert all(m.locked and m.source == "buddy" for m in active)
    # The winners' students, and only they, are told "a buddy has chosen you".
    assert OutboundEmail.objects.filter(purpose="chosen").count() == STUDENTS
