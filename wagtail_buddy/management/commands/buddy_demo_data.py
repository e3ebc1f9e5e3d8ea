from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...models import BuddyProgrammePage, Intake
from ...services.demo import create_demo_participants


class Command(BaseCommand):
    help = "Add realistic fake participants (Faker) to an intake. Needs the 'demo' extra."

    def add_arguments(self, parser):
        parser.add_argument("--intake", type=int, help="Intake id (default: newest open intake)")
        parser.add_argument("--internationals", type=int, default=300)
        parser.add_argument("--locals", type=int, default=200)
        parser.add_argument("--seed", type=int, default=2027)

    def handle(self, *args, **options):
        try:
            import faker  # noqa: F401
        except ImportError as exc:
            message = _("Install the demo extra: pip install 'wagtail-buddy[demo]'")
            raise CommandError(message) from exc
        intake = (
            Intake.objects.filter(pk=options["intake"]).first() if options["intake"]
            else Intake.objects.filter(signup_open=True).first()
        )
        if intake is None:
            if not BuddyProgrammePage.objects.exists():
                raise CommandError(_("Create a buddy programme page and an intake first."))
            raise CommandError(_("No such intake."))
        created = create_demo_participants(
            intake, options["internationals"], options["locals"], seed=options["seed"]
        )
        self.stdout.write(_("Created %(count)d participants in %(intake)s.") % {
            "count": created, "intake": intake})
