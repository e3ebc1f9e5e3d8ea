from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ..caching import forget, remember
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


class Interest(models.Model):
    """A hobby or interest from one programme's controlled vocabulary.

    Interests belong to the programme's canonical copy, so its translated copies offer the
    same ones, and one section's coordinators never see or change another's.
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

    class Meta:
        ordering = ["name"]
        verbose_name = _("interest")
        verbose_name_plural = _("interests")
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"],
                                    name="wagtail_buddy_interest_name_per_programme"),
            models.UniqueConstraint(fields=["programme", "slug"],
                                    name="wagtail_buddy_interest_slug_per_programme"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = self.free_slug()
        super().save(*args, **kwargs)

    def free_slug(self) -> str:
        """A slug from the name, unique within the programme ("-2", "-3"... if taken)."""
        base = slugify(self.name, allow_unicode=False)[:70] or "interest"
        taken = set(Interest.objects.filter(programme_id=self.programme_id,
                                            slug__startswith=base)
                    .exclude(pk=self.pk).values_list("slug", flat=True))
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug

    @classmethod
    def offered_choices(cls, programme_id: int) -> list[tuple[int, str]]:
        """``(id, name)`` of the interests a programme offers on sign-up forms (cached)."""
        return remember(offered_key(programme_id), lambda: list(
            cls.objects.filter(programme_id=programme_id, active=True).order_by("name")
            .values_list("pk", "name")))


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
