from django.db import models
from django.utils.translation import gettext_lazy as _

from ..caching import forget, remember
from ..vocabulary import language_name

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
    """A hobby or interest from the coordinators' controlled vocabulary."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    active = models.BooleanField(
        _("offered on sign-up forms"), default=True,
        help_text=_("Inactive interests stay on existing profiles but are no longer offered."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("interest")
        verbose_name_plural = _("interests")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def offered_choices(cls) -> list[tuple[int, str]]:
        """``(id, name)`` of the interests offered on sign-up forms, by name (cached)."""
        return remember(OFFERED_INTERESTS_KEY, lambda: list(
            cls.objects.filter(active=True).order_by("name").values_list("pk", "name")))


def forget_offered_interests(**kwargs) -> None:
    """post_save / post_delete of an ``Interest``: the next form reads the table again."""
    forget(OFFERED_INTERESTS_KEY)


models.signals.post_save.connect(forget_offered_interests, sender=Interest)
models.signals.post_delete.connect(forget_offered_interests, sender=Interest)
