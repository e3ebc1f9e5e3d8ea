"""Fault benchmark: a sign-up surge through a killed worker, a Redis restart and a PostgreSQL
restart, then a matching run whose host crashes.

Everything runs on servers this script starts and owns (never the shared ones): a PostgreSQL
cluster in a temporary directory (``initdb``; as root it runs as ``--os-user``), a
``redis-server`` without persistence, an SMTP sink that counts every message it accepts,
gunicorn with 2 workers and two ``qcluster`` processes (two "hosts") on the example site
with Redis as broker and cache, as the README's production section says.

Timeline of the surge (``--signups`` sign-ups from ``--clients`` concurrent clients, each
followed to its "check your inbox" page): a qcluster worker is killed with SIGKILL, Redis
is killed with SIGKILL and started again, PostgreSQL is restarted (``pg_ctl restart``).
Afterwards the sender is woken (as the next sign-up or the sweep would) until the outbox is
empty, and every accepted sign-up is counted: stored, one outbox row, one delivered message.
Then a matching run on a pool of ``--pool`` students is started and both clusters are
killed with SIGKILL while it runs (a host crash); two fresh clusters take over and the time
until the run is failed (by the one-minute sweep) is measured.

    .venv/bin/python benchmarks/bench_faults.py [--signups 1500] [--clients 8] [--os-user pg]
"""

from __future__ import annotations

import argparse
import email.parser
import json
import os
import re
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).parent))
from bench_signup_load import HOST, PYTHON, SITE, Client, FormReader, fill, start_gunicorn  # noqa: E402, E501

PG_BIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]) \
    if Path("/usr/lib/postgresql").exists() else Path("/usr/bin")
SETTINGS = '''
import os
from loadtest.settings import *  # noqa
from loadtest.settings import DATABASES, Q_CLUSTER
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST, EMAIL_PORT, EMAIL_TIMEOUT = "127.0.0.1", int(os.environ["SMTP_PORT"]), 10
Q_CLUSTER = {**Q_CLUSTER, "name": "faults", "workers": 2, "timeout": 120, "retry": 180,
             "poll": 0.2, "max_attempts": 1}
'''


# --- the SMTP sink ---------------------------------------------------------------------


class Sink:
    """Every message accepted, as (recipient, Message-ID, purpose)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()


def smtp_handler(sink: Sink):
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, text: str) -> None:
            self.wfile.write(f"{text}\r\n".encode())

        def handle(self) -> None:
            self.reply("220 sink ESMTP")
            recipients: list[str] = []
            while line := self.rfile.readline():
                command = line.decode("latin-1").strip()
                verb = command[:4].upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250 sink")
                elif verb == "MAIL":
                    recipients = []
                    self.reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 go on")
                    data = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data += chunk
                    headers = email.parser.BytesHeaderParser().parsebytes(data)
                    with sink.lock:
                        sink.messages.extend(
                            (r.lower(), headers["Message-ID"] or "", headers["X-Buddy-Purpose"])
                            for r in recipients)
                    self.reply("250 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("250 OK")
    return Handler


# --- servers this script owns ----------------------------------------------------------


class Servers:
    def __init__(self, workdir: Path, args) -> None:
        self.workdir, self.args = workdir, args
        self.pgdata = workdir / "pgdata"
        self.redis: subprocess.Popen | None = None
        self.clusters: list[subprocess.Popen] = []

    def as_owner(self, *command: str) -> list[str]:
        return ["runuser", "-u", self.args.os_user, "--", *command] if os.geteuid() == 0 \
            else list(command)

    def start_postgres(self) -> None:
        self.pgdata.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pgdata, self.args.os_user)
        subprocess.run(self.as_owner(str(PG_BIN / "initdb"), "-D", str(self.pgdata), "-U",
                                     "postgres", "--auth=trust"), check=True,
                       capture_output=True)
        self.pg_ctl("start")

    def pg_ctl(self, action: str) -> float:
        started = time.perf_counter()
        subprocess.run(self.as_owner(
            str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-w", "-m", "fast", "-l",
            str(self.pgdata / "log"), "-o", f"-p {self.args.pg_port} -k /tmp", action),
            check=True, capture_output=True)
        return time.perf_counter() - started

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.args.redis_port), "--save", "",
             "--appendonly", "no", "--bind", HOST], stdout=subprocess.DEVNULL)
        time.sleep(0.3)

    def kill_redis(self) -> None:
        self.redis.send_signal(signal.SIGKILL)  # the redis-server this script started
        self.redis.wait()

    def start_cluster(self, env: dict, name: str) -> None:
        log = (self.workdir / f"{name}.log").open("a")
        self.clusters.append(subprocess.Popen(
            [PYTHON, "manage.py", "qcluster"], cwd=SITE, env=env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True))

    def crash_clusters(self) -> None:
        for cluster in self.clusters:  # each cluster's own process group: a host crash
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait()
        self.clusters = []

    def kill_one_worker(self) -> int | None:
        """SIGKILL one task worker of the first cluster (a grandchild of its main)."""
        workers: list[int] = []
        deadline = time.monotonic() + 20  # a busy host spawns the workers late
        while not workers and time.monotonic() < deadline:
            sentinels = children(self.clusters[0].pid)
            workers = children(sentinels[0]) if sentinels else []
            time.sleep(0.2)
        print(f"cluster {self.clusters[0].pid}: sentinel {sentinels}, children {workers}",
              flush=True)
        if workers:
            os.kill(workers[0], signal.SIGKILL)
            return workers[0]
        return None

    def stop_all(self) -> None:
        for cluster in self.clusters:
            cluster.send_signal(signal.SIGTERM)  # main only, as KillMode=mixed
            try:
                cluster.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(cluster.pid, signal.SIGKILL)
        if self.redis and self.redis.poll() is None:
            self.kill_redis()
        if self.pgdata.exists():
            subprocess.run(self.as_owner(str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata),
                                         "-m", "immediate", "stop"), capture_output=True)


def children(pid: int) -> list[int]:
    """Child process ids, from /proc (Linux)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return sorted(found)


