"""System checks tell a webmaster what the install steps would have set."""

import os
import subprocess
import sys
from pathlib import Path

from django.core import checks

from wagtail_buddy import checks as buddy_checks

ROOT = Path(__file__).resolve().parents[2]


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_the_example_site_passes_every_check(settings):
    settings.DEBUG = True  # the test settings' per-process cache is a W001 in production
    buddy = [m for m in checks.run_checks() if m.id.startswith("wagtail_buddy.")]
    assert buddy == []


def test_a_site_without_the_readme_settings_hears_each_missing_piece():
    """``manage.py check`` on the example site less the four apps and Q_CLUSTER."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.install.bare_settings",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "example_site"), str(ROOT)])}
    result = subprocess.run([sys.executable, "-m", "django", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    for app in buddy_checks.REQUIRED_APPS:
        assert f"wagtail_buddy.E001) wagtail-buddy needs {app!r}" in result.stderr, app
    assert result.stderr.count("wagtail_buddy.E001") == len(buddy_checks.REQUIRED_APPS)
    assert "wagtail_buddy.E002) Q_CLUSTER is not set" in result.stderr


def test_missing_q_cluster(settings):
    del settings.Q_CLUSTER
    assert ids(buddy_checks.check_task_queue()) == ["wagtail_buddy.E002"]


def test_per_process_cache_in_production_only(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.DEBUG = False
    assert ids(buddy_checks.check_shared_cache()) == ["wagtail_buddy.W001"]
    settings.DEBUG = True
    assert buddy_checks.check_shared_cache() == []
    settings.DEBUG = False
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/tmp/x"}}
    assert buddy_checks.check_shared_cache() == []
    settings.WAGTAIL_BUDDY_CACHE = "buddy"
    assert ids(buddy_checks.check_shared_cache()) == ["wagtail_buddy.E003"]


def test_base_template_checks(settings, site_templates):
    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = "bakery/base.html"
    assert buddy_checks.check_base_template() == []
    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = "bakery/child.html"
    assert buddy_checks.check_base_template() == []
    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = "bakery/no_content.html"
    messages = buddy_checks.check_base_template()
    assert ids(messages) == ["wagtail_buddy.E005"] and "block content" in messages[0].msg
    settings.WAGTAIL_BUDDY_BASE_TEMPLATE = "bakery/missing.html"
    messages = buddy_checks.check_base_template()
    assert ids(messages) == ["wagtail_buddy.E004"] and "missing.html" in messages[0].msg
