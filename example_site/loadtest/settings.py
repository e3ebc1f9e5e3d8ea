"""Settings of the load benchmark: the example site as deployed (DEBUG off), errors on stderr.

``BENCH_SQLITE_MODE=deferred`` turns off the base settings' ``transaction_mode=IMMEDIATE``
to measure what it buys under concurrent writers.
"""

import os

from buddysite.settings.base import *  # noqa: F403
from buddysite.settings.base import DATABASES, INSTALLED_APPS

# The benchmark's page types (bare form, sign-up probe) exist only here, not in the admin of
# the example site.
INSTALLED_APPS = ["loadtest", *INSTALLED_APPS]

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The load comes from one address: keep the limiter's work, lift its ceiling.
WAGTAIL_BUDDY_SIGNUP_RATE_LIMIT = 10**9

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    mode = os.environ.get("BENCH_SQLITE_MODE", "immediate")
    if mode == "deferred":
        DATABASES["default"]["OPTIONS"].pop("transaction_mode", None)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
