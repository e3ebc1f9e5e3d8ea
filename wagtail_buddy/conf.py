"""Settings of wagtail-buddy, each with a sensible default.

Read them through ``buddy_settings.NAME`` so tests can override the Django setting.
Every key can be set in the site's settings as ``WAGTAIL_BUDDY_<NAME>``.
"""

from django.conf import settings

DEFAULTS: dict[str, object] = {
    # Template the public pages extend; point it at the site's own base.html. It needs a
    # content block (checked: wagtail_buddy.E005); title, extra_css and extra_js are used
    # when it has them, else the stylesheet and script go inside content.
    "BASE_TEMPLATE": "wagtail_buddy/standalone_base.html",
    # Days an unconfirmed sign-up is kept before it is purged.
    "UNCONFIRMED_PURGE_DAYS": 7,
    # Days after which an unconfirmed student gets one reminder.
    "UNCONFIRMED_REMINDER_DAYS": 2,
    # Days after an intake ends before its participants are anonymised.
    "RETENTION_DAYS": 365,
    # Weeks after the introduction email when the check-in email goes out.
    "CHECKIN_WEEKS": 3,
    # End-of-semester feedback: emailed on the intake's end date to intakes that ended at most
    # FEEDBACK_SEND_DAYS ago (so a new install does not email past semesters), answered
    # until FEEDBACK_ANSWER_DAYS after the end date.
    "FEEDBACK_SEND_DAYS": 14,
    "FEEDBACK_ANSWER_DAYS": 30,
    # Seconds a private participant link stays valid.
    "TOKEN_MAX_AGE": 60 * 60 * 24 * 180,
    # Seconds an email-confirmation link stays valid.
    "CONFIRM_TOKEN_MAX_AGE": 60 * 60 * 24 * 7,
    # Spreadsheet import (admin and ``buddy_import``): the largest file accepted, in bytes;
    # the most data rows; and, for an XLSX (a zip), the most its parts may unpack to, checked
    # before the file is opened, so a zip bomb is refused unread.
    "IMPORT_MAX_BYTES": 10 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 20_000,
    "IMPORT_MAX_UNPACKED_BYTES": 100 * 1024 * 1024,
    # Sign-up and resend attempts allowed per IP address per hour.
    "SIGNUP_RATE_LIMIT": 20,
    # Cache alias shared by every web and worker process: the per-IP rate limits and the
    # email sender's "task pending" flag.
    "CACHE": "default",
    # Seconds a queued matching run may wait for a worker before it is declared failed.
    "RUN_TIMEOUT": 30 * 60,
    # Seconds between two heartbeats of a running matching run (written by a thread
    # beside the engine), and the age of the last heartbeat after which the run counts as
    # dead: the next click on Run or the next sweep fails it.
    "RUN_HEARTBEAT_INTERVAL": 10,
    "RUN_STALE_AFTER": 60,
    # Email sending: attempts before giving up, and the first retry delay in seconds.
    "EMAIL_MAX_ATTEMPTS": 5,
    "EMAIL_RETRY_BASE_DELAY": 60,
    # Seconds a worker owns an email it claimed ("sending"). Past it, the worker is presumed
    # dead and the email is queued again. A send (Django's EMAIL_TIMEOUT) must fit in half
    # of it; the other half is for writing "sent" across a database reconnect.
    "EMAIL_SENDING_LEASE": 120,
    # Sender of participant emails (defaults to DEFAULT_FROM_EMAIL).
    "FROM_EMAIL": None,
    # django-q2 queue name for the app's tasks (None = the cluster's default).
    "TASK_QUEUE": None,
    # Content-Security-Policy of the public programme pages (sign-up, private link,
    # check-in). Off by default: the pages render inside the site's own base template, whose
    # inline scripts, analytics and cookie banner only the site knows, so the policy is the
    # site's (django-csp or its own). The pages need nothing beyond 'self' (no inline script,
    # style or handler), so they work under a strict site policy. A string sends it on these
    # pages only; a site using django-csp leaves it None (a header set here replaces
    # django-csp's on these pages: system check W004).
    "PUBLIC_CSP": None,
    # Content-Security-Policy of the buddy admin screens: what the Wagtail admin allows
    # (it needs inline scripts), so no plugins, no <base> and no framing by other sites.
    "ADMIN_CSP": "object-src 'none'; base-uri 'self'; frame-ancestors 'self'",
}


class _BuddySettings:
    def __getattr__(self, name: str) -> object:
        if name not in DEFAULTS:
            raise AttributeError(name)
        return getattr(settings, f"WAGTAIL_BUDDY_{name}", DEFAULTS[name])


buddy_settings = _BuddySettings()
