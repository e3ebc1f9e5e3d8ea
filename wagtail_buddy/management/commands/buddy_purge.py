"""``manage.py buddy_purge [--dry-run]``: the same purges the schedules run, on demand."""

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils.translation import gettext as _

from ...services import maintenance


class Command(BaseCommand):
    help = _(
        "Delete unconfirmed sign-ups past UNCONFIRMED_PURGE_DAYS and the personal data of "
        "intakes that ended more than RETENTION_DAYS ago (aggregate statistics are kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true",
            help=_("Only say what would be deleted; change nothing."),
        )

    def handle(self, *args, dry_run: bool = False, **options):
        unconfirmed = maintenance.unconfirmed_to_purge()
        plan = maintenance.retention_plan()
        write = self.stdout.write
        verb = _("Would delete") if dry_run else _("Deleting")
        write(_("%(verb)s %(n)d unconfirmed sign-up(s) older than %(days)s day(s).") % {
            "verb": verb, "n": unconfirmed.count(),
            "days": maintenance.buddy_settings.UNCONFIRMED_PURGE_DAYS})
        if options["verbosity"] >= 2:
            for intake_name, n in _per_intake(unconfirmed):
                write(f"  - {intake_name}: {n}")
        if not plan.items:
            write(_("No intake is past its retention period."))
        for item in plan.items:
            write(
                _("%(verb)s the personal data of intake “%(intake)s” (%(programme)s, ended "
                  "%(ended)s): %(participants)d participant(s), %(matches)d match(es), "
                  "%(checkins)d check-in(s), %(feedback)d feedback answer(s), %(emails)d "
                  "email(s); aggregate statistics are kept.") % {
                    "verb": verb, "intake": item.intake.name,
                    "programme": item.intake.programme.title,
                    "ended": item.intake.ends_on.isoformat(),
                    "participants": item.participants, "matches": item.matches,
                    "checkins": item.checkins, "feedback": item.feedback,
                    "emails": item.emails,
                }
            )
        if dry_run:
            write(_("Dry run: nothing was changed."))
            return
        purged = maintenance.purge_unconfirmed()
        retired = maintenance.apply_retention()
        self.stdout.write(self.style.SUCCESS(
            _("Deleted %(purged)d unconfirmed sign-up(s) and %(retired)d participant(s) past "
              "retention.") % {"purged": purged, "retired": retired}
        ))


def _per_intake(queryset):
    return queryset.order_by().values_list("intake__name").annotate(n=Count("pk"))
