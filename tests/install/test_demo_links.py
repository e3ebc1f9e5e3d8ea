"""`make demo PORT=...` end to end: the demo set up for a free port, its server on that port
and its django-q2 worker printing emails to the console; a student signs up over HTTP and the
confirmation link the worker prints opens the confirmation page on the running demo."""

from __future__ import annotations

import http.cookiejar
import os
import queue
import quopri
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "example_site"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_env(tmp_path: Path) -> dict[str, str]:
    """The demo's own settings (console email) on a fresh SQLite file, no services."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return {**env, "DJANGO_SETTINGS_MODULE": "buddysite.settings.dev",
            "SQLITE_PATH": str(tmp_path / "demo.sqlite3"), "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(EXAMPLE)])}


def manage(env: dict, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=EXAMPLE, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            **kwargs)


def run(env: dict, *args: str) -> str:
    process = manage(env, *args)
    out, _ = process.communicate(timeout=300)
    assert process.returncode == 0, out[-3000:]
    return out


def lines_of(process: subprocess.Popen) -> queue.Queue:
    """The process's output lines, read in a thread so the test can wait with a timeout."""
    lines: queue.Queue = queue.Queue()

    def read():
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def wait_for_server(base: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=5)
            return
        except (urllib.error.URLError, ConnectionError):
            assert time.monotonic() < deadline, f"no server answered at {base}"
            time.sleep(0.5)


def sign_up(base: str, path: str, payload: dict) -> None:
    """What a student's browser does: GET the form (CSRF cookie and field), POST it."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = opener.open(base + path, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    data = urllib.parse.urlencode({**payload, "csrfmiddlewaretoken": token}, doseq=True)
    answer = opener.open(base + path, data=data.encode(), timeout=60)
    sent = urllib.parse.urlsplit(answer.geturl()).path  # "Check your inbox"
    assert sent.endswith("/sent/"), answer.read().decode()[-3000:]


def link_from(lines: queue.Queue, pattern: str, timeout: float = 180) -> tuple[str, str]:
    """The first link matching ``pattern`` in the output, and the output read until then."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=1))
        except queue.Empty:
            continue
        # Django 6 prints the console email quoted-printable (long lines end in "="):
        # read the log as a mail reader would.
        text = quopri.decodestring("".join(seen).encode()).decode(errors="replace")
        found = re.search(pattern, text)
        if found:
            return found[0], text
    raise AssertionError("no link in the worker's output:\n" + "".join(seen)[-5000:])


def test_a_link_from_the_demo_workers_log_opens_on_the_demos_port(tmp_path, signup_payload):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = demo_env(tmp_path)
    run(env, "migrate", "--no-input", "-v0")
    ready = run(env, "setup_demo", "--port", str(port), "--internationals", "3", "--locals", "2")
    assert f"{base}/admin/" in ready and "localhost" not in ready
    started: list[subprocess.Popen] = []
    try:
        server = manage(env, "runserver", "--noreload", f"127.0.0.1:{port}")
        started.append(server)
        wait_for_server(base)
        programme = re.search(rf"programme: {re.escape(base)}(/\S*)", ready)[1]
        email = "demo.student@example.org"
        sign_up(base, programme + "signup/local/", signup_payload("local", email=email))
        worker = manage(env, "qcluster")
        started.append(worker)
        link, log = link_from(lines_of(worker), r"http://\S+/confirm/[\w-]+/")
        assert link.startswith(base + "/"), link  # the demo's host and port, not localhost
        assert email in log
        page = urllib.request.urlopen(link, timeout=30)
        assert page.status == 200
        assert "Confirm my sign-up" in page.read().decode()
    finally:
        for process in started:  # only the processes this test started
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def test_make_demo_serves_and_sets_up_the_port_it_is_given():
    """`make demo PORT=8010`: the demo's Site and its server both use 8010."""
    plan = subprocess.run(["make", "-n", "demo", "PORT=8010"], cwd=ROOT, env={
        k: v for k, v in os.environ.items() if k != "WAGTAILADMIN_BASE_URL"},
        capture_output=True, text=True, check=True).stdout
    assert "setup_demo --port 8010" in plan
    assert "runserver --noreload 127.0.0.1:8010" in plan
    assert "8000" not in plan
