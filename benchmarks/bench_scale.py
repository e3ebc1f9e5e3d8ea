"""One install for a whole country: every buddy admin screen over 100,000 participants.

Builds (once; later runs clone a template database) a national install on PostgreSQL with
``benchmarks/scale_build.py``: 50 programme pages, two intakes each, 100,000 participants
(one section with 8,000 in its open intake), matches, check-ins, audit entries, and as many
rows of a simple model listed by Wagtail's own ``ModelViewSet`` (the yardstick). Then:

1. presses Run on the 2,000 and the 8,000 intake through the admin, with a real ``qcluster``
   on PostgreSQL, and times it until the proposals page is served (split into queue,
   load, engine, write);
2. times every buddy admin screen as a one-section coordinator and as the superuser
   (Django test client, median of ``--repeat`` after a warm-up, with the query count),
   beside Wagtail's own listing of as many rows, as a ratio;
3. times the CSV export of the big intake to its first byte, and its peak memory against
   the 2,000 intake's (streamed: flat as rows grow);
4. runs ``bench_signup_load.py`` (the public sign-up under load against the bare
   ``wagtail.contrib.forms`` page, SQLite and PostgreSQL, its database ``<name>_signup``).

Prints the tables and exits 1 when a target is missed:

    .venv/bin/python benchmarks/bench_scale.py [--repeat 5] [--rebuild] [--no-run]
        [--no-signup] [--signup-duration 15]

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/buddy_scale (its template is
``<name>_tpl``; both are dropped and created here, never ``buddy`` or ``postgres``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "example_site"
sys.path[:0] = [str(ROOT), str(SITE), str(ROOT / "benchmarks")]

TARGET_COORDINATOR_MS = 150
TARGET_RATIO = 1.5
TARGET_OVERVIEW_SUPERUSER_MS = 250
TARGET_RUN_S = 3.0
TARGET_EXPORT_FIRST_BYTE_S = 1.0
TARGET_SIGNUP_RATIO = 0.9


def admin_connection(url: str):
    import psycopg

    base, name = url.rsplit("/", 1)
    if name in ("buddy", "postgres"):
        raise SystemExit(f"refusing to recreate database {name!r}; use a dedicated one")
    return psycopg.connect(f"{base}/postgres", autocommit=True), name


def prepare_database(url: str, fingerprint: str, rebuild: bool) -> bool:
    """Clone the template if it was built by this builder version; True if cloned."""
    conn, name = admin_connection(url)
    template = f"{name}_tpl"
    with conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                           "WHERE datname = %s", [template]).fetchone()
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if row and row[0] == fingerprint and not rebuild:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return True
        conn.execute(f'CREATE DATABASE "{name}"')
        return False


def save_template(url: str, fingerprint: str) -> None:
    conn, name = admin_connection(url)
    template = f"{name}_tpl"
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
        conn.execute(f"COMMENT ON DATABASE \"{template}\" IS '{fingerprint}'")


def interleaved(requests, repeat=5):
    """Each of ``requests`` (client, url, params) timed in turn, ``repeat`` rounds after a
    warm-up, so that every figure of a row meets the same load on a shared machine:
    [(median ms, queries of the last request, status)] in the same order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    statuses = [client.get(url, params).status_code for client, url, params in requests]
    timings: list[list[float]] = [[] for _ in requests]
    counts = [0] * len(requests)
    for _ in range(repeat):
        for index, (client, url, params) in enumerate(requests):
            if statuses[index] != 200:
                continue
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url, params)
                if response.streaming:
                    b"".join(response.streaming_content)
                timings[index].append(time.perf_counter() - start)
            counts[index] = len(queries.captured_queries)
    return [(statistics.median(t) * 1000 if statuses[i] == 200 else None, counts[i],
             statuses[i]) for i, t in enumerate(timings)]


