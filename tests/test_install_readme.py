"""Follow the README's "Add to your site" verbatim in a brand-new `wagtail start` project:
install from the source (`pip install ./wagtail-buddy`), set up a section, remove. The
floors leg runs it on Wagtail 7.4, the others on 8."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv*", "__pycache__", "*.egg-info", "build",
                                    "dist", "db.sqlite3*", "media", "static", ".cache",
                                    ".hypothesis", "test-results", "screenshots")
WAGTAIL = Path(sys.executable).with_name("wagtail")

CHECK_SITE = r"""
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.models import Page
from home.models import HomePage
import wagtail_buddy
from wagtail_buddy.models import BuddyProgrammePage, Intake

assert "/site-venv/" in wagtail_buddy.__file__, wagtail_buddy.__file__  # the installed copy

home = HomePage.objects.first()
programme = home.add_child(instance=BuddyProgrammePage(
    title="Buddy Programme", slug="buddy-programme", section_name="ESN Graz",
    privacy_notice="<p>We keep your data for one year.</p>"))
programme.save_revision().publish()
Intake.objects.create(programme=programme, name="Spring 2027", starts_on="2027-02-01",
                      ends_on="2027-07-01", signup_open=True)
client = Client()
response = client.get("/buddy-programme/")
assert response.status_code == 200, response.status_code
html = response.content.decode()
assert "Buddy Programme" in html and "/buddy-programme/signup/local/" in html
form = client.get("/buddy-programme/signup/local/").content.decode()
assert "wagtail_buddy/public.css" in form and "wagtail_buddy/public.js" in form
assert 'name="languages"' in form
get_user_model().objects.create_superuser("root", "root@example.org", "pw")
client.force_login(get_user_model().objects.get(username="root"))
admin = client.get("/admin/")
assert admin.status_code == 200, admin.status_code
assert "Buddy System" in admin.content.decode()
assert client.get("/admin/buddy/intakes/new/").status_code == 200
print("SITE-OK")
"""

CHECK_COORDINATOR = r"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

user = get_user_model().objects.create_user("anna", "anna@example.org", "pw")
user.groups.add(Group.objects.get(name="ESN Graz coordinators"))
client = Client()
assert client.login(username="anna", password="pw")
admin = client.get("/admin/")
assert admin.status_code == 200 and "Buddy System" in admin.content.decode()
intakes = client.get("/admin/buddy/intakes/")
assert intakes.status_code == 200 and "Spring 2027" in intakes.content.decode()
print("COORDINATOR-OK")
"""

CHECK_BETWEEN = r"""
from django.contrib.auth.models import Group
from django.test import Client

assert not Group.objects.filter(name="ESN Graz coordinators").exists()
anna = Client()
assert anna.login(username="anna", password="pw")
assert anna.get("/admin/").status_code == 302  # her only group, and its admin login, went
root = Client()
root.login(username="root", password="pw")
for url in ("/admin/", "/admin/reports/site-history/", "/admin/pages/", "/"):
    status = root.get(url).status_code
    assert status == 200, (url, status)
print("BETWEEN-OK")
"""

CHECK_REMOVED = r"""
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from wagtail.models import Page

assert not ContentType.objects.filter(app_label="wagtail_buddy").exists()
assert [problems for problems in Page.find_problems() if problems] == []
for page in Page.objects.all():
    page.specific  # no PageClassNotFoundError
assert Client().get("/").status_code == 200
tables = connection.introspection.table_names()
assert not [table for table in tables if table.startswith(("wagtail_buddy_", "django_q_"))], \
    tables
client = Client()
client.login(username="root", password="pw")
assert client.get("/admin/reports/site-history/").status_code == 200
print("REMOVED-OK")
"""


def readme_block(name: str) -> str:
    text = README.read_text()
    match = re.search(
        rf"<!-- install:{name} -->\s*```\w*\n(.*?)```\s*<!-- /install:{name} -->", text, re.S
    )
    assert match, f"README has no install:{name} block"
    return "\n".join(line[3:] if line.startswith("   ") else line
                     for line in match.group(1).splitlines())


