"""``manage.py buddy_coordinators``: a second section's coordinator who can log in and work."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from tests.conftest import make_programme
from wagtail_buddy.models import BuddyProgrammePage, Intake
from wagtail_buddy.permissions import LEVELS


def run(*args) -> str:
    out = StringIO()
    call_command("buddy_coordinators", *args, stdout=out)
    return out.getvalue()


def test_a_new_coordinator_logs_in_and_sees_only_their_programme(
        client, django_user_model, home_page, programme, intake):
    graz = make_programme(home_page, title="Graz", slug="graz")
    graz_intake = Intake.objects.create(programme=graz, name="Graz spring",
                                        starts_on="2027-03-01", ends_on="2027-07-31")
    out = run("graz")
    group = Group.objects.get(name="ESN Graz coordinators")
    assert "Created group ESN Graz coordinators" in out
    assert list(BuddyProgrammePage.objects.get(pk=graz.pk).coordinator_groups.all()) == [group]
    assert sorted(f"{p.content_type.app_label}.{p.codename}"
                  for p in group.permissions.all()) == sorted(LEVELS["manage"])

    user = django_user_model.objects.create_user("anna", "anna@example.org", "pw")
    user.groups.add(group)
    assert client.login(username="anna", password="pw")
    home = client.get("/admin/")
    assert home.status_code == 200 and "Buddy System" in home.content.decode()
    intakes = client.get("/admin/buddy/intakes/").content.decode()
    assert "Graz spring" in intakes and intake.name not in intakes
    assert client.get(f"/admin/buddy/intakes/edit/{graz_intake.pk}/").status_code == 200
    assert client.get(f"/admin/buddy/intakes/edit/{intake.pk}/").status_code in (302, 403, 404)
    new_intake = client.get("/admin/buddy/intakes/new/")
    assert new_intake.status_code == 200
    assert new_intake.context["form"].initial["programme"] == graz.pk  # their only one


def test_a_superuser_with_several_programmes_chooses_one(admin_client, home_page, programme):
    make_programme(home_page, title="Graz", slug="graz")
    form = admin_client.get("/admin/buddy/intakes/new/").context["form"]
    assert "programme" not in form.initial


def test_the_command_is_idempotent_and_keeps_the_group_on_a_pending_draft(home_page):
    page = make_programme(home_page, title="Linz", slug="linz")
    page.title = "Linz (draft)"
    page.save_revision()
    run(str(page.pk), "--level", "view", "--group", "Linz team")
    out = run(str(page.pk), "--level", "view", "--group", "Linz team")
    assert "Updated group Linz team" in out
    group = Group.objects.get(name="Linz team")
    assert group.permissions.count() == len(LEVELS["view"])
    page = BuddyProgrammePage.objects.get(pk=page.pk)
    page.get_latest_revision().publish()
    published = BuddyProgrammePage.objects.get(pk=page.pk)
    assert published.title == "Linz (draft)"
    assert list(published.coordinator_groups.all()) == [group]


def test_an_unknown_programme_names_the_ones_there_are(programme):
    with pytest.raises(CommandError) as error:
        run("nowhere")
    assert "matches no buddy programme page" in str(error.value)
    assert programme.slug in str(error.value)