def run_matching(client, intake, qcluster_log) -> dict:
    """Press Run as the coordinator; wait for the run; load the proposals page."""
    from django.urls import reverse

    from wagtail_buddy.admin.forms import RunForm
    from wagtail_buddy.models import MatchingRun
    from wagtail_buddy.services.matching_config import programme_config

    form = RunForm(initial_config=programme_config(intake.programme))
    data = {name: field.initial for name, field in form.fields.items()
            if name.startswith("w_")}
    data["spread_load"] = "on"
    ns = "wagtail_buddy_admin"
    start = time.perf_counter()
    response = client.post(reverse(f"{ns}:matching", args=[intake.pk]), data)
    assert response.status_code == 302, response.status_code
    run = MatchingRun.objects.filter(intake=intake).order_by("-pk").first()
    while True:
        run.refresh_from_db()
        if run.status in (MatchingRun.Status.SUCCEEDED, MatchingRun.Status.FAILED):
            break
        if time.perf_counter() - start > 300:
            raise SystemExit(f"run {run.pk} still {run.status} after 300 s; see {qcluster_log}")
        time.sleep(0.02)
    finished = time.perf_counter()
    assert run.status == MatchingRun.Status.SUCCEEDED, run.error
    page = client.get(reverse(f"{ns}:proposals", args=[intake.pk]))
    assert page.status_code == 200
    total = time.perf_counter() - start
    timings = run.summary.get("timings", {})
    done = sum(timings.values())
    return {"total": total, "queue": (finished - start) - done, "page": total - (finished - start),
            **timings, "proposed": run.summary.get("proposed", 0),
            "mentees": run.summary.get("mentees", 0)}


def export_figures(client, url, params) -> dict:
    """Time to the first byte and to the last, then the peak memory of a second pass."""
    start = time.perf_counter()
    response = client.get(url, params)
    chunks = iter(response.streaming_content) if response.streaming else iter([response.content])
    first = next(chunks)
    first_byte = time.perf_counter() - start
    size = len(first) + sum(len(c) for c in chunks)
    total = time.perf_counter() - start
    tracemalloc.start()
    response = client.get(url, params)
    for _chunk in (response.streaming_content if response.streaming else [response.content]):
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"first_byte": first_byte, "total": total, "kib": size / 1024,
            "peak_mib": peak / 2**20, "streamed": response.streaming}


