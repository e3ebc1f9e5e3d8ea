"""Sign-up load test: our sign-up form vs a bare Wagtail form page, under gunicorn.

For each database (SQLite file, PostgreSQL) it builds a fresh database, starts the example
site under gunicorn (2 sync workers) with ``loadtest.settings`` (DEBUG off), and drives
``--connections`` concurrent clients (threads + http.client, loopback only) at

* the bare ``wagtail.contrib.forms`` page with five fields (the yardstick), and
* the buddy programme's international sign-up form,

each for ``--duration`` seconds (at most ``--max-requests`` posts), alternating between
them in ``--rounds`` rounds so that a noisy or throttled host slows both alike. Every
client first GETs the form (CSRF cookie and token), then POSTs unique submissions back to
back. Afterwards it
stops gunicorn, checks its log for errors and "database is locked", and counts the rows:
every accepted sign-up must be stored with exactly one confirmation email queued, every
accepted bare submission stored. It prints a table and exits 1 if the target (sign-up >=
0.7 x bare throughput, no error, nothing lost) is missed.

    .venv/bin/python benchmarks/bench_signup_load.py [--dbs sqlite postgres] [--duration 15]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import zip_longest
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "example_site"
# The interpreter running this script (the project's venv under make) and its gunicorn.
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
HOST = "127.0.0.1"  # loopback only
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
TARGET_RATIO = 0.7
# bench_scale.py runs this with its own database name and the 0.9 target.
PG_DB = os.environ.get("BENCH_PG_DB", "buddy_bench")


# --- the form, read from the page ----------------------------------------------------


class FormReader(HTMLParser):
    """Collects the first POST form's fields: name -> (kind, options, required)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, dict] = {}
        self.action: str | None = None
        self._in_form = False
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post" and self.action is None:
            self._in_form, self.action = True, a.get("action") or ""
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            spec = self.fields.setdefault(name, {"kind": kind, "options": [],
                                                 "required": "required" in a,
                                                 "value": a.get("value", "")})
            if kind in ("checkbox", "radio"):
                spec["options"].append(a.get("value", "on"))
        elif tag == "textarea" and name:
            self.fields[name] = {"kind": "textarea", "options": [], "required": "required" in a}
        elif tag == "select" and name:
            self._select = name
            self.fields[name] = {"kind": "select", "options": [], "required": "required" in a,
                                 "multiple": "multiple" in a}
        elif tag == "option" and self._select and a.get("value"):
            self.fields[self._select]["options"].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self._in_form:
            self._in_form = False


OVERRIDES = {
    "birth_year": "2001", "capacity": "1", "phone": "+33 6 12 34 56 78",
    "arrival_date": "2027-02-01", "available_from": "2027-01-15",
    "available_until": "2027-07-01", "nationality": "ES", "gender": "female",
    "preferred_language": "en", "exchange_country": "",
    "website": "",  # honeypots stay empty
}


def fill(fields: dict[str, dict], n: int, marker: str) -> list[tuple[str, str]]:
    """A valid-looking submission: unique email, realistic values, every box ticked."""
    data: list[tuple[str, str]] = []
    for name, spec in fields.items():
        kind = spec["kind"]
        if name == "csrfmiddlewaretoken" or kind in ("submit", "button"):
            continue
        if kind == "hidden":
            data.append((name, spec.get("value", "")))
        elif "email" in name or kind == "email":
            data.append((name, f"load-{marker}-{n}@example.org"))
        elif name in OVERRIDES:
            data.append((name, OVERRIDES[name]))
        elif kind == "checkbox":
            options = spec["options"]
            # a multi-choice (languages, interests): two of them; a lone box: ticked
            data.extend((name, value) for value in options[:2])
        elif kind == "radio":
            data.append((name, spec["options"][0]))
        elif kind == "select":
            options = spec["options"]
            if options:
                data.extend((name, v) for v in (options[:2] if spec.get("multiple")
                                                else options[:1]))
        elif kind == "number":
            data.append((name, "1"))
        elif kind == "date":
            data.append((name, "2027-02-01"))
        elif kind == "textarea":
            data.append((name, f"Looking forward to meeting people ({marker} {n})."))
        else:
            data.append((name, f"Load{n}"))
    return data


# --- the load generator --------------------------------------------------------------


@dataclass
class Result:
    label: str
    latencies: list[float] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    per_client: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def pct(self, q: int) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100)[q - 1] * 1000


