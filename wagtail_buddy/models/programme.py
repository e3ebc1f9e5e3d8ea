from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageBlock
from wagtail.models import Page

from ..caching import forget
from ..conf import buddy_settings
from ..content_security import add_policy
from .programme_context import PublicContextMixin
from .programme_copies import CanonicalCopyMixin, open_intake_key
from .programme_routes import ProgrammeRoutesMixin
from .programme_texts import ProgrammeTextsMixin, has_text

__all__ = ["BuddyProgrammePage", "ExtraQuestionBlock", "Intake", "RejoinField",
           "canonical_only", "coordinated_programmes", "forget_open_intake", "has_text",
           "open_intake_key"]


class ExtraQuestionBlock(blocks.StructBlock):
    """A section's own sign-up question, stored with the participant's answers."""

    key = blocks.RegexBlock(
        regex=r"^[a-z][a-z0-9_]{0,39}$",
        help_text=_("Short identifier, e.g. 'diet'. Lower-case letters, digits, underscores."),
        error_messages={"invalid": _("Use lower-case letters, digits and underscores.")},
    )
    label = blocks.CharBlock(max_length=200)
    help_text = blocks.CharBlock(required=False, max_length=300)
    kind = blocks.ChoiceBlock(
        choices=[("text", _("Short text")), ("long_text", _("Long text")),
                 ("choice", _("One of a list")), ("yes_no", _("Yes / no"))],
        default="text",
    )
    choices = blocks.ListBlock(blocks.CharBlock(max_length=100), required=False, default=[])
    required = blocks.BooleanBlock(required=False, default=False)
    roles = blocks.ChoiceBlock(
        choices=[("both", _("Everyone")), ("local", _("Local buddies only")),
                 ("international", _("International students only"))],
        default="both",
    )

    class Meta:
        icon = "help"


class RejoinField(models.TextChoices):
    """What a returning buddy can be asked again (the rest of their profile is kept)."""

    AVAILABILITY = "availability", _("Availability dates")
    CAPACITY = "capacity", _("How many students they take care of")
    LANGUAGES = "languages", _("Languages")
    INTERESTS = "interests", _("Interests")
    STUDIES = "studies", _("University and field of study")
    GENDER_PREFERENCE = "gender_preference", _("Buddy of the same gender")
    EXCHANGE = "exchange_country", _("Where they went on exchange")
    EXTRA = "extra_questions", _("The section's own questions")
    EMAIL_LANGUAGE = "preferred_language", _("Language for our emails")


def default_rejoin_fields() -> list[str]:
    return [RejoinField.AVAILABILITY, RejoinField.CAPACITY]


def coordinated_programmes(user) -> models.QuerySet:
    """The programme pages ``user`` coordinates: all for a superuser, those of their groups
    for anyone else, none for an anonymous or inactive user. ``permissions.programmes_for_user``
    is this, for code above the models."""
    pages = BuddyProgrammePage.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return pages.none()
    if user.is_superuser:
        return pages
    return pages.filter(coordinator_groups__in=user.groups.all()).distinct()


def coordinated_intake_ids(user) -> list[int] | None:
    """Ids of the intakes ``user`` coordinates, or None for a superuser (every intake).

    Read once per request user: filtering participants by ``intake_id IN (...)`` uses their
    (intake, role, status) index, where the join through intakes, programmes and groups
    made PostgreSQL read every participant.
    """
    if not (user and user.is_authenticated and user.is_active):
        return []
    if user.is_superuser:
        return None
    if not hasattr(user, "_buddy_intake_ids"):
        user._buddy_intake_ids = list(
            Intake.objects.filter(programme__in=coordinated_programmes(user))
            .order_by("pk").values_list("pk", flat=True))
    return user._buddy_intake_ids


def canonical_only(pages: models.QuerySet) -> models.QuerySet:
    """The canonical copies (first of their translations) among ``pages``: only those own
    intakes, so only those may be chosen for one."""
    firsts = (BuddyProgrammePage.objects.order_by().values("translation_key")
              .annotate(first=models.Min("pk")).values("first"))
    return pages.filter(pk__in=firsts)