def signup_under_load(url: str, duration: float) -> tuple[list[str], bool]:
    """``bench_signup_load.py`` on SQLite and PostgreSQL (its own database, ``<name>_signup``)
    with the issue's target: its verdict lines, and whether it passed."""
    base, name = url.rsplit("/", 1)
    env = {**os.environ, "BENCH_PG_URL": base, "BENCH_PG_DB": f"{name}_signup"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_signup_load.py"), "--target",
         str(TARGET_SIGNUP_RATIO), "--duration", str(duration), "--port", "8117"],
        env=env, capture_output=True, text=True, timeout=1800)
    print(done.stdout[-6000:], done.stderr[-3000:] if done.returncode else "", flush=True)
    verdicts = [line for line in done.stdout.splitlines() if "sign-up / bare" in line]
    return verdicts, done.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the template database")
    parser.add_argument("--no-run", action="store_true", help="skip the matching runs")
    parser.add_argument("--no-signup", action="store_true",
                        help="skip the sign-up load benchmark")
    parser.add_argument("--signup-duration", type=float, default=15.0,
                        help="seconds of load per form and database")
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/buddy_scale")
    os.environ["DJANGO_SETTINGS_MODULE"] = "loadtest.settings"
    os.environ.pop("REDIS_URL", None)
    import scale_build

    load_at_start = tuple(round(x, 1) for x in os.getloadavg())
    fingerprint = f"{scale_build.BUILD_VERSION}-{args.participants}"
    t = time.perf_counter()
    cloned = prepare_database(url, fingerprint, args.rebuild)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    call_command("migrate", verbosity=0)
    if not cloned:
        built = scale_build.build(args.participants)
        print(f"built {built} in {time.perf_counter() - t:.1f} s", flush=True)
        # An install in use has been vacuumed by autovacuum: the visibility map lets the
        # counts be index-only scans. COPY leaves it empty; vacuum once, in the template.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        connections.close_all()
        save_template(url, fingerprint)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"database ready in {time.perf_counter() - t:.1f} s "
          f"({'cloned from template' if cloned else 'built'})", flush=True)

    from django.contrib.auth import get_user_model

    from wagtail_buddy.models import Intake, Match, Participant

    User = get_user_model()
    users = {name: User.objects.get(username=name) for name in ("one", "root")}
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    big = Intake.objects.get(programme__slug="buddy-01", signup_open=True)
    medium = Intake.objects.get(programme__slug="buddy-02", signup_open=True)

    runs = {}
    if not args.no_run:
        log = Path(f"/tmp/bench-scale-qcluster-{os.getpid()}.log")
        env = {**os.environ, "PYTHONPATH": f"{ROOT}:{SITE}"}
        with open(log, "w") as out:
            worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=SITE,
                                      env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            time.sleep(4)  # the cluster's workers start
            root = Client()
            root.force_login(users["root"])
            for label, intake in (("2,000", medium), ("8,000", big)):
                runs[label] = run_matching(root, intake, log)
                print(f"run {label}: {runs[label]['total']:.2f} s", flush=True)
        finally:
            worker.terminate()
            worker.wait(30)

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does after the runs' thousands of rows
    ns = "wagtail_buddy_admin"
    plist = reverse("wagtail_buddy_participant_modeladmin_index")
    mentee = (Participant.objects.filter(intake=big, role="international",
                                         matches_as_mentee__isnull=False).order_by("pk").first())
    proposal = Match.objects.filter(intake=big, status="proposed").order_by("pk").first()
    waiting = (Participant.objects.filter(intake=big, role="international", status="waiting")
               .order_by("pk").first()) or mentee
    last_run = big.matching_runs.order_by("-pk").first()
    screens = [
        ("overview", reverse(f"{ns}:overview"), {}),
        ("participants, page 1", plist, {}),
        ("participants, deep page", plist, {"p": 200}),
        ("participants, one intake", plist, {"intake": big.pk}),
        ("participants, filtered", plist, {"intake": big.pk, "role": "international",
                                           "status": "waiting"}),
        ("participants, search", plist, {"q": "mar"}),
    ]
    for index, name in ((1, "name"), (2, "role"), (3, "status"), (8, "university"),
                        (9, "arrival"), (10, "intake"), (11, "signed up")):
        screens.append((f"participants, by {name}", plist, {"o": str(index)}))
    screens += [
        ("participant inspect", reverse("wagtail_buddy_participant_modeladmin_inspect",
                                        args=[mentee.pk]), {}),
        ("matching", reverse(f"{ns}:matching", args=[big.pk]), {}),
        ("proposals", reverse(f"{ns}:proposals", args=[big.pk]), {}),
        ("proposals, page 50", reverse(f"{ns}:proposals", args=[big.pk]), {"p": 50}),
        ("waiting list", reverse(f"{ns}:waiting", args=[big.pk]), {}),
        ("waiting student's suggestions", reverse(f"{ns}:pair", args=[waiting.pk]), {}),
        ("introductions", reverse(f"{ns}:introductions", args=[big.pk]), {}),
        ("statistics", reverse(f"{ns}:stats", args=[big.pk]), {}),
    ]
    if last_run is not None:
        screens.append(("run summary", reverse(f"{ns}:run", args=[last_run.pk]), {}))
    if proposal is not None:
        screens.append(("swap suggestions", reverse(f"{ns}:swap", args=[proposal.pk]), {}))

    wagtail_list = reverse("benchrow:index")
    reference_params = {"page": {}, "deep": {"p": 200}, "search": {"q": "mar"}}
    reference = {}
    rows, missed = [], []
    for name, url_, params in screens:
        kind = "deep" if "deep" in name else "search" if "search" in name else "page"
        ref, coordinator, superuser = interleaved([
            (clients["root"], wagtail_list, reference_params[kind]),
            (clients["one"], url_, params), (clients["root"], url_, params)], args.repeat)
        reference.setdefault(kind, []).append(ref[0])
        ratio = coordinator[0] / ref[0] if coordinator[0] is not None else None
        rows.append((name, coordinator, superuser, ratio, ref[0]))
        if coordinator[0] is None:
            missed.append(f"{name}: coordinator got HTTP {coordinator[2]}")
            continue
        if coordinator[0] > TARGET_COORDINATOR_MS:
            missed.append(f"{name}: coordinator {coordinator[0]:.0f} ms > "
                          f"{TARGET_COORDINATOR_MS} ms")
        if ratio > TARGET_RATIO:
            missed.append(f"{name}: {ratio:.2f}x Wagtail's listing > {TARGET_RATIO}x")
        if name == "overview" and superuser[0] > TARGET_OVERVIEW_SUPERUSER_MS:
            missed.append(f"overview: superuser {superuser[0]:.0f} ms > "
                          f"{TARGET_OVERVIEW_SUPERUSER_MS} ms")

    exports = {label: export_figures(clients["root"], plist, {"intake": intake.pk,
                                                              "export": "csv"})
               for label, intake in (("2,000", medium), ("8,000", big))}
    if exports["8,000"]["first_byte"] > TARGET_EXPORT_FIRST_BYTE_S:
        missed.append(f"export of 8,000: first byte {exports['8,000']['first_byte']:.2f} s")
    for label, run in runs.items():
        if label == "8,000" and run["total"] > TARGET_RUN_S:
            missed.append(f"run of 8,000: {run['total']:.2f} s > {TARGET_RUN_S} s")

    signup = None
    if not args.no_signup:
        signup = signup_under_load(url, args.signup_duration)
        if not signup[1]:
            missed.append(f"sign-up under load: below {TARGET_SIGNUP_RATIO} of the bare form, "
                          "or an error or a lost submission (see its table above)")

    counts = Participant.objects.count()
    print(f"\nload average (1, 5, 15 min) at start {load_at_start}, at the end "
          f"{tuple(round(x, 1) for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"{counts:,} participants in 50 sections on PostgreSQL "
          f"{connection.pg_version // 10000}; median of {args.repeat} requests after a "
          f"warm-up (Django test client, server time); ratio = coordinator / Wagtail's own "
          f"listing of {counts:,} rows\n")
    print("Wagtail's ModelViewSet index over as many rows, measured beside each screen "
          "(median of those medians): " + ", ".join(
              f"{kind} {statistics.median(values):.0f} ms" for kind, values in reference.items())
          + "\n")
    print("| screen | coordinator, 1 section | superuser, 50 sections | Wagtail's listing | "
          "ratio |")
    print("|---|---:|---:|---:|---:|")

    def cell(figure):
        ms, queries, status = figure
        return f"HTTP {status}" if ms is None else f"{ms:.0f} ms, {queries} q"

    for name, coordinator, superuser, ratio, ref_ms in rows:
        print(f"| {name} | {cell(coordinator)} | {cell(superuser)} | {ref_ms:.0f} ms | "
              f"{'' if ratio is None else f'{ratio:.2f}x'} |")
    if runs:
        print("\n| Run -> proposals shown | total | queue | load | engine | write | page | "
              "proposals |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for label, run in runs.items():
            print(f"| {label} participants | {run['total']:.2f} s | {run['queue']:.2f} s | "
                  f"{run.get('load', 0):.2f} s | {run.get('engine', 0):.2f} s | "
                  f"{run.get('write', 0):.2f} s | {run['page']:.2f} s | {run['proposed']:,} |")
    print("\n| CSV export | first byte | whole | size | peak Python memory | streamed |")
    print("|---|---:|---:|---:|---:|---|")
    for label, figures in exports.items():
        print(f"| {label} participants | {figures['first_byte'] * 1000:.0f} ms | "
              f"{figures['total'] * 1000:.0f} ms | {figures['kib']:.0f} KiB | "
              f"{figures['peak_mib']:.1f} MiB | {'yes' if figures['streamed'] else 'no'} |")
    if signup is not None:
        print(f"\nSign-up under load (target >= {TARGET_SIGNUP_RATIO} of the bare form):")
        for line in signup[0]:
            print(f"    {line}")
    print()
    for line in missed:
        print(f"MISSED: {line}")
    print("all targets met" if not missed else f"{len(missed)} target(s) missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
