"""Idempotent demo set-up of the example site: page tree, programme, intake, users, students."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Page, Site

from home.models import HomePage
from wagtail_buddy.models import BuddyProgrammePage, Intake, Participant
from wagtail_buddy.services.demo import default_intake_dates, translate_page

ADMIN = ("admin", "buddy-demo")
HOST = "127.0.0.1"
COORDINATOR = ("coordinator", "buddy-demo")

PRIVACY = (
    "<p>ESN Example stores the data you enter here to find you a buddy. Only the section's "
    "buddy coordinators and, once you are matched, your buddy (first name and contact) see it. "
    "It is deleted twelve months after the end of the semester, or at any time from your "
    "private link.</p>"
)
CHARTER = (
    "<p>I will answer my buddy within a few days, treat them with respect, and tell the "
    "coordinators if I can no longer take part.</p>"
)


class Command(BaseCommand):
    help = "Create the example pages, a programme with an open intake, users and demo students."

    def add_arguments(self, parser):
        parser.add_argument("--internationals", type=int, default=300)
        parser.add_argument("--locals", type=int, default=200)
        parser.add_argument("--port", type=int, default=8000,
                            help="Port `runserver` listens on: the demo Site's port, so the "
                                 "links in emails open the running demo.")

    @transaction.atomic
    def handle(self, *args, **options):
        home = self.home_page()
        base = self.serve_site_at(options["port"])
        programme = self.programme_page(home)
        # Translated copies (fr, de, ...): the student's language is kept from the
        # programme page through sign-up, emails and the private page.
        translate_page(programme, [code for code, _name in settings.LANGUAGES])
        start, end = default_intake_dates()
        intake, _ = Intake.objects.get_or_create(
            programme=programme, name=f"{'Spring' if start.month < 7 else 'Autumn'} {start.year}",
            defaults={"starts_on": start, "ends_on": end, "signup_open": True},
        )
        group = self.coordinator_group(programme)
        self.users(group)
        if not Participant.objects.filter(intake=intake).exists():
            call_command("buddy_demo_data", intake=intake.pk,
                         internationals=options["internationals"], locals=options["locals"])
        self.stdout.write(self.style.SUCCESS(
            f"\nDemo ready: {base}/  programme: {base}"
            f"{programme.url_path[len(home.url_path) - 1:]}\n"
            f"Admin: {base}/admin/  superuser {ADMIN[0]} / {ADMIN[1]}  "
            f"coordinator {COORDINATOR[0]} / {COORDINATOR[1]}\n"
        ))

    def serve_site_at(self, port: int) -> str:
        """The default Site is where `runserver` listens: emailed links are built from it."""
        site = Site.objects.get(is_default_site=True)
        if (site.hostname, site.port) != (HOST, port):
            site.hostname, site.port = HOST, port
            site.save()
        return site.root_url

    def home_page(self) -> HomePage:
        home = HomePage.objects.first()
        if home:
            return home
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(
            title="ESN Example", slug="esn-home",
            body="<p>Welcome to ESN Example, the Erasmus Student Network section of our city.</p>",
        ))
        site = Site.objects.filter(is_default_site=True).first()
        old_root = site.root_page if site else None
        if site:
            site.root_page = home
            site.save()
        else:
            Site.objects.create(hostname=HOST, root_page=home, is_default_site=True)
        if old_root and old_root.specific_class is Page and not old_root.get_children().exists():
            old_root.delete()
        return home

    def programme_page(self, home: HomePage) -> BuddyProgrammePage:
        existing = BuddyProgrammePage.objects.first()
        if existing:
            return existing
        page = BuddyProgrammePage(
            title="Buddy Programme", slug="buddy", section_name="ESN Example",
            contact_email="buddy@example.org", privacy_notice=PRIVACY, charter=CHARTER,
            intro=[
                ("paragraph", "<p>Coming to our city on exchange? Get a local student as your "
                 "buddy: someone who helps with the first steps and shows you around. Studying "
                 "here? Become a buddy and meet the world without leaving town.</p>"),
            ],
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        return page

    def coordinator_group(self, programme: BuddyProgrammePage) -> Group:
        group, _ = Group.objects.get_or_create(name="ESN Example buddy coordinators")
        perms = Permission.objects.filter(
            content_type__app_label="wagtail_buddy",
            codename__in=["view_participant", "match_participants", "manage_programme_settings",
                          "change_participant", "add_intake", "change_intake", "view_intake",
                          "add_interest", "change_interest", "view_interest"],
        )
        group.permissions.add(*perms, Permission.objects.get(codename="access_admin"))
        programme.coordinator_groups.add(group)
        programme.save()
        return group

    def users(self, group: Group) -> None:
        User = get_user_model()
        if not User.objects.filter(username=ADMIN[0]).exists():
            User.objects.create_superuser(ADMIN[0], "admin@example.org", ADMIN[1])
        coordinator = User.objects.filter(username=COORDINATOR[0]).first()
        if coordinator is None:
            coordinator = User.objects.create_user(
                COORDINATOR[0], "coordinator@example.org", COORDINATOR[1],
                first_name="Camille", last_name="Coordinator",
            )
        coordinator.groups.add(group)
