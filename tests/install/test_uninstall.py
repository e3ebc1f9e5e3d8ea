"""``migrate wagtail_buddy zero`` on PostgreSQL: exits 0 and leaves a working page tree and
an admin that answers before the settings are edited.

SQLite is covered by tests/test_install_readme.py, which follows the README's "Remove"
steps in a fresh ``wagtail start`` project.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]

BEFORE = r"""
from datetime import date
from django.utils import timezone
from wagtail.models import Page, Site
from wagtail_buddy.models import BuddyProgrammePage, Intake, Participant
home = Site.objects.get(is_default_site=True).root_page
for slug in ("buddy", "buddy-two"):
    page = home.add_child(instance=BuddyProgrammePage(
        title=slug, slug=slug, privacy_notice="<p>We store your data.</p>"))
    page.save_revision().publish()
intake = Intake.objects.create(programme=page, name="Spring", starts_on=date(2027, 2, 1),
                               ends_on=date(2027, 7, 1), signup_open=True)
Participant.objects.create(intake=intake, role="local", first_name="A", last_name="B",
                           email="a@example.org", birth_year=2000,
                           consent_at=timezone.now(), consent_version="v1")
print("BEFORE", Page.objects.get(pk=home.pk).numchild)
"""

AFTER = r"""
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django_q.models import Schedule
from wagtail.models import Page, Site
home = Site.objects.get(is_default_site=True).root_page
buddy = ContentType.objects.filter(app_label="wagtail_buddy", model="buddyprogrammepage")
assert not Page.objects.filter(content_type__in=buddy).exists()
assert not Schedule.objects.filter(func__startswith="wagtail_buddy.").exists()
assert [problems for problems in Page.find_problems() if problems] == []
assert Client().get("/").status_code == 200
for page in Page.objects.all():
    page.specific  # no PageClassNotFoundError
# Still installed (settings not edited yet): the admin leaves the dropped tables alone.
from django.contrib.auth import get_user_model
admin = Client()
admin.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "pw"))
for url in ("/admin/", "/admin/reports/site-history/"):
    assert admin.get(url).status_code == 200, url
print("AFTER", Page.objects.get(pk=home.pk).numchild)
"""


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT / "example_site",
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args} exited {result.returncode}:\n{result.stderr}"
    return result.stdout


@pytest.mark.postgres
def test_migrate_zero_on_postgresql():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.fail("needs DATABASE_URL=postgres://...; run it with `make test-postgres`")
    import psycopg

    name = f"buddy_uninstall_{uuid.uuid4().hex[:8]}"
    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": urlunsplit(urlsplit(url)._replace(path=f"/{name}")),
           "DJANGO_SETTINGS_MODULE": "buddysite.settings.test", "CONN_MAX_AGE": "0"}
    try:
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "buddy_schedules")
        before = manage(env, "shell", "-c", BEFORE)
        manage(env, "migrate", "wagtail_buddy", "zero", "--no-input")
        after = manage(env, "shell", "-c", AFTER)
        assert int(after.split("AFTER")[1]) == int(before.split("BEFORE")[1]) - 2
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
