"""Fixtures of the operations tests: a test email template, a PostgreSQL guard."""

from __future__ import annotations

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


@pytest.fixture
def postgres_db(transactional_db, django_db_serialized_rollback):
    """Real transactions (threads see each other's commits); the migrated rows (root page,
    default site, languages) are restored before the test."""
    require_postgres()
    return transactional_db
