"""System checks: what an existing site must have for the buddy pages and worker to run.

Each message names the setting to change, so ``manage.py check`` (run by ``migrate`` and
``runserver``) tells a webmaster what the README's install steps would have.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.template import Context, TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template
from django.template.loader_tags import BlockNode, ExtendsNode

from .conf import buddy_settings

REQUIRED_APPS = {
    "wagtail_modeladmin": "the participant lists in the admin",
    "wagtail.contrib.routable_page": "the sign-up and private-link pages",
    "django_q": "matching runs, emails and schedules in the background",
    "django_countries": "the country fields of the sign-up form",
}
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@checks.register(checks.Tags.compatibility)
def check_required_apps(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"wagtail-buddy needs {name!r} in INSTALLED_APPS (for {purpose}).",
            hint=f'Add "{name}" to INSTALLED_APPS, as in the README\'s "Add to your site".',
            id="wagtail_buddy.E001",
        )
        for name, purpose in REQUIRED_APPS.items()
        if not apps.is_installed(name)
    ]


@checks.register(checks.Tags.compatibility)
def check_task_queue(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if getattr(settings, "Q_CLUSTER", None):
        return []
    return [checks.Error(
        "Q_CLUSTER is not set: matching runs and emails would wait for a worker forever.",
        hint='Set Q_CLUSTER, e.g. {"name": "buddy", "orm": "default", "workers": 2, '
             '"timeout": 600, "retry": 660}, and run "python manage.py qcluster".',
        id="wagtail_buddy.E002",
    )]


@checks.register(checks.Tags.caches)
def check_shared_cache(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    alias = buddy_settings.CACHE
    caches = getattr(settings, "CACHES", {})
    if alias not in caches:
        return [checks.Error(
            f"WAGTAIL_BUDDY_CACHE names the cache {alias!r}, which CACHES does not define.",
            hint="Point WAGTAIL_BUDDY_CACHE at a cache alias in CACHES.",
            id="wagtail_buddy.E003",
        )]
    if settings.DEBUG or caches[alias].get("BACKEND") not in PER_PROCESS_CACHES:
        return []
    return [checks.Warning(
        f"The cache {alias!r} is per process: sign-up rate limits count per web process "
        "and every email enqueues its own task.",
        hint="Use a cache shared by the web and worker processes (Redis, file-based or "
             "database) for this alias, or set WAGTAIL_BUDDY_CACHE to one.",
        id="wagtail_buddy.W001",
    )]


@checks.register(checks.Tags.templates)
def check_base_template(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    name = buddy_settings.BASE_TEMPLATE
    try:
        blocks = template_blocks(name)
    except (TemplateDoesNotExist, TemplateSyntaxError) as error:
        return [checks.Error(
            f"WAGTAIL_BUDDY_BASE_TEMPLATE {name!r} cannot be loaded: {error}",
            hint="Name a template of your site, e.g. \"base.html\", or remove the setting.",
            id="wagtail_buddy.E004",
        )]
    if "content" in blocks:
        return []
    return [checks.Error(
        f"WAGTAIL_BUDDY_BASE_TEMPLATE {name!r} has no {{% block content %}}: the sign-up "
        "pages, their stylesheet and script would render empty.",
        hint="Add {% block content %}{% endblock %} where the page body goes, or point the "
             "setting at a template that has one.",
        id="wagtail_buddy.E005",
    )]


def template_blocks(name: str) -> set[str]:
    """Names of the blocks a Django template defines, its parents' included."""
    template = get_template(name)
    nodelist = getattr(template, "template", template).nodelist
    blocks = {node.name for node in nodelist.get_nodes_by_type(BlockNode)}
    for node in nodelist.get_nodes_by_type(ExtendsNode):
        parent = node.parent_name.resolve(Context())
        if isinstance(parent, str):
            blocks |= template_blocks(parent)
    return blocks


@checks.register()
def check_email_lease(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A send must end within half the sending lease, or its email may be sent twice.

    Past the lease a row counts as abandoned and is sent again; without ``EMAIL_TIMEOUT``
    a hung mail server keeps a worker inside ``send()`` for ever.
    """
    lease = int(buddy_settings.EMAIL_SENDING_LEASE)
    timeout = getattr(settings, "EMAIL_TIMEOUT", None)
    if timeout is not None and float(timeout) <= lease / 2:
        return []
    return [checks.Warning(
        f"EMAIL_TIMEOUT is {timeout!r}; with WAGTAIL_BUDDY_EMAIL_SENDING_LEASE = {lease} s "
        "a stuck send can outlive its lease and the email be sent twice.",
        hint=f"Set EMAIL_TIMEOUT to at most {lease // 2} seconds (30 is plenty).",
        id="wagtail_buddy.W002",
    )]


@checks.register()
def check_run_heartbeat(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A run's heartbeat must come several times within the staleness limit."""
    interval = float(buddy_settings.RUN_HEARTBEAT_INTERVAL)
    stale_after = float(buddy_settings.RUN_STALE_AFTER)
    if 0 < interval * 3 <= stale_after:
        return []
    return [checks.Warning(
        f"WAGTAIL_BUDDY_RUN_HEARTBEAT_INTERVAL ({interval:g} s) must be positive and at most a "
        f"third of WAGTAIL_BUDDY_RUN_STALE_AFTER ({stale_after:g} s), or live matching runs "
        "are failed as dead.",
        id="wagtail_buddy.W003",
    )]
