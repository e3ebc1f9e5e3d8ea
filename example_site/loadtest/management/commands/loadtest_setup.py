"""Prepare a fresh database for the load test; print the URLs to hit as JSON."""

import json

from django.core.management import call_command
from django.core.management.base import BaseCommand
from home.models import HomePage

from loadtest.models import BareFormField, BareFormPage, SignupProbePage
from wagtail_buddy.models import BuddyProgrammePage

FIELDS = [
    ("First name", "singleline"), ("Last name", "singleline"), ("Email", "email"),
    ("University", "singleline"), ("Motivation", "multiline"),
]


class Command(BaseCommand):
    help = "Create the example pages (no students) and a bare five-field form page."

    def handle(self, *args, **options):
        call_command("setup_demo", internationals=0, locals=0, stdout=self.stderr)
        home = HomePage.objects.first()
        page = BareFormPage.objects.first()
        if page is None:
            page = BareFormPage(title="Bare form", slug="bare-form")
            for label, kind in FIELDS:
                page.form_fields.add(BareFormField(label=label, field_type=kind, required=True))
            home.add_child(instance=page)
            page.save_revision().publish()
        probe = SignupProbePage.objects.first()
        if probe is None:
            probe = home.add_child(instance=SignupProbePage(title="Probe", slug="signup-probe"))
        programme = BuddyProgrammePage.objects.first()
        intake = programme.current_intake
        self.stdout.write(json.dumps({
            "bare_form": page.url,
            "programme": programme.url,
            "probe": probe.url,
            "signup": {role: signup_url(programme, role) for role in ("international", "local")},
            "intake": intake.pk,
        }))


def signup_url(programme: BuddyProgrammePage, role: str) -> str | None:
    from django.urls import NoReverseMatch

    try:
        return programme.url + programme.reverse_subpage("signup", kwargs={"role": role})
    except NoReverseMatch:
        return None
