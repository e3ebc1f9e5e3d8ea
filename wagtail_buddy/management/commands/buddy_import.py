"""``manage.py buddy_import PROGRAMME FILE --intake ID --role local|international``:
invite the people of a spreadsheet (CSV or XLSX) through the same service as the admin.

Exits with status 1 and a message, writing nothing, when the file cannot be read or the
arguments are wrong; ``--dry-run`` prints the preview only; ``--json`` prints the report
as JSON on stdout.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _

from ...models import BuddyProgrammePage, Intake, Participant
from ...services import importing


class Command(BaseCommand):
    help = _("Import people from a spreadsheet (CSV or XLSX) into an intake and email each "
             "new person an invitation to check their details and confirm.")

    def add_arguments(self, parser):
        parser.add_argument("programme", help=_("The programme page's id or slug."))
        parser.add_argument("file", help=_("A .csv or .xlsx file; the first row holds the "
                                           "column headers."))
        parser.add_argument("--intake", type=int, required=True, help=_("The intake's id."))
        parser.add_argument("--role", required=True, choices=Participant.Role.values)
        parser.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                            help=_("Column header=field (repeatable); 'ignore' skips a "
                                   "column. Fields: %(fields)s.")
                            % {"fields": ", ".join(importing.FIELDS)})
        parser.add_argument("--dry-run", action="store_true",
                            help=_("Show what would happen; write and send nothing."))
        parser.add_argument("--json", action="store_true",
                            help=_("Print the report as JSON."))

    def handle(self, *args, **options):
        intake = self._intake(options["programme"], options["intake"])
        table = self._read(Path(options["file"]))
        try:
            overrides = importing.parse_map_options(options["map"], table.headers)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        fields = importing.guess(table, intake, overrides)
        if options["dry_run"]:
            report, result = importing.preview(table, fields, intake, options["role"]), None
        else:
            try:
                report, result = importing.run(table, fields, intake, options["role"])
            except importing.ImportConflict as exc:
                raise CommandError(_("Someone signed up or imported the same people while "
                                     "this ran; nothing was written. Run it again.")) from exc
        if options["json"]:
            out = report.as_json()
            out["dry_run"] = options["dry_run"]
            if result is not None:
                out["result"] = vars(result)
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
        else:
            self._print(report, result)

    def _intake(self, programme: str, intake_id: int) -> Intake:
        lookup = Q(slug=programme) | (Q(pk=int(programme)) if programme.isdigit() else Q())
        page = BuddyProgrammePage.objects.filter(lookup).first()
        if page is None:
            raise CommandError(_("No buddy programme page with id or slug %(p)r.")
                               % {"p": programme})
        intake = Intake.objects.filter(pk=intake_id, programme_id=page.canonical.pk).first()
        if intake is None:
            raise CommandError(_("Intake %(id)s does not belong to %(page)s.")
                               % {"id": intake_id, "page": page.title})
        return intake

    def _read(self, path: Path) -> importing.Table:
        try:
            importing.check_size(path.stat().st_size)  # refused before it is read in
            return importing.read(path.read_bytes(), path.name)
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(error)s")
                               % {"path": path, "error": exc.strerror or exc}) from exc
        except importing.UnreadableFile as exc:
            raise CommandError(f"{path.name}: {exc}") from exc

    def _print(self, report: importing.ImportReport, result) -> None:
        write, counts = self.stdout.write, report.counts
        for note in report.notes:
            write(self.style.WARNING(note))
        for row in report.rows:
            if row.action == importing.SKIP:
                reasons = "; ".join(f"{label}: {reason}" for label, reason in row.problems)
                write(_("row %(row)s: skipped – %(reasons)s")
                      % {"row": row.number, "reasons": reasons})
            elif row.action == importing.UPDATE:
                changes = "; ".join(f"{label}: {old} → {new}"
                                    for label, old, new in row.changes)
                write(_("row %(row)s: %(email)s – %(changes)s")
                      % {"row": row.number, "email": row.email, "changes": changes})
        write(_("%(create)d to invite, %(update)d to update, %(unchanged)d unchanged, "
                "%(skip)d skipped.") % counts)
        if result is None:
            write(_("Dry run: nothing was written or sent."))
        else:
            write(self.style.SUCCESS(
                _("Invited %(created)d new people (%(invitations)d invitations queued), "
                  "updated %(updated)d.") % vars(result)))
