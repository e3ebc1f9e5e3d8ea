from collections.abc import Iterable

from django.db import models
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale, TranslatableMixin

from ..caching import forget, remember
from ..catalogues import base_code
from ..vocabulary import language_name
from .programme import BuddyProgrammePage

OFFERED_INTERESTS_KEY = "wagtail_buddy:offered-interests"


class Language(models.Model):
    """An ISO 639-1 language; rows are created by ``post_migrate`` and named by Babel."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return language_name(self.code)


class Interest(TranslatableMixin, models.Model):
    """A hobby or interest from one programme's controlled vocabulary.

    Interests belong to the programme's canonical copy, so its translated copies offer the
    same ones, and one section's coordinators never see or change another's. An interest is
    translated like any Wagtail snippet (wagtail-localize or ``simple_translation``): the
    copies share its ``translation_key``, and the first-created one (the *source*) is the
    identity participants choose and the engine matches on; the others only name it.
    """

    programme = models.ForeignKey(
        "wagtail_buddy.BuddyProgrammePage", on_delete=models.CASCADE, related_name="interests",
        verbose_name=_("programme"),
    )
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(
        _("slug"), max_length=80, blank=True,
        help_text=_("Filled in from the name if left empty."),
    )
    active = models.BooleanField(
        _("offered on sign-up forms"), default=True,
        help_text=_("Inactive interests stay on existing profiles but are no longer offered."),
    )

    class Meta(TranslatableMixin.Meta):
        ordering = ["name"]
        verbose_name = _("interest")
        verbose_name_plural = _("interests")
        constraints = [
            models.UniqueConstraint(fields=["programme", "locale", "name"],
                                    name="wagtail_buddy_interest_name_per_programme"),
            models.UniqueConstraint(fields=["programme", "locale", "slug"],
                                    name="wagtail_buddy_interest_slug_per_programme"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = self.free_slug()
        super().save(*args, **kwargs)

    def get_default_locale(self) -> Locale:
        """A new interest is in its programme page's language."""
        if self.programme_id:
            return Locale.objects.get(pk=self.programme.locale_id)
        return super().get_default_locale()

    def free_slug(self) -> str:
        """A slug from the name, unique within the programme and locale ("-2", "-3"...)."""
        base = slugify(self.name, allow_unicode=False)[:70] or "interest"
        taken = set(Interest.objects.filter(programme_id=self.programme_id,
                                            locale_id=self.locale_id, slug__startswith=base)
                    .exclude(pk=self.pk).values_list("slug", flat=True))
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug

    @classmethod
    def offered_choices(cls, programme_id: int, language: str | None = None
                        ) -> list[tuple[int, str]]:
        """``(source id, name in language)`` of the interests a programme offers on sign-up
        forms, sorted by that name (the programme's rows are cached, not the languages)."""
        rows = remember(offered_key(programme_id), lambda: list(
            cls.objects.filter(programme_id=programme_id).order_by("pk").values_list(
                "pk", "translation_key", "name", "active", "locale__language_code")))
        names = _names_in_language(rows, language)
        sources: dict = {}
        for pk, key, name, active, _code in rows:
            sources.setdefault(key, (pk, name, active))
        offered = [(pk, names.get(key, name)) for key, (pk, name, active) in sources.items()
                   if active]
        return sorted(offered, key=lambda choice: choice[1].casefold())


def _names_in_language(rows: Iterable[tuple], language: str | None) -> dict:
    """translation_key -> the name in ``language`` (the active one by default)."""
    wanted = base_code(language or translation.get_language())
    return {key: name for _pk, key, name, _active, code in rows if base_code(code) == wanted}


def interest_names(interests: Iterable[Interest], language: str | None = None) -> list[str]:
    """The names of (source) ``interests`` in ``language`` (the active one by default), in
    the order given: one query for all."""
    interests = list(interests)
    if not interests:
        return []
    rows = Interest.objects.filter(
        translation_key__in={i.translation_key for i in interests}).values_list(
        "pk", "translation_key", "name", "active", "locale__language_code")
    names = _names_in_language(rows, language)
    return [names.get(i.translation_key, i.name) for i in interests]


def offered_key(programme_id: int | None) -> str:
    return f"{OFFERED_INTERESTS_KEY}:{programme_id}"


def forget_offered_interests(instance: Interest | None = None, programme_id: int | None = None,
                             **kwargs) -> None:
    """The next form reads the interests again: of ``instance``'s programme, of
    ``programme_id``, or of every programme (after a conflict whose cause is unknown)."""
    if instance is not None:
        programme_id = instance.programme_id
    if programme_id is not None:
        forget(offered_key(programme_id))
        return
    forget(*(offered_key(pk) for pk in BuddyProgrammePage.objects.values_list("pk", flat=True)))


models.signals.post_save.connect(forget_offered_interests, sender=Interest)
models.signals.post_delete.connect(forget_offered_interests, sender=Interest)