def shell(env: dict, code: str) -> str:
    done = subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=SITE, env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise SystemExit(f"manage.py shell failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def manage(env: dict, *args: str) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=SITE, env=env,
                          capture_output=True, text=True, timeout=900)
    if done.returncode:
        raise SystemExit(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


# --- the surge -------------------------------------------------------------------------


class Surge:
    """Clients signing up; each outcome stamped with the time it happened."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[str] = []
        self.form_errors: list[tuple[float, str]] = []
        self.sent_page_errors: list[tuple[float, str]] = []
        self.counter = iter(range(10**9))
        self.t0 = time.perf_counter()

    def now(self) -> float:
        return time.perf_counter() - self.t0


def client_loop(surge: Surge, port: int, path: str, total: int, marker: str) -> None:
    client, token, reader = Client(port), None, FormReader()
    while token is None:
        try:
            status, _, html = client.request("GET", path)
        except Exception as exc:  # noqa: BLE001 - counted as a form error
            status, html = 0, str(exc)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if status == 200 and found:
            token = found.group(1)
            reader.feed(html)
        else:
            with surge.lock:
                surge.form_errors.append((surge.now(), f"GET {status}"))
            time.sleep(0.2)
    while True:
        with surge.lock:
            n = next(surge.counter)
        if n >= total:
            return
        address = f"load-{marker}-{n}@example.org"  # as ``fill`` writes it
        body = urlencode([("csrfmiddlewaretoken", token), *fill(reader.fields, n, marker)])
        try:
            status, location, _ = client.request("POST", reader.action or path, body)
        except Exception as exc:  # noqa: BLE001
            status, location = 0, f"{type(exc).__name__}"
            cookies, client = client.cookies, Client(port)
            client.cookies = cookies
        if status not in (302, 303):
            with surge.lock:
                surge.form_errors.append((surge.now(), str(status or location)))
            continue
        with surge.lock:
            surge.accepted.append(address)
        try:
            sent_status, _, page = client.request("GET", location)
        except Exception as exc:  # noqa: BLE001
            sent_status, page = 0, str(exc)
        if sent_status != 200 or "inbox" not in page:
            with surge.lock:
                surge.sent_page_errors.append((surge.now(), str(sent_status)))


def run_surge(servers: Servers, env: dict, port: int, path: str, args) -> tuple[Surge, dict]:
    surge, events = Surge(), {}
    marker = str(int(time.time()))
    threads = [threading.Thread(target=client_loop, daemon=True,
                                args=(surge, port, path, args.signups, marker))
               for _ in range(args.clients)]
    for thread in threads:
        thread.start()

    def at(seconds: float) -> None:
        time.sleep(max(0.0, seconds - surge.now()))

    at(2)
    events["worker killed"] = (surge.now(), servers.kill_one_worker())
    at(5)
    servers.kill_redis()
    events["redis down"] = surge.now()
    at(10)
    servers.start_redis()
    events["redis up"] = surge.now()
    at(14)
    events["postgres restart"] = surge.now()
    took = servers.pg_ctl("restart")
    events["postgres up"] = surge.now()
    events["postgres restart seconds"] = took
    for thread in threads:
        thread.join()
    events["surge end"] = surge.now()
    return surge, events


def window(errors, start: float, end: float) -> int:
    return sum(start <= t <= end for t, _ in errors)


# --- counting ----------------------------------------------------------------------------


COUNT = '''
import json
from collections import Counter
from wagtail_buddy.models import EmailAttempt, OutboundEmail, Participant
emails = [e.strip() for e in open("{path}").read().split()]
stored = set(Participant.objects.filter(email__in=emails).values_list("email", flat=True))
rows = Counter(OutboundEmail.objects.filter(participant__email__in=emails)
               .values_list("participant__email", flat=True))
status = Counter(OutboundEmail.objects.filter(participant__email__in=emails)
                 .values_list("status", flat=True))
attempts = Counter(EmailAttempt.objects.filter(email__participant__email__in=emails)
                   .values_list("outcome", flat=True))
print(json.dumps({{"stored": len(stored), "rows_per_signup": sorted(set(rows[e] for e in emails)),
                  "status": dict(status), "attempts": dict(attempts)}}))
'''
WAKE = ("import json; from wagtail_buddy.services import emails; "
        "emails.flush_outbox(); emails.kick_sender(); print(json.dumps(emails.outbox_status()))")


def drain(env: dict, timeout: float) -> tuple[float, dict]:
    """Wake the sender (as the next sign-up or the sweep would) until nothing is queued."""
    started = time.perf_counter()
    while True:
        status = json.loads(shell(env, WAKE))
        if not status["queued"] and not status["sending"]:
            return time.perf_counter() - started, status
        if time.perf_counter() - started > timeout:
            return time.perf_counter() - started, status
        time.sleep(10)


# --- the crashed run -------------------------------------------------------------------


START_RUN = '''
from django.contrib.auth import get_user_model
from wagtail_buddy.models import Intake
from wagtail_buddy.services.runs import start_run
intake = Intake.objects.get(pk={intake})
user = get_user_model().objects.filter(is_superuser=True).first()
print(start_run(intake.programme, intake, user, {{}}).pk)
'''


def run_state(args, run: int) -> tuple[str, float]:
    """The run's status and heartbeat, read straight from PostgreSQL (fast polling)."""
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=args.pg_port, user="postgres",
                         dbname="buddy") as conn:
        status, beat = conn.execute(
            "SELECT status, extract(epoch FROM heartbeat_at) FROM wagtail_buddy_matchingrun "
            "WHERE id = %s", [run]).fetchone()
    return status, float(beat or 0)


