"""Count what the load test left in the database: the "nothing lost" check."""

import json
import sys

from django.core.management.base import BaseCommand
from django.db.models import Count
from wagtail.contrib.forms.models import FormSubmission

from loadtest.models import BareFormPage
from wagtail_buddy.models import OutboundEmail, Participant


class Command(BaseCommand):
    help = "Read accepted sign-up emails and bare-form markers (JSON on stdin), print counts."

    def handle(self, *args, **options):
        accepted = json.load(sys.stdin)
        emails = [e.lower() for e in accepted["signup_emails"]]
        markers = set(accepted["bare_markers"])
        stored = set(Participant.objects.filter(email__in=emails).values_list("email", flat=True))
        per_participant = dict(
            OutboundEmail.objects.filter(participant__email__in=emails)
            .values_list("participant__email").annotate(n=Count("pk"))
            .values_list("participant__email", "n")
        )
        purposes = dict(
            OutboundEmail.objects.filter(participant__email__in=emails)
            .values_list("purpose").annotate(n=Count("pk")).values_list("purpose", "n")
        )
        submissions = set()
        page = BareFormPage.objects.first()
        for data in FormSubmission.objects.filter(page=page).values_list(
                "form_data", flat=True).iterator():
            submissions.add(data.get("email") or "")
        from django_q.models import OrmQ

        probe = [e.lower() for e in accepted.get("probe_emails", [])]
        probe_stored = set(
            Participant.objects.filter(email__in=probe).values_list("email", flat=True))
        probe_emails = dict(
            OutboundEmail.objects.filter(participant__email__in=probe)
            .values_list("participant__email").annotate(n=Count("pk"))
            .values_list("participant__email", "n")
        )

        self.stdout.write(json.dumps({
            "signups_accepted": len(emails),
            "signups_stored": len(stored),
            "signups_missing": sorted(set(emails) - stored)[:5],
            "participants_total": Participant.objects.count(),
            "emails_per_signup": sorted(set(per_participant.get(e, 0) for e in emails)),
            "email_purposes": purposes,
            "queued_tasks": OrmQ.objects.count(),
            "bare_accepted": len(markers),
            "bare_stored": len(markers & submissions),
            "bare_total": FormSubmission.objects.filter(page=page).count(),
            "probe_accepted": len(probe),
            "probe_stored": len(probe_stored),
            "emails_per_probe": sorted(set(probe_emails.get(e, 0) for e in probe)),
        }))
