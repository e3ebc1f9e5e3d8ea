"""What the Django benchmarks share: a fresh database, a programme page, a timer.

Each benchmark builds its own throwaway database (a temporary SQLite file, or PostgreSQL
with ``--postgres``) so a run never touches a site's data, and times its steps the same way.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "example_site")]


def setup_django(postgres: bool, default_db: str) -> tempfile.TemporaryDirectory:
    """Configure and set up Django on a fresh database; returns the temporary directory
    holding the SQLite file (keep it alive for the run)."""
    tmp = tempfile.TemporaryDirectory(prefix="buddy-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "buddysite.settings.test"
    if postgres:
        os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{default_db}")
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(Path(tmp.name) / "bench.sqlite3")

    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if postgres:
        recreate_postgres(os.environ["DATABASE_URL"])
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - t:.1f} s", flush=True)
    return tmp


def recreate_postgres(url: str) -> None:
    """Drop and create the benchmark database (never the site's own)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    if name in ("buddy", "postgres"):
        raise SystemExit(f"refusing to recreate database {name!r}; use a dedicated one")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def programme_page(slug: str = "buddy-bench"):
    """A programme page under the default site's root."""
    from wagtail.models import Page, Site

    from wagtail_buddy.models import BuddyProgrammePage

    site = Site.objects.get(is_default_site=True)
    parent = site.root_page if site.root_page.depth > 1 else Page.get_first_root_node()
    programme = BuddyProgrammePage(title="Buddy", slug=slug, section_name="ESN Bench")
    parent.add_child(instance=programme)
    return programme


def timings(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    """Seconds of each of ``repeat`` calls of ``fn``, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result
