"""The yardstick of the sign-up load test: a plain Wagtail form page with five fields."""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import InlinePanel
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField
from wagtail.models import Page


class BareFormField(AbstractFormField):
    page = ParentalKey("BareFormPage", on_delete=models.CASCADE, related_name="form_fields")


class BareFormPage(AbstractForm):
    content_panels = AbstractForm.content_panels + [InlinePanel("form_fields")]


class SignupProbePage(Page):
    """The database work of a buddy sign-up without its form: the SQLite-locking probe.

    One ``transaction.atomic`` that reads (duplicate check), then writes a participant, its
    languages and its queued confirmation email (outbox row + task). Under concurrent
    writers this is the pattern that fails with "database is locked" when SQLite starts
    transactions DEFERRED; ``bench_signup_load.py --dbs sqlite-deferred`` measures it.
    """

    template = "loadtest/bare_form_page.html"
    landing_page_template = "loadtest/bare_form_page_landing.html"

    def serve(self, request, *args, **kwargs):
        from django import forms as django_forms
        from django.db import transaction
        from django.template.response import TemplateResponse
        from django.utils import timezone

        from wagtail_buddy.models import Intake, Participant
        from wagtail_buddy.services.emails import queue_email

        class ProbeForm(django_forms.Form):
            first_name = django_forms.CharField(max_length=100)
            last_name = django_forms.CharField(max_length=100)
            email = django_forms.EmailField()
            university = django_forms.CharField(max_length=150)
            motivation = django_forms.CharField(widget=django_forms.Textarea, max_length=2000)

        form = ProbeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            intake = Intake.objects.filter(signup_open=True).order_by("pk").first()
            data = form.cleaned_data
            with transaction.atomic():
                if not Participant.objects.filter(intake=intake, email=data["email"]).exists():
                    now = timezone.now()
                    participant = Participant.objects.create(
                        intake=intake, role="international", birth_year=2001, nationality="ES",
                        consent_at=now, consent_version="probe", **data)
                    participant.languages.set(["en", "es"])
                    queue_email(participant, "confirm")
            return TemplateResponse(request, self.landing_page_template, {"page": self})
        return TemplateResponse(request, self.template, {"page": self, "form": form})


class BenchRow(models.Model):
    """The yardstick of ``bench_scale.py``: a simple model listed by Wagtail's own
    ``ModelViewSet`` (``loadtest.wagtail_hooks``) over as many rows as the buddy lists."""

    name = models.CharField(max_length=200)
    email = models.EmailField()
    city = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["-created_at", "-id"])]

    def __str__(self) -> str:
        return self.name
