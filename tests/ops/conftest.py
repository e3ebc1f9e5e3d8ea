"""Fixtures of the operations tests: a test email template, a PostgreSQL guard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import add_template_dir

TEMPLATES_DIR = Path(__file__).parent / "templates"


@pytest.fixture
def ops_templates(settings):
    """Adds tests/ops/templates so the 'ops_ping' email purpose renders."""
    return add_template_dir(settings, TEMPLATES_DIR)


def require_postgres() -> None:
    """The postgres-marked tests prove PostgreSQL behaviour: fail loudly anywhere else."""
    if connection.vendor != "postgresql":
        pytest.fail(
            f"This test needs PostgreSQL (DATABASE_URL=postgres://...), not {connection.vendor}; "
            "run it with `make test-postgres`."
        )


def django_process(code: str, *args: str) -> subprocess.Popen:
    """A separate Python process running ``code`` with Django set up on the test's database
    (its own connection, as a django-q2 worker has); text pipes for stdin and stdout."""
    root = Path(__file__).resolve().parents[2]
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "buddysite.settings.test",
           "PYTHONPATH": os.pathsep.join([str(root), str(root / "example_site")]),
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    code = "import django\ndjango.setup()\n" + code
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def held_process(code: str, *args: str) -> subprocess.Popen:
    """``django_process`` once it has printed READY: set up and holding, until ``release``."""
    process = django_process(code, *args)
    assert process.stdout.readline().startswith("READY"), process.stderr.read()[-3000:]
    return process


def release(process: subprocess.Popen) -> None:
    """Let a held process go on, and fail with its traceback if it did not end well."""
    process.stdin.write("\n")
    process.stdin.flush()
    process.wait(timeout=60)
    assert process.returncode == 0, process.stderr.read()[-3000:]


@pytest.fixture
def postgres_db(transactional_db, django_db_serialized_rollback):
    """Real transactions (threads see each other's commits); the migrated rows (root page,
    default site, languages) are restored before the test."""
    require_postgres()
    return transactional_db