def run(args: list[str], cwd: Path, env: dict, timeout: int = 240) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@dataclass
class Site:
    project: Path
    env: dict
    python: str  # the site's own virtualenv, where README step 1 installed the app

    def manage(self, *args: str) -> str:
        return run([self.python, "manage.py", *args], self.project, self.env)

    def run_block(self, name: str) -> str:
        """Run each `python manage.py ...` line of a README block (qcluster: until it runs);
        returns what the last one printed."""
        output = ""
        for line in readme_block(name).splitlines():
            command = shlex.split(line, comments=True)
            if not command:
                continue
            assert command[:2] == ["python", "manage.py"], line
            argv = [self.python, *command[1:]]
            if command[2] == "qcluster":
                assert_worker_starts(argv, self.project, self.env)
            else:
                output = run(argv, self.project, self.env)
        return output


def install_from_source(tmp_path: Path, env: dict) -> str:
    """README step 1 as someone holding the source does it: `pip install ./wagtail-buddy`
    into the site's own virtualenv. That venv borrows this one's dependencies (a .pth
    line), so only the package itself is built and installed; `pip check` then proves its
    declared requirements are met. Returns the venv's python."""
    line = next(line for line in readme_block("pip").splitlines()
                if line.startswith("pip install ./wagtail-buddy"))
    shutil.copytree(ROOT, tmp_path / "wagtail-buddy", ignore=NOT_SOURCE)
    venv = tmp_path / "site-venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    python = str(venv / "bin" / "python")
    site_packages = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                        tmp_path, env).strip()
    Path(site_packages, "borrowed-dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n")
    pip = [sys.executable, "-m", "pip", "--python", python]
    run([*pip, *shlex.split(line, comments=True)[1:], "--no-deps", "--quiet"], tmp_path, env,
        timeout=600)
    run([*pip, "check"], tmp_path, env)
    return python


def test_readme_install_steps_work_in_a_new_wagtail_project(tmp_path):
    """Install, set up a section, remove: README blocks verbatim, on this venv's Wagtail."""
    assert WAGTAIL.exists(), "the wagtail command is installed with the package's dependencies"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "BUDDY_", "PYTHONPATH"))}
    env["DJANGO_SETTINGS_MODULE"] = "mysite.settings.dev"
    project = tmp_path / "site"
    project.mkdir()
    run([str(WAGTAIL), "start", "mysite", str(project)], tmp_path, env)
    site = Site(project, env, install_from_source(tmp_path, env))

    settings_file = project / "mysite" / "settings" / "base.py"
    # An existing site that already lists one of the apps (bakerydemo lists this one).
    original = settings_file.read_text().replace(
        '    "wagtail.contrib.forms",\n',
        '    "wagtail.contrib.forms",\n    "wagtail.contrib.routable_page",\n', 1)
    assert "routable_page" in original
    settings_file.write_text(original + "\n" + readme_block("settings"))

    site.run_block("commands")
    assert "SITE-OK" in site.manage("shell", "-c", CHECK_SITE)
    site.run_block("section")
    assert "COORDINATOR-OK" in site.manage("shell", "-c", CHECK_COORDINATOR)

    site.run_block("remove")  # web and worker stopped (none runs here)
    assert "BETWEEN-OK" in site.manage("shell", "-c", CHECK_BETWEEN)
    # The site does not use django-q2 itself: the README's check says so, then its tables go.
    assert site.run_block("remove-q-check").split()[-2:] == ["0", "0"]
    site.run_block("remove-q")
    settings_file.write_text(original)  # "take the lines you added out of your settings"
    site.run_block("remove-after")
    assert "REMOVED-OK" in site.manage("shell", "-c", CHECK_REMOVED)


def assert_worker_starts(argv: list[str], cwd: Path, env: dict) -> None:
    log = cwd / "qcluster.log"
    with log.open("w") as handle:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=handle,
                                   stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "running" in log.read_text().lower():
                break
            assert process.poll() is None, log.read_text()
            time.sleep(0.5)
        else:
            pytest.fail(f"qcluster did not start:\n{log.read_text()}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    shutil.rmtree(cwd / "__pycache__", ignore_errors=True)
