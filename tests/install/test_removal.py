"""``buddy_coordinators --remove``: before the app goes, its groups go, the site's stay."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from wagtail_buddy.models import BuddyProgrammePage
from wagtail_buddy.services.coordinators import attach_group


def run(*args) -> str:
    out = StringIO()
    call_command("buddy_coordinators", *args, stdout=out)
    return out.getvalue()


def test_remove_deletes_the_apps_groups_and_strips_the_sites_own(
        client, django_user_model, programme, intake):
    run(str(programme.pk))
    coordinators = Group.objects.get(name=f"{programme.display_name} coordinators")
    editors = Group.objects.get(name="Editors")  # Wagtail's own, also picked as coordinators
    site_permissions = sorted(editors.permissions.values_list("codename", flat=True))
    editors.permissions.add(Permission.objects.get(codename="view_participant"))
    attach_group(BuddyProgrammePage.objects.get(pk=programme.pk), editors)
    anna = django_user_model.objects.create_user("anna", "anna@example.org", "pw")
    anna.groups.add(coordinators)

    out = run("--remove")

    assert f"Deleted group {coordinators.name}" in out and "Kept group Editors" in out
    assert not Group.objects.filter(pk=coordinators.pk).exists()
    assert sorted(editors.permissions.values_list("codename", flat=True)) == site_permissions
    assert not BuddyProgrammePage.objects.get(pk=programme.pk).coordinator_groups.exists()
    assert client.login(username="anna", password="pw")
    assert client.get("/admin/").status_code == 302  # no admin login any more

    assert "No group has the app's permissions any more." in run("--remove")  # second time


def test_without_a_programme_and_without_remove_the_command_says_what_to_do(db):
    with pytest.raises(CommandError, match="--remove"):
        run()


def test_schedules_remove_takes_the_apps_schedules_and_task_results_only(db):
    from django.utils import timezone
    from django_q.models import Schedule, Task

    from wagtail_buddy.services.maintenance import SCHEDULES

    call_command("buddy_schedules", stdout=StringIO())
    Schedule.objects.create(name="site report", func="mysite.tasks.report")
    now = timezone.now()
    for func in ("wagtail_buddy.tasks.flush_outbox", "mysite.tasks.report"):
        Task.objects.create(id=func.replace(".", "")[:32], name=func, func=func,
                            started=now, stopped=now, success=True)
    out = StringIO()
    call_command("buddy_schedules", "--remove", stdout=out)
    assert f"Removed {len(SCHEDULES)} schedule(s) and 1 task result(s)." in out.getvalue()
    assert list(Schedule.objects.values_list("func", flat=True)) == ["mysite.tasks.report"]
    assert list(Task.objects.values_list("func", flat=True)) == ["mysite.tasks.report"]
