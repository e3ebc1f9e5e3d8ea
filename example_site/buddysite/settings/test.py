"""Test settings: the same site, emails to ``mail.outbox``, tasks run inline."""

import os

from .base import *  # noqa: F403
from .base import Q_CLUSTER

DEBUG = False
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run in-process unless a test drives a real qcluster (BUDDY_REAL_QCLUSTER=1).
Q_CLUSTER = {**Q_CLUSTER, "sync": os.environ.get("BUDDY_REAL_QCLUSTER") != "1"}
WAGTAILADMIN_BASE_URL = "http://testserver"
# Per test process, so no test sees another's cached site roots or rate-limit counters.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    # A test needs no durability: commits do not wait for the disk (the suite's many
    # transactional tests commit and truncate; the races still see each other's commits).
    DATABASES["default"]["OPTIONS"]["options"] += " -c synchronous_commit=off"  # noqa: F405
