import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .programme import Intake, coordinated_intake_ids
from .vocabulary import Interest, Language, interest_names

#: The permission that lets a coordinator see participants (the "view" level) at all.
VIEW_PERMISSION = "wagtail_buddy.view_participant"


def new_access_key() -> str:
    return secrets.token_urlsafe(24)


class Role(models.TextChoices):
    LOCAL = "local", _("Local buddy")
    INTERNATIONAL = "international", _("International student")


class Status(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Email not confirmed")
    # Imported by a coordinator: emailed an invitation, has not checked and confirmed yet.
    INVITED = "invited", _("Invited")
    WAITING = "waiting", _("Waiting for a match")
    PROPOSED = "proposed", _("Match proposed")
    MATCHED = "matched", _("Matched")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ENDED = "ended", _("Ended")


class Gender(models.TextChoices):
    FEMALE = "female", _("Woman")
    MALE = "male", _("Man")
    NONBINARY = "nonbinary", _("Non-binary")
    UNSAID = "", _("Prefer not to say")


class GenderPreference(models.TextChoices):
    ANY = "any", _("No preference")
    SAME = "same", _("Someone of my own gender")


class ParticipantQuerySet(models.QuerySet):
    def locals(self):
        return self.filter(role=Role.LOCAL)

    def internationals(self):
        return self.filter(role=Role.INTERNATIONAL)

    def matchable(self):
        """Confirmed, not withdrawn: the pool a matching run may draw from."""
        return self.exclude(status__in=[Status.UNCONFIRMED, Status.INVITED, Status.WITHDRAWN,
                                        Status.ENDED])

    def free_places(self):
        """Matchable local buddies, each with ``free``: places minus active matches (one
        subquery, no GROUP BY over the people)."""
        match = self.model.matches_as_mentor.field.model  # Match, which imports this module
        active = (match.objects.filter(mentor=OuterRef("pk"), status__in=match.ACTIVE)
                  .order_by().values("mentor").annotate(n=Count("pk")).values("n"))
        return self.filter(role=Role.LOCAL).matchable().annotate(
            free=F("capacity") - Coalesce(Subquery(active), 0))

    def with_free_places(self):
        """THE "buddies with a free place": matchable local buddies with ``free`` > 0."""
        return self.free_places().filter(free__gt=0).order_by()

    def registered(self, intake, role: str, email: str):
        """The sign-up of ``email`` for ``intake`` and ``role``, found through the unique
        (case-insensitive) index instead of scanning the intake's rows."""
        return self.alias(email_lower=Lower("email")).filter(
            email_lower=email.lower(), intake=intake, role=role)

    def for_user(self, user):
        """Participants of the programmes ``user`` coordinates (by intake id: indexed)."""
        ids = coordinated_intake_ids(user)
        return self if ids is None else self.filter(intake_id__in=ids)


class Participant(models.Model):
    """One student in one role for one intake."""

    Role = Role
    Status = Status
    Gender = Gender
    GenderPreference = GenderPreference

    # No index of its own: (intake, role, status) below serves lookups by intake, and
    # every index is one more write per sign-up.
    intake = models.ForeignKey(
        Intake, on_delete=models.CASCADE, related_name="participants", verbose_name=_("intake"),
        db_index=False,
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.UNCONFIRMED,
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254)
    phone = models.CharField(
        _("phone or messenger"), max_length=60, blank=True,
        help_text=_("Shared with your buddy once you are matched."),
    )
    # Null only while invited (an import may not have it); the form asks for it.
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"), null=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, blank=True)
    gender_preference = models.CharField(
        _("buddy gender preference"), max_length=8, choices=GenderPreference.choices,
        default=GenderPreference.ANY,
    )
    nationality = CountryField(_("nationality"))
    languages = models.ManyToManyField(
        Language, related_name="participants", verbose_name=_("languages you speak")
    )
    interests = models.ManyToManyField(
        Interest, related_name="participants", blank=True, verbose_name=_("interests")
    )
    university = models.CharField(_("university"), max_length=150)
    faculty = models.CharField(_("faculty or field of study"), max_length=150, blank=True)
    # Internationals
    home_university = models.CharField(_("home university"), max_length=150, blank=True)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    # Locals
    available_from = models.DateField(_("available from"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("number of buddies you can take"), default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    exchange_country = CountryField(_("country of your past exchange"), blank=True)
    motivation = models.TextField(_("motivation"), blank=True, max_length=2000)
    preferred_language = models.CharField(
        _("language for emails"), max_length=10, default="en",
        help_text=_("One of the site's LANGUAGES; emails are sent in it."),
    )
    extra_answers = models.JSONField(_("answers to extra questions"), default=dict, blank=True)
    # Consent and lifecycle
    # Null while invited: nobody consents on a person's behalf.
    consent_at = models.DateTimeField(_("privacy consent given at"), null=True)
    consent_version = models.CharField(_("privacy notice version"), max_length=32)
    # The language of the privacy notice shown, and the page revision it came from: which
    # translation's text was accepted (see ProgrammeTextsMixin.consent_terms).
    consent_language = models.CharField(_("privacy notice language"), max_length=16,
                                        blank=True)
    consent_revision = models.PositiveIntegerField(_("privacy notice page revision"),
                                                   null=True, blank=True)
    charter_accepted_at = models.DateTimeField(_("charter accepted at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("email confirmed at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the buddy answered "yes" to "can you take one more student?" (capacity + 1).
    one_more_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A buddy asked to be told when the next intake opens (the "join again" email); null:
    # not asked, so never contacted about a later intake.
    rejoin_asked_at = models.DateTimeField(_("asked to hear about the next intake at"),
                                           null=True, blank=True, editable=False)
    # An international student a matching run left without a buddy: the next run and the
    # suggestions match them first (the engine's priority tier, docs/engine.md).
    left_over_at = models.DateTimeField(_("left unmatched by a run at"), null=True,
                                        blank=True, editable=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    access_key = models.CharField(max_length=64, default=new_access_key, editable=False)
    # A withdrawn student's new sign-up (the form as sent), applied only once the address
    # owner confirms it: until then nobody else's typing changes this row.
    pending_signup = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ParticipantQuerySet.as_manager()

    # Personal rows, not content: skip Wagtail's reference index (and its queries).
    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        permissions = [
            ("match_participants", _("Can run matching and contact participants")),
            ("manage_programme_settings", _("Can manage buddy programme settings")),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "intake", "role", name="wagtail_buddy_unique_email_per_intake_role"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1) & models.Q(capacity__lte=5),
                name="wagtail_buddy_capacity_range",
            ),
        ]
        indexes = [models.Index(fields=["intake", "role", "status"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs) -> None:
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def shown_interests(self) -> list[str]:
        """The interests' names in the active language (translations where there are)."""
        return sorted(interest_names(self.interests.all()), key=str.casefold)

    @property
    def is_local(self) -> bool:
        return self.role == Role.LOCAL

    def rotate_access_key(self) -> None:
        """Invalidate every private link sent so far."""
        self.access_key = new_access_key()
