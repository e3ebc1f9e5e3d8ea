"""``manage.py buddy_schedules``: create or update the app's django-q2 schedules.

Idempotent: run it after every deploy. Schedules are matched by name; their timing and
function are brought up to date, while a pending ``next_run`` is kept so re-running the
command does not postpone anything. ``--remove`` deletes them and the results of the
app's finished tasks.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from ...services.maintenance import SCHEDULES, ensure_schedules, remove_schedules


class Command(BaseCommand):
    help = _("Create or update the django-q2 schedules of wagtail-buddy (idempotent).")

    def add_arguments(self, parser):
        parser.add_argument("--remove", action="store_true", help=_(
            "Delete the schedules and the app's task results (when removing the app)."))

    def handle(self, *args, remove: bool = False, **options):
        if remove:
            schedules, tasks = remove_schedules()
            self.stdout.write(_("Removed %(n)d schedule(s) and %(tasks)d task result(s).") % {
                "n": schedules, "tasks": tasks})
            return
        created, updated = ensure_schedules()
        for spec in SCHEDULES:
            self.stdout.write(f"  {spec.name}: {spec.describe()} -> {spec.func}")
        self.stdout.write(self.style.SUCCESS(
            _("%(created)d schedule(s) created, %(updated)d updated.") % {
                "created": created, "updated": updated}
        ))