def crashed_run(servers: Servers, env: dict, intake: int, args) -> dict:
    manage(env, "buddy_demo_data", "--intake", str(intake), "--internationals",
           str(args.pool * 3 // 5), "--locals", str(args.pool * 2 // 5))
    manage(env, "buddy_schedules")
    run = int(shell(env, START_RUN.format(intake=intake)))
    state = "queued"
    deadline = time.time() + 120
    while state in ("queued", "running") and time.time() < deadline:
        state, _ = run_state(args, run)
        if state == "running":
            break
        time.sleep(0.05)
    if state != "running":
        return {"error": f"run {run} never ran ({state})"}
    servers.crash_clusters()
    crashed = time.time()
    servers.start_cluster(env, "cluster-a2")
    servers.start_cluster(env, "cluster-b2")
    while True:
        status, beat = run_state(args, run)
        if status == "failed" or time.time() - crashed > 600:
            break
        time.sleep(1)
    cleared = time.time() - crashed
    stale_after = 60
    return {"run": run, "status": status, "cleared_by_sweep_s": round(cleared, 1),
            "click_would_clear_after_s": round(float(beat) + stale_after - crashed, 1)}


# --- main ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signups", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pool", type=int, default=5000)
    parser.add_argument("--os-user", default="postgres",
                        help="owner of the PostgreSQL cluster when run as root")
    parser.add_argument("--pg-port", type=int, default=5439)
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--smtp-port", type=int, default=8125)
    parser.add_argument("--http-port", type=int, default=8106)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="buddy-faults-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, args.os_user)
    (workdir / "bench_fault_settings.py").write_text(SETTINGS)
    sink = Sink()
    smtp = socketserver.ThreadingTCPServer((HOST, args.smtp_port), smtp_handler(sink))
    smtp.daemon_threads = True
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    servers = Servers(workdir, args)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="bench_fault_settings",
               PYTHONPATH=os.pathsep.join([str(workdir), str(SITE)]),
               DATABASE_URL=f"postgres://postgres@127.0.0.1:{args.pg_port}/buddy",
               REDIS_URL=f"redis://{HOST}:{args.redis_port}/0", SMTP_PORT=str(args.smtp_port),
               CONN_MAX_AGE="60", CACHE_DIR=str(workdir / "cache"))
    gunicorn = None
    try:
        servers.start_postgres()
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "postgres",
                        "-c", "CREATE DATABASE buddy"], check=True, capture_output=True)
        servers.start_redis()
        manage(env, "migrate", "--no-input", "-v0")
        urls = json.loads(manage(env, "loadtest_setup").strip().splitlines()[-1])
        gunicorn = start_gunicorn(env, args.http_port, 2, workdir / "gunicorn.log")
        servers.start_cluster(env, "cluster-a")
        servers.start_cluster(env, "cluster-b")
        time.sleep(4)
        surge, events = run_surge(servers, env, args.http_port,
                                  urls["signup"]["international"], args)
        drain_s, outbox = drain(env, timeout=300)
        (workdir / "accepted.txt").write_text("\n".join(surge.accepted))
        counts = json.loads(shell(env, COUNT.format(path=workdir / "accepted.txt")))
        time.sleep(2)
        with sink.lock:
            delivered = Counter(r for r, _, purpose in sink.messages if purpose == "confirm")
            ids = Counter(m for _, m, _ in sink.messages)
        run = crashed_run(servers, env, urls["intake"], args)
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)
        servers.stop_all()
        smtp.shutdown()
    accepted = set(surge.accepted)
    redis_errors = window(surge.form_errors, events["redis down"], events["redis up"] + 2)
    pg_errors = window(surge.form_errors, events["postgres restart"],
                       events["postgres up"] + 2)
    result = {
        "signups submitted": args.signups, "accepted": len(accepted),
        "stored": counts["stored"], "lost": len(accepted) - counts["stored"],
        "outbox rows per sign-up": counts["rows_per_signup"], "outbox": counts["status"],
        "attempts": counts["attempts"],
        "delivered (confirm)": sum(delivered.values()),
        "undelivered": len(accepted - set(delivered)),
        "duplicates": sum(n - 1 for n in delivered.values() if n > 1),
        "repeated Message-IDs": sum(n - 1 for n in ids.values() if n > 1),
        "form errors while Redis down": redis_errors,
        "form errors during PostgreSQL restart": pg_errors,
        "other form errors": len(surge.form_errors) - redis_errors - pg_errors,
        "error pages after a stored sign-up while Redis down": window(
            surge.sent_page_errors, events["redis down"], events["redis up"] + 2),
        "error pages after a stored sign-up during PostgreSQL restart": window(
            surge.sent_page_errors, events["postgres restart"], events["postgres up"] + 2),
        "error pages after a stored sign-up otherwise": len(surge.sent_page_errors) - window(
            surge.sent_page_errors, events["redis down"], events["redis up"] + 2) - window(
            surge.sent_page_errors, events["postgres restart"], events["postgres up"] + 2),
        "drain seconds": round(drain_s, 1), "events": events, "crashed run": run,
        "workdir": str(workdir),
    }
    print(json.dumps(result, indent=2, default=str))
    ok = (result["lost"] == 0 and result["duplicates"] == 0 and result["undelivered"] == 0
          and redis_errors == 0
          and result["error pages after a stored sign-up while Redis down"] == 0
          and result["error pages after a stored sign-up otherwise"] == 0
          and run.get("status") == "failed" and run["cleared_by_sweep_s"] <= 120)
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
