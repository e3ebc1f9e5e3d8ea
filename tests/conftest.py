"""Shared fixtures: a site with a programme page, an open intake, participants and coordinators."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from wagtail.models import Page, Site

from wagtail_buddy.models import BuddyProgrammePage, Intake, Interest, Language, Participant

_counter = itertools.count(1)


@pytest.fixture
def home_page(db):
    root = Page.get_first_root_node()
    site = Site.objects.get(is_default_site=True)
    return site.root_page if site.root_page.depth > 1 else root


def make_programme(parent: Page, title: str = "Buddy Programme", slug: str | None = None):
    page = BuddyProgrammePage(
        title=title, slug=slug or f"buddy-{next(_counter)}", section_name=f"ESN {title}",
        contact_email="buddy@example.org", privacy_notice="<p>We store your data.</p>",
        charter="<p>Be kind.</p>",
    )
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def programme(home_page):
    return make_programme(home_page)


@pytest.fixture
def intake(programme):
    return Intake.objects.create(
        programme=programme, name="Spring 2027", starts_on=date(2027, 2, 1),
        ends_on=date(2027, 7, 1), signup_open=True,
    )


@pytest.fixture
def interests(programme):
    return [Interest.objects.get_or_create(programme=programme, name=n, slug=n.lower())[0]
            for n in ["Hiking", "Cinema", "Cooking", "Chess"]]


def make_participant(intake: Intake, role: str = "international", *, languages=("en",),
                     interests=(), **fields) -> Participant:
    n = next(_counter)
    now = timezone.now()
    defaults = dict(
        first_name=f"First{n}", last_name=f"Last{n}", email=f"student{n}@example.org",
        birth_year=2002, gender="female", nationality="ES" if role == "international" else "FR",
        university="Université Lyon 2", faculty="Law", status=Participant.Status.WAITING,
        consent_at=now, consent_version="test", confirmed_at=now,
    )
    if role == "international":
        defaults["arrival_date"] = intake.starts_on
    defaults.update(fields)
    participant = Participant.objects.create(intake=intake, role=role, **defaults)
    participant.languages.set(Language.objects.filter(code__in=languages))
    if interests:
        participant.interests.set(interests)
    return participant


@pytest.fixture
def participant_factory(intake):
    def factory(role: str = "international", **kwargs) -> Participant:
        return make_participant(kwargs.pop("intake", intake), role, **kwargs)

    return factory


def make_coordinator(django_user_model, username: str, programme: BuddyProgrammePage,
                     codenames=("view_participant", "match_participants",
                                "manage_programme_settings", "change_participant")):
    group = Group.objects.create(name=f"{username} group")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="wagtail_buddy", codename__in=codenames),
    )
    programme.coordinator_groups.add(group)
    programme.save()
    user = django_user_model.objects.create_user(username, f"{username}@example.org", "pw")
    user.groups.add(group)
    return user


@pytest.fixture
def coordinator(django_user_model, programme):
    return make_coordinator(django_user_model, "coordinator", programme)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Nothing cached (site roots, offered interests, rate counters) outlives a test."""
    from django.core.cache import caches

    from wagtail_buddy.caching import forget_locales

    caches["default"].clear()
    forget_locales()


@pytest.fixture
def buddy_cache(settings):
    """A fresh local-memory cache for rate limiting (the suite shares one process)."""
    from django.core.cache import caches

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "buddy-tests"}}
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


@pytest.fixture
def signup_payload():
    """A valid sign-up POST for ``role``; keyword arguments override or (None) drop fields."""

    def build(role: str = "international", **overrides) -> dict:
        data = {
            "first_name": "Ana", "last_name": "García", "email": f"ana.{role}@example.org",
            "phone": "+33 6 12 34 56 78", "birth_year": "2002", "gender": "female",
            "gender_preference": "any", "nationality": "ES" if role == "international" else "FR",
            "languages": ["es", "en"], "university": "Université Lyon 2", "faculty": "Law",
            "motivation": "Meet people", "preferred_language": "en", "consent": "on",
            "charter": "on", "website": "",
        }
        if role == "international":
            data.update(home_university="Universidad de Sevilla", arrival_date="2027-02-01")
        else:
            data.update(available_from="2027-01-15", available_until="2027-07-01", capacity="2",
                        exchange_country="DE")
        for key, value in overrides.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return data

    return build


def aria_references(html: str) -> tuple[list[str], list[str]]:
    """The ids a page's ``aria-describedby`` attributes name, and those no element has."""
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    references = [ref for value in re.findall(r'aria-describedby="([^"]*)"', html)
                  for ref in value.split()]
    return references, [ref for ref in references if ref not in ids]


def url_routes(patterns=None, prefix: str = "", names: tuple = ()):
    """Every URL pattern of the project as ``(regex path, namespace, name)``."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        regex = str(p.pattern.regex.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(p, URLResolver):
            yield from url_routes(p.url_patterns, prefix + regex, names + (p.namespace or "",))
        elif isinstance(p, URLPattern):
            yield prefix + regex, ":".join(n for n in names if n), p.name or ""


def add_template_dir(settings, directory):
    """Append ``directory`` to the first template engine's DIRS (for test-only templates)."""
    engines = [dict(engine) for engine in settings.TEMPLATES]
    engines[0]["DIRS"] = [*engines[0]["DIRS"], directory]
    settings.TEMPLATES = engines
    return directory
