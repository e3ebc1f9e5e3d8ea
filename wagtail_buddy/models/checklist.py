"""The first weeks' checklist of a pair: each programme's tasks and each pair's ticks.

Tasks are translated like interests (``TranslatableMixin``, a snippet): they belong to the
programme's canonical copy, the first-created row of a ``translation_key`` is the task that
pairs tick, and the others only name it in their locale. A new programme gets the default
tasks (``DEFAULT_TASKS``) in its own locale; a new translated copy gets their names in its
locale. A task whose name a coordinator has not changed is shown in the reader's language
from the app's catalogues, so the defaults read well in all six UI languages at once.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale, TranslatableMixin

from .matching import Match
from .participant import Participant
from .programme import BuddyProgrammePage

# (key, label): the defaults a programme starts with, in this order.
DEFAULT_TASKS: tuple[tuple[str, object], ...] = (
    ("meet", _("Meet in person")),
    ("accommodation", _("Find accommodation")),
    ("residence", _("Register the residence")),
    ("bank", _("Open a bank account")),
    ("transport", _("Get a public transport pass")),
    ("sim", _("Get a local SIM card")),
    ("city_tour", _("Take a city tour together")),
)
DEFAULT_LABELS = dict(DEFAULT_TASKS)
UI_LANGUAGES = ("en", "fr", "de", "es", "it", "pt")


def default_label(key: str, language: str) -> str:
    """The default task ``key``'s name in ``language`` (from the app's catalogue)."""
    with translation.override(language):
        return str(DEFAULT_LABELS[key])


def is_default_name(key: str, name: str) -> bool:
    """Is ``name`` the default task ``key``'s name in one of the UI languages (unedited)?"""
    return key in DEFAULT_LABELS and name in {default_label(key, code) for code in UI_LANGUAGES}


class ChecklistTask(TranslatableMixin, models.Model):
    """One first-weeks task of a programme ("Open a bank account"), in one locale."""

    programme = models.ForeignKey(
        "wagtail_buddy.BuddyProgrammePage", on_delete=models.CASCADE,
        related_name="checklist_tasks", verbose_name=_("programme"),
    )
    name = models.CharField(_("task"), max_length=120)
    default_key = models.CharField(max_length=24, blank=True, editable=False)
    sort_order = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Tasks are listed from the lowest number."))
    active = models.BooleanField(
        _("shown to pairs"), default=True,
        help_text=_("Hidden tasks keep their ticks but are no longer shown or counted."))

    wagtail_reference_index_ignore = True

    class Meta(TranslatableMixin.Meta):
        ordering = ["sort_order", "pk"]
        verbose_name = _("checklist task")
        verbose_name_plural = _("checklist tasks")

    def __str__(self) -> str:
        return self.name

    def get_default_locale(self) -> Locale:
        """A new task is in its programme page's language."""
        if self.programme_id:
            return Locale.objects.get(pk=self.programme.locale_id)
        return super().get_default_locale()

    def name_in(self, language: str) -> str:
        """This row's name, or the default's in ``language`` while nobody has edited it."""
        if self.default_key and is_default_name(self.default_key, self.name):
            return default_label(self.default_key, language)
        return self.name


class ChecklistTick(models.Model):
    """A task done by a pair: who ticked it and when (one per pair and task)."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="checklist_ticks")
    task = models.ForeignKey(ChecklistTask, on_delete=models.CASCADE, related_name="ticks")
    ticked_by = models.ForeignKey(Participant, on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+")
    ticked_at = models.DateTimeField()

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("checklist tick")
        verbose_name_plural = _("checklist ticks")
        constraints = [models.UniqueConstraint(fields=["match", "task"],
                                               name="wagtail_buddy_one_tick_per_task")]

    def __str__(self) -> str:
        return f"{self.task_id} @ {self.match_id}"


def seed_default_tasks(page: BuddyProgrammePage) -> int:
    """Give a new programme the default tasks, or a new translated copy their names.

    Called when a page is created (``seed_on_create``), so a list the coordinators emptied
    stays empty. The canonical copy gets them if it has no task at all; a translated copy
    gets a row in its locale for each default task not renamed and not yet translated
    there. Returns the rows created.
    """
    canonical = page.canonical
    tasks = ChecklistTask.objects.filter(programme_id=canonical.pk)
    language = Locale.objects.get(pk=page.locale_id).language_code
    if canonical.pk == page.pk:
        if tasks.exists():
            return 0
        rows = [ChecklistTask(programme_id=page.pk, locale_id=page.locale_id,
                              translation_key=uuid.uuid4(), default_key=key, sort_order=n * 10,
                              name=default_label(key, language))
                for n, (key, _label) in enumerate(DEFAULT_TASKS, 1)]
    else:
        existing = list(tasks.order_by("pk"))
        here = {t.translation_key for t in existing if t.locale_id == page.locale_id}
        sources: dict = {}
        for task in existing:
            sources.setdefault(task.translation_key, task)
        rows = [ChecklistTask(programme_id=canonical.pk, locale_id=page.locale_id,
                              translation_key=key, default_key=task.default_key,
                              sort_order=task.sort_order, active=task.active,
                              name=default_label(task.default_key, language))
                for key, task in sources.items() if key not in here and task.default_key
                and is_default_name(task.default_key, task.name)]
    ChecklistTask.objects.bulk_create(rows)
    return len(rows)


def seed_on_create(sender, instance: BuddyProgrammePage, created: bool = False,
                   raw: bool = False, **kwargs) -> None:
    """post_save of a programme page: a new page starts with the default checklist."""
    if created and not raw:
        seed_default_tasks(instance)


models.signals.post_save.connect(seed_on_create, sender=BuddyProgrammePage,
                                 dispatch_uid="wagtail_buddy_checklist_seed")
