"""Coordinator workspace at scale: list pages and the review page with 20,000 participants.

Builds a fresh database (a temporary SQLite file, or PostgreSQL with ``--postgres``), loads
``--participants`` demo people in bulk (60 % internationals), runs the matching engine once
so the review page has thousands of proposals, then times each admin page through Django's
test client (median of ``--repeat`` requests after one warm-up) and counts its queries.
Prints a table and exits 1 if a page takes longer than ``--budget`` seconds.

    .venv/bin/python benchmarks/bench_admin.py [--participants 20000] [--repeat 5] [--postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date

from _bench import programme_page, setup_django, timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per page")
    parser.add_argument("--postgres", action="store_true",
                        help="use DATABASE_URL (default postgres://postgres@127.0.0.1/buddy_bench)")
    args = parser.parse_args()

    tmp = setup_django(args.postgres, "buddy_bench")
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from wagtail_buddy.models import Intake, Match
    from wagtail_buddy.services import runs
    from wagtail_buddy.services.demo import create_demo_participants

    programme = programme_page()
    intake = Intake.objects.create(programme=programme, name="Spring", starts_on=date(2027, 2, 1),
                                   ends_on=date(2027, 7, 1))
    internationals = int(args.participants * 0.6)
    t = time.perf_counter()
    create_demo_participants(intake, internationals, args.participants - internationals, seed=1)
    print(f"loaded {args.participants} participants in {time.perf_counter() - t:.1f} s",
          flush=True)
    admin = get_user_model().objects.create_superuser("bench", "bench@example.org", "pw")
    t = time.perf_counter()
    run = runs.start_run(programme, intake, admin, {})
    run.refresh_from_db()
    print(f"matching run: {run.status} in {time.perf_counter() - t:.1f} s, "
          f"{Match.objects.filter(intake=intake).count()} proposals", flush=True)
    first_match = Match.objects.filter(intake=intake).order_by("pk").first()
    Match.objects.filter(pk__in=list(Match.objects.filter(intake=intake)
                                     .values_list("pk", flat=True)[:500])).update(
        status=Match.Status.CONFIRMED)

    client = Client()
    client.force_login(admin)
    participants = reverse("wagtail_buddy_participant_modeladmin_index")
    ns = "wagtail_buddy_admin"
    pages = [
        ("participants, page 1", participants, {}),
        ("participants, page 100", participants, {"p": 100}),
        ("participants, filtered", participants,
         {"role": "international", "language": "es", "status": "proposed"}),
        ("participants, search", participants, {"q": "mar"}),
        ("participant inspect", reverse("wagtail_buddy_participant_modeladmin_inspect",
                                        args=[first_match.mentee_id]), {}),
        ("proposals (review)", reverse(f"{ns}:proposals", args=[intake.pk]), {}),
        ("proposals, page 50", reverse(f"{ns}:proposals", args=[intake.pk]), {"p": 50}),
        ("waiting list", reverse(f"{ns}:waiting", args=[intake.pk]), {}),
        ("introductions", reverse(f"{ns}:introductions", args=[intake.pk]), {}),
        ("matching", reverse(f"{ns}:matching", args=[intake.pk]), {}),
        ("run summary", reverse(f"{ns}:run", args=[run.pk]), {}),
        ("run status (JSON)", reverse(f"{ns}:run_status", args=[run.pk]), {}),
        ("statistics", reverse(f"{ns}:stats", args=[intake.pk]), {}),
        ("overview", reverse(f"{ns}:overview"), {}),
        ("swap suggestions", reverse(f"{ns}:swap", args=[
            Match.objects.filter(intake=intake, status="proposed").first().pk]), {}),
    ]
    rows, worst = [], 0.0
    for name, url, params in pages:
        response = client.get(url, params)
        assert response.status_code == 200, (name, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            times, response = timings(lambda url=url, params=params: client.get(url, params),
                                      args.repeat)
        median = statistics.median(times)
        queries_per_request = len(queries.captured_queries) // args.repeat
        worst = max(worst, median)
        rows.append((name, median * 1000, queries_per_request, len(response.content)))

    engine = connection.vendor
    print(f"\nAdmin pages with {args.participants} participants on {engine} "
          f"(median of {args.repeat}, Django test client)\n")
    print(f"| {'page':<26} | {'ms':>8} | {'queries':>7} | {'KiB':>6} |")
    print(f"|{'-' * 28}|{'-' * 10}|{'-' * 9}|{'-' * 8}|")
    for name, ms, n, size in rows:
        print(f"| {name:<26} | {ms:>8.1f} | {n:>7} | {size / 1024:>6.0f} |")
    ok = worst <= args.budget
    print(f"\nslowest page: {worst * 1000:.0f} ms; budget {args.budget * 1000:.0f} ms: "
          f"{'OK' if ok else 'MISSED'}")
    tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
