"""Follow the README's "Add to your site" verbatim in a brand-new `wagtail start` project."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
WAGTAIL = Path(sys.executable).with_name("wagtail")

CHECK_SITE = r"""
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.models import Page
from home.models import HomePage
from wagtail_buddy.models import BuddyProgrammePage, Intake

home = HomePage.objects.first()
programme = home.add_child(instance=BuddyProgrammePage(title="Buddy Programme", slug="buddy"))
programme.save_revision().publish()
Intake.objects.create(programme=programme, name="Spring 2027", starts_on="2027-02-01",
                      ends_on="2027-07-01", signup_open=True)
client = Client()
response = client.get("/buddy/")
assert response.status_code == 200, response.status_code
html = response.content.decode()
assert "Buddy Programme" in html
get_user_model().objects.create_superuser("root", "root@example.org", "pw")
client.force_login(get_user_model().objects.get(username="root"))
admin = client.get("/admin/")
assert admin.status_code == 200, admin.status_code
assert "Buddy System" in admin.content.decode()
print("SITE-OK")
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


def test_readme_install_steps_work_in_a_new_wagtail_project(tmp_path):
    assert WAGTAIL.exists(), "the wagtail command is installed with the package's dependencies"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "BUDDY_"))}
    env["DJANGO_SETTINGS_MODULE"] = "mysite.settings.dev"
    project = tmp_path / "site"
    project.mkdir()
    run([str(WAGTAIL), "start", "mysite", str(project)], tmp_path, env)

    settings_file = project / "mysite" / "settings" / "base.py"
    settings_file.write_text(settings_file.read_text() + "\n" + readme_block("settings"))

    for line in readme_block("commands").splitlines():
        command = line.split("#", 1)[0].split()
        if not command:
            continue
        assert command[:2] == ["python", "manage.py"], line
        argv = [sys.executable, *command[1:]]
        if command[2] == "qcluster":
            assert_worker_starts(argv, project, env)
        else:
            run(argv, project, env)

    out = run([sys.executable, "manage.py", "shell", "-c", CHECK_SITE], project, env)
    assert "SITE-OK" in out


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
