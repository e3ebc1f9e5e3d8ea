"""The buddy's choosing page with thousands of waiting students: server time and queries.

Builds a fresh database (a temporary SQLite file, or PostgreSQL with ``--postgres``), loads
``--students`` waiting international students and ``--buddies`` local buddies in bulk, opens
a choosing window, then times one buddy's private page through Django's test client
(median of ``--repeat`` requests after one warm-up) and counts its queries:

- baseline: the same private page with the programme in "coordinators pair" mode (no list);
- the choosing page (page 1, and a later page) with all students waiting;
- the same page with a quarter of the students, to show the query count does not grow.

Prints a table with each page's ratio to the baseline measured in the same run, and exits
1 if the choosing page takes longer than ``--budget`` milliseconds.

    .venv/bin/python benchmarks/bench_choosing.py [--students 2000] [--repeat 7] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]


def measure(client, url: str, repeat: int) -> tuple[float, int, int]:
    """Median milliseconds, queries and KiB of ``url`` (after one warm-up request)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000, len(queries.captured_queries), \
        len(response.content) // 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--buddies", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--budget", type=float, default=300.0, help="milliseconds")
    parser.add_argument("--postgres", action="store_true",
                        help="use DATABASE_URL (default postgres://postgres@127.0.0.1/buddy_bench)")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="buddy-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "buddysite.settings.test"
    if args.postgres:
        os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/buddy_bench")
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(Path(tmp.name) / "bench.sqlite3")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    if args.postgres:
        from benchmarks.bench_admin import _recreate_postgres

        _recreate_postgres(os.environ["DATABASE_URL"])
    call_command("migrate", verbosity=0)

    from wagtail.models import Page, Site

    from wagtail_buddy.models import BuddyProgrammePage, Intake, Participant
    from wagtail_buddy.services import choosing, tokens
    from wagtail_buddy.services.demo import create_demo_participants

    site = Site.objects.get(is_default_site=True)
    parent = site.root_page if site.root_page.depth > 1 else Page.get_first_root_node()
    programme = BuddyProgrammePage(title="Buddy", slug="buddy-bench", section_name="ESN Bench")
    parent.add_child(instance=programme)
    now = timezone.now()
    intake = Intake.objects.create(
        programme=programme, name="Spring", starts_on=date(2027, 2, 1),
        ends_on=date(2027, 7, 1), choosing_opens_at=now - timedelta(days=1),
        choosing_closes_at=now + timedelta(days=1))
    create_demo_participants(intake, args.students, args.buddies, seed=1)
    buddies = Participant.objects.filter(intake=intake, role="local").select_related(
        "intake__programme")
    # The buddy with the longest list: the page's worst case.
    buddy = max(buddies[:20], key=lambda b: len(choosing.rank_for(b)))
    url = programme.url + programme.reverse_subpage(
        "participant", kwargs={"token": tokens.make_token(buddy, tokens.ACCESS)})
    client = Client()

    rows = []
    baseline = measure(client, url, args.repeat)
    rows.append(("private page, coordinators pair (baseline)", *baseline))
    BuddyProgrammePage.objects.filter(pk=programme.pk).update(pairing_mode="choose")
    listed = len(choosing.rank_for(buddy))
    first = measure(client, url, args.repeat)
    rows.append((f"choosing page 1 ({args.students} waiting, {listed} fit)", *first))
    fresh = Participant.objects.select_related("intake__programme").get(pk=buddy.pk)
    timings = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        choosing.overview(fresh)
        timings.append(time.perf_counter() - start)
    alone = statistics.median(timings) * 1000
    rows.append(("the choosing section alone (services.choosing)", alone, first[1] - baseline[1],
                 0))
    last = (listed - 1) // choosing.PER_PAGE + 1
    rows.append((f"choosing page {last}", *measure(client, f"{url}?choose_page={last}",
                                                    args.repeat)))
    keep = args.students // 4
    ids = list(Participant.objects.filter(intake=intake, role="international")
               .order_by("pk").values_list("pk", flat=True)[keep:])
    Participant.objects.filter(pk__in=ids).update(status="withdrawn")
    small = measure(client, url, args.repeat)
    rows.append((f"choosing page 1 ({keep} waiting)", *small))

    print(f"\nThe buddy's choosing page on {connection.vendor} "
          f"(median of {args.repeat}, Django test client)\n")
    print(f"| {'page':<46} | {'ms':>7} | {'x baseline':>10} | {'queries':>7} | {'KiB':>5} |")
    print(f"|{'-' * 48}|{'-' * 9}|{'-' * 12}|{'-' * 9}|{'-' * 7}|")
    for name, ms, queries, size in rows:
        print(f"| {name:<46} | {ms:>7.1f} | {ms / baseline[0]:>10.2f} | {queries:>7} | "
              f"{size:>5} |")
    constant = first[1] == small[1]  # page 1 with a quarter of the students
    ok = first[0] <= args.budget and constant
    print(f"\nchoosing page: {first[0]:.0f} ms (budget {args.budget:.0f} ms); queries "
          f"{'constant' if constant else 'NOT constant'} ({small[1]} with {keep}, {first[1]} "
          f"with {args.students}): {'OK' if ok else 'MISSED'}")
    tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