class Client:
    """One keep-alive-if-possible connection with its own cookies."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=5)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None):
        headers = {"Host": f"{HOST}", "Cookie": "; ".join(f"{k}={v}" for k, v in
                                                           self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}{path}"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, response.getheader("Location"), payload.decode("utf-8", "replace")


def accepted_response(kind: str, status: int, location: str | None, body: str) -> bool:
    if kind in ("bare", "probe"):
        return status == 200 and "Thank you." in body
    return status in (302, 303) and bool(location)


def load(port: int, path: str, kind: str, marker: str, *, connections: int, duration: float,
         max_requests: int, warmup: int = 3) -> Result:
    """``connections`` clients POST unique submissions to ``path`` for ``duration`` s."""
    result = Result(kind)
    lock = threading.Lock()
    counter = iter(range(10**9))
    stop_at = [0.0]
    started = [0.0]

    def go() -> None:  # runs once, before any client is released
        started[0] = time.perf_counter()
        stop_at[0] = started[0] + duration

    start_barrier = threading.Barrier(connections + 1, action=go)

    def client_loop(index: int) -> None:
        client = Client(port)
        status, _, html = client.request("GET", path)
        reader = FormReader()
        reader.feed(html)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if status != 200 or not token:
            with lock:
                result.errors.append(f"GET {path}: {status}")
            start_barrier.wait()
            return
        action = reader.action or path
        for _ in range(warmup):  # not timed: first-request imports, connection set-up
            with lock:
                n = next(counter)
            body = urlencode([("csrfmiddlewaretoken", token.group(1)),
                              *fill(reader.fields, n, marker)])
            status, location, page = client.request("POST", action, body)
            if accepted_response(kind, status, location, page):
                with lock:
                    result.accepted.append(f"load-{marker}-{n}@example.org")
        start_barrier.wait()
        while time.perf_counter() < stop_at[0]:
            with lock:
                n = next(counter)
                if len(result.latencies) + len(result.errors) >= max_requests:
                    return
            body = urlencode([("csrfmiddlewaretoken", token.group(1)),
                              *fill(reader.fields, n, marker)])
            t0 = time.perf_counter()
            try:
                status, location, page = client.request("POST", action, body)
            except Exception as exc:  # noqa: BLE001 - reported as an error
                with lock:
                    result.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            latency = time.perf_counter() - t0
            with lock:
                per_client[index] += 1
                if accepted_response(kind, status, location, page):
                    result.latencies.append(latency)
                    result.accepted.append(f"load-{marker}-{n}@example.org")
                else:
                    snippet = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))[:200]
                    result.errors.append(f"{status}: {snippet}")

    per_client = [0] * connections

    def guarded(index: int) -> None:
        try:
            client_loop(index)
        except Exception as exc:  # noqa: BLE001 - a dead client is an error, not a hang
            with lock:
                result.errors.append(f"client {index} died: {type(exc).__name__}: {exc}")
            if not start_barrier.broken and start_barrier.n_waiting < connections + 1:
                start_barrier.abort()

    threads = [threading.Thread(target=guarded, args=(i,), daemon=True)
               for i in range(connections)]
    for thread in threads:
        thread.start()
    start_barrier.wait(timeout=120)
    for thread in threads:
        thread.join(timeout=duration + 60)
    result.elapsed = time.perf_counter() - started[0]
    result.per_client = per_client
    return result


def merge(total: Result, part: Result) -> None:
    """Add one round's measurements to the run's total for that form."""
    total.latencies += part.latencies
    total.accepted += part.accepted
    total.errors += part.errors
    total.elapsed += part.elapsed
    total.per_client = [a + b for a, b in zip_longest(total.per_client, part.per_client,
                                                      fillvalue=0)]


# --- the site under test -------------------------------------------------------------


def site_env(db: str, workdir: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH")}
    env.update(DJANGO_SETTINGS_MODULE="loadtest.settings", PYTHONPATH=f"{ROOT}{os.pathsep}{SITE}",
               CACHE_DIR=str(workdir / "cache"), **extra)
    if db == "sqlite":
        env["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    else:
        env["DATABASE_URL"] = f"{PG_URL}/{PG_DB}"
    return env


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=SITE, env=env, input=stdin,
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def reset_postgres(create: bool = True) -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{PG_DB}"')


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path):
    process = subprocess.Popen(
        [GUNICORN, "buddysite.wsgi:application", "--workers", str(workers), "--bind",
         f"{HOST}:{port}", "--chdir", str(SITE), "--timeout", "60", "--log-level", "warning"],
        cwd=SITE, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_db(db: str, args, port: int, sqlite_mode: str = "immediate") -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"buddy-bench-{db}-"))
    env = site_env(db, workdir, {"BENCH_SQLITE_MODE": sqlite_mode})
    if db == "postgres":
        reset_postgres()
    manage(env, "migrate", "--no-input", "-v0")
    urls = json.loads(manage(env, "loadtest_setup").strip().splitlines()[-1])
    log = workdir / "gunicorn.log"
    server = start_gunicorn(env, port, args.workers, log)
    try:
        # Interleaved rounds (bare, sign-up, bare, ...): a shared or throttled host slows
        # both forms alike instead of whichever happened to run in the slow half.
        common = dict(connections=args.connections, duration=args.duration / args.rounds,
                      max_requests=max(1, args.max_requests // args.rounds))
        marker = f"{db}{int(time.time())}"
        bare, probe, signup = Result("bare"), None, Result("signup")
        if "probe" in args.forms:
            probe = Result("probe")
        if not (urls["signup"]["international"] and "signup" in args.forms):
            signup.errors.append("sign-up route not found or not requested")
        for round_ in range(args.rounds):
            merge(bare, load(port, urls["bare_form"], "bare", f"b{round_}{marker}", **common))
            if probe is not None:
                merge(probe, load(port, urls["probe"], "probe", f"p{round_}{marker}", **common))
            if not signup.errors:
                merge(signup, load(port, urls["signup"]["international"], "signup",
                                   f"s{round_}{marker}", **common))
    finally:
        stop(server)
    server_log = log.read_text()
    counts = json.loads(manage(env, "loadtest_count", stdin=json.dumps({
        "signup_emails": signup.accepted, "bare_markers": bare.accepted,
        "probe_emails": probe.accepted if probe else [],
    })).strip().splitlines()[-1])
    if db == "postgres" and not args.keep:
        reset_postgres(create=False)
    return {"db": db if sqlite_mode == "immediate" else f"{db} ({sqlite_mode})",
            "bare": bare, "signup": signup, "probe": probe, "counts": counts,
            "locked": server_log.count("database is locked"),
            "tracebacks": server_log.count("Traceback"), "log": str(log)}


def report(rows: list[dict], target: float = TARGET_RATIO) -> bool:
    ok = True
    print("\n| database | form | submissions/s | p50 ms | p95 ms | accepted | errors | "
          "stored | emails queued each |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        c = row["counts"]
        lines = [
            (row["bare"], f"{c['bare_stored']}/{c['bare_accepted']}", "–"),
            (row["signup"], f"{c['signups_stored']}/{c['signups_accepted']}",
             ",".join(map(str, c["emails_per_signup"]))),
        ]
        if row["probe"]:
            lines.append((row["probe"], f"{c['probe_stored']}/{c['probe_accepted']}",
                          ",".join(map(str, c["emails_per_probe"]))))
        for res, stored, each in lines:
            if res.label == "signup" and not res.latencies and row["probe"]:
                continue
            label = {"bare": "bare Wagtail form (5 fields)", "signup": "buddy sign-up",
                     "probe": "sign-up DB work only (probe)"}[res.label]
            print(f"| {row['db']} | {label} | {res.rate:.0f} | {res.pct(50):.0f} | "
                  f"{res.pct(95):.0f} | {len(res.accepted)} | {len(res.errors)} | {stored} | "
                  f"{each} |")
    print()
    for row in rows:
        c, ratio = row["counts"], row["signup"].rate / max(row["bare"].rate, 1e-9)
        lost = (c["signups_stored"] != c["signups_accepted"]
                or c["bare_stored"] != c["bare_accepted"] or c["emails_per_signup"] != [1])
        errors = len(row["signup"].errors) + len(row["bare"].errors)
        passed = ratio >= target and not lost and not errors and not row["locked"]
        ok &= passed or "deferred" in row["db"]
        print(f"{row['db']}: sign-up / bare = {ratio:.2f} (target >= {target}); "
              f"errors {errors}; 'database is locked' {row['locked']}; tracebacks "
              f"{row['tracebacks']}; lost {'YES' if lost else 'none'}; email purposes "
              f"{c['email_purposes']}; {'PASS' if passed else 'FAIL'}")
        if row["probe"]:
            probe = row["probe"]
            probe_lost = (c["probe_stored"] != c["probe_accepted"]
                          or c["emails_per_probe"] != [1])
            print(f"{row['db']}: probe / bare = {probe.rate / max(row['bare'].rate, 1e-9):.2f};"
                  f" probe errors {len(probe.errors)}; lost {'YES' if probe_lost else 'none'}")
        for res in (row["bare"], row["signup"], row["probe"]):
            if res is None:
                continue
            if res.latencies:
                slow = sum(1 for x in res.latencies if x > 1)
                print(f"    {res.label}: max {max(res.latencies) * 1000:.0f} ms, "
                      f"{slow} request(s) over 1 s, {len(res.latencies)} timed, per client "
                      f"{res.per_client}")
            for error in sorted(set(res.errors))[:3]:
                print(f"    {res.label} error: {error}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dbs", nargs="+", default=["sqlite", "postgres"],
                        choices=["sqlite", "postgres", "sqlite-deferred"])
    parser.add_argument("--duration", type=float, default=15.0,
                        help="seconds of load per form, split over --rounds")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate the forms this many times (drift hits both alike)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--forms", nargs="+", default=["bare", "signup"],
                        choices=["bare", "signup", "probe"],
                        help="probe: the sign-up's database work without its form (SQLite "
                             "locking check)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--target", type=float, default=TARGET_RATIO,
                        help="least sign-up / bare throughput that passes")
    args = parser.parse_args()
    if not 8110 <= args.port <= 8119:
        parser.error("use a port in 8110-8119")
    rows = []
    for offset, db in enumerate(args.dbs):
        print(f"[{db}] migrating a fresh database and starting gunicorn ...", flush=True)
        if db == "sqlite-deferred":
            rows.append(run_db("sqlite", args, args.port + offset, sqlite_mode="deferred"))
        else:
            rows.append(run_db(db, args, args.port + offset))
    return 0 if report(rows, args.target) else 1


if __name__ == "__main__":
    sys.exit(main())