class BuddyProgrammePage(ProgrammeRoutesMixin, CanonicalCopyMixin, ProgrammeTextsMixin,
                         PublicContextMixin, Page):
    """One section's buddy programme: intro, sign-up routes, texts and matching settings.

    Translated copies of the page (``WAGTAIL_I18N_ENABLED``) share one set of intakes
    and participants: everything hangs off the *canonical* copy, the first one created.
    """

    intro = StreamField(
        [
            ("heading", blocks.CharBlock(form_classname="title", icon="title")),
            ("paragraph", blocks.RichTextBlock()),
            ("image", ImageBlock()),
        ],
        blank=True,
        verbose_name=_("introduction"),
    )
    section_name = models.CharField(
        _("section name"), max_length=120, blank=True,
        help_text=_("Shown in emails, e.g. 'ESN Lyon'. Defaults to the page title."),
    )
    contact_email = models.EmailField(
        _("coordinator contact email"), blank=True,
        help_text=_("Reply-to address of participant emails."),
    )
    privacy_notice = RichTextField(_("privacy notice"), blank=True)
    charter = RichTextField(
        _("charter / code of conduct"), blank=True,
        help_text=_("Participants must accept it to sign up. Leave empty to skip."),
    )
    extra_questions = StreamField(
        [("question", ExtraQuestionBlock())], blank=True, verbose_name=_("extra questions")
    )
    coordinator_groups = ParentalManyToManyField(
        Group, blank=True, related_name="buddy_programmes",
        verbose_name=_("coordinator groups"),
        help_text=_("Members of these groups coordinate this programme in the admin."),
    )
    matching_weights = models.JSONField(_("matching weights"), default=dict, blank=True)
    spread_load = models.BooleanField(
        _("spread load across buddies"), default=True,
        help_text=_("Prefer giving every buddy one student before anyone gets a second."),
    )

    class PairingMode(models.TextChoices):
        COORDINATOR = "coordinator", _("The coordinators pair students")
        BOTH_ACCEPT = "both_accept", _("The coordinators propose, both students accept")
        CHOOSE = "choose", _("Buddies choose their students")
        MIXED = "mixed", _("Buddies choose first, then the coordinators pair the rest")

    #: The modes in which buddies choose students while an intake's window is open.
    CHOOSING_MODES = (PairingMode.CHOOSE, PairingMode.MIXED)

    pairing_mode = models.CharField(
        _("how pairs are made"), max_length=16, choices=PairingMode.choices,
        default=PairingMode.COORDINATOR,
        help_text=_("With 'both students accept', confirming a pair asks both students first; "
                    "contact details go out only when both have accepted."),
    )
    answer_days = models.PositiveSmallIntegerField(
        _("days to answer a proposal"), default=4,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("Students who do not answer in time lose the proposal (one reminder first)."),
    )
    mixed_both_accept = models.BooleanField(
        _("in mixed mode, both students accept"), default=False,
        help_text=_("Mixed mode only: a chosen student and the pairs the coordinators "
                    "propose are asked to accept before contact details are shared."),
    )

    arrival_places = models.TextField(
        _("arrival stations and airports"), blank=True, max_length=3000,
        help_text=_("One per line. International students choose where they arrive from this "
                    "list, or type another place."),
    )

    rejoin_fields = models.JSONField(
        _("asked again when a buddy joins again"), default=default_rejoin_fields, blank=True,
        help_text=_("The \"join again\" form shows these with last semester's answers to "
                    "check; the rest of the buddy's profile is kept as it was."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("section_name"), FieldPanel("contact_email")], heading=_("Section")
        ),
        FieldPanel("privacy_notice"),
        FieldPanel("charter"),
        FieldPanel("extra_questions"),
        MultiFieldPanel([FieldPanel("pairing_mode"), FieldPanel("mixed_both_accept"),
                         FieldPanel("answer_days")],
                        heading=_("How pairs are made")),
    ]
    settings_panels = Page.settings_panels + [
        FieldPanel("coordinator_groups", permission="wagtail_buddy.manage_programme_settings"),
        FieldPanel("arrival_places"),
        FieldPanel("rejoin_fields")]
    # base_form_class: admin.page_form.ProgrammePageForm, set in AppConfig.ready as Wagtail
    # sets Page's own (the form imports permissions and services; models import neither).

    template = "wagtail_buddy/programme_page.html"

    class Meta:
        verbose_name = _("buddy programme page")
        verbose_name_plural = _("buddy programme pages")

    def serve(self, request, *args, **kwargs):
        """Every public page of the programme carries ``PUBLIC_CSP`` when one is set
        (off by default: see ``content_security``). The request first gets the site root
        paths, so that every URL rendered for it (also other pages' ``{% pageurl %}``)
        survives a cache outage."""
        self._get_site_root_paths(request)
        with translation.override(self.written_language()):  # see catalogues
            response = super().serve(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
        add_policy(request, response, buddy_settings.PUBLIC_CSP)
        return response

    def with_content_json(self, content):
        """A revision never changes who coordinates: the groups stay as they are in the
        database (see ``services.coordinators``)."""
        page = super().with_content_json(content)
        if self.pk:
            page.coordinator_groups.set(list(type(self).objects.get(
                pk=self.pk).coordinator_groups.all()))
        return page

    @property
    def display_name(self) -> str:
        return self.section_name or self.title


class Intake(models.Model):
    """The period students sign up for (a semester); runs and retention are per intake."""

    programme = models.ForeignKey(
        BuddyProgrammePage, on_delete=models.CASCADE, related_name="intakes",
        verbose_name=_("programme"),
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. 'Spring 2027'"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(
        _("ends on"), help_text=_("Retention of personal data counts from this date.")
    )
    signup_open = models.BooleanField(_("sign-up open"), default=True)
    max_locals = models.PositiveIntegerField(_("maximum local buddies"), null=True, blank=True)
    max_internationals = models.PositiveIntegerField(
        _("maximum international students"), null=True, blank=True
    )
    # "Buddies choose" and "mixed" modes (``services.choosing``): the window and the caps.
    choosing_opens_at = models.DateTimeField(_("choosing opens at"), null=True, blank=True)
    choosing_closes_at = models.DateTimeField(_("choosing closes at"), null=True, blank=True)
    choices_per_day = models.PositiveSmallIntegerField(
        _("students a buddy may choose per day"), default=1, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Empty: 1."))
    choices_per_intake = models.PositiveSmallIntegerField(
        _("students a buddy may choose in this intake"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Empty: as many as the buddy said they can take. Never more than that."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="wagtail_buddy_intake_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}"

    def clean(self) -> None:
        """The choosing window is both dates or neither, and closes after it opens."""
        super().clean()
        if self.choices_per_day is None:  # left empty in a form: the default
            self.choices_per_day = 1
        opens, closes = self.choosing_opens_at, self.choosing_closes_at
        if bool(opens) != bool(closes):
            missing = "choosing_closes_at" if opens else "choosing_opens_at"
            raise ValidationError({missing: _(
                "Give both the opening and the closing time of the choosing window, "
                "or neither.")})
        if opens and closes and closes <= opens:
            raise ValidationError({"choosing_closes_at": _(
                "The choosing window must close after it opens.")})
        if self.choices_per_intake and self.choices_per_day \
                and self.choices_per_day > self.choices_per_intake:
            raise ValidationError({"choices_per_day": _(
                "A buddy cannot choose more students per day than in the whole intake.")})

    @property
    def deleted_on(self):
        """The day retention deletes this intake's personal data (``RETENTION_DAYS`` after
        it ends): the one date pages, emails and the privacy notes promise."""
        return self.ends_on + timedelta(days=int(buddy_settings.RETENTION_DAYS))


def forget_open_intake(sender=None, instance: Intake | None = None, **kwargs) -> None:
    """post_save / post_delete of an ``Intake``: its programme's pages read it again."""
    forget(open_intake_key(instance.programme_id))


models.signals.post_save.connect(forget_open_intake, sender=Intake)
models.signals.post_delete.connect(forget_open_intake, sender=Intake)
