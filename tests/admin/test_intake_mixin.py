"""The screens under ``intake/<intake_id>/`` (``IntakeMixin``): the permission is checked
before the intake is looked up, and the lookup is scoped to the user's programmes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import make_coordinator, make_programme
from wagtail_buddy.models import Intake

# route name -> does it take a POST
INTAKE_ROUTES = {"matching": True, "proposals": True, "introductions": True,
                 "waiting": False, "stats": False, "intake_progress": False,
                 "checklist": False}
MATCH_ONLY = {"matching", "intake_progress"}


def u(name, *args):
    return reverse(f"wagtail_buddy_admin:{name}", args=args)


def denied(response) -> bool:
    """Wagtail answers PermissionDenied in the admin with a redirect to the dashboard."""
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def ids(home_page, intake):
    other = make_programme(home_page, "Other")
    foreign = Intake.objects.create(programme=other, name="Other", starts_on=intake.starts_on,
                                    ends_on=intake.ends_on)
    return {"own": intake.pk, "foreign": foreign.pk, "missing": foreign.pk + 1000}


@pytest.mark.parametrize("name", INTAKE_ROUTES)
def test_coordinator_sees_only_own_intake(client, coordinator, ids, name):
    client.force_login(coordinator)
    assert client.get(u(name, ids["own"])).status_code == 200
    assert client.get(u(name, ids["foreign"])).status_code == 404
    assert client.get(u(name, ids["missing"])).status_code == 404


@pytest.mark.parametrize("name", INTAKE_ROUTES)
def test_permission_is_checked_before_the_lookup(client, django_user_model, programme, ids,
                                                 name):
    """Without the route's permission a user is denied whatever the id (a 404 for some ids
    would reveal which exist): an admin user with no buddy permission on every route, a
    viewer on the matching routes and on every POST."""
    nobody = make_coordinator(django_user_model, "nobody", programme, codenames=())
    viewer = make_coordinator(django_user_model, "viewer", programme,
                              codenames=("view_participant",))
    for which in ("own", "foreign", "missing"):
        url = u(name, ids[which])
        client.force_login(nobody)
        assert denied(client.get(url)), (url, which)
        client.force_login(viewer)
        if name in MATCH_ONLY:
            assert denied(client.get(url)), (url, which)
        if INTAKE_ROUTES[name]:
            assert denied(client.post(url, {})), (url, which)


def test_post_without_get_lookup_uses_the_intake(client, coordinator, intake):
    """POST handlers get ``self.intake`` too (there is no GET before them to set it)."""
    client.force_login(coordinator)
    response = client.post(u("introductions", intake.pk), {})
    assert response.status_code == 302
    assert response["Location"] == u("introductions", intake.pk)
