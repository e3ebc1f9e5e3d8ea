"""Translated copies of a programme page share one programme: the canonical copy (the
first created) owns intakes, interests and participants."""

from __future__ import annotations

import uuid

from django.db import models

from ..caching import remember

# translation_key -> id of the first-created copy (see CanonicalCopyMixin.canonical_pk).
_CANONICAL_PKS: dict[uuid.UUID, int] = {}


def open_intake_key(programme_pk: int | None) -> str:
    return f"wagtail_buddy:open-intake:{programme_pk}"


class CanonicalCopyMixin(models.Model):
    """Finds the canonical copy and its open intake, with as few queries as possible."""

    class Meta:
        abstract = True

    @property
    def canonical(self):
        """The copy that owns intakes and participants (the first-created translation)."""
        cached = self.__dict__.get("_canonical")
        if cached is None:
            cached = self._copy(self.canonical_pk())  # usually this page: no query at all
            if cached is None:  # the remembered copy was deleted since
                cached = self._copy(self.canonical_pk(fresh=True)) or self
            self._remember_canonical(cached)
        return cached

    @property
    def is_canonical(self) -> bool:
        return self.canonical.pk == self.pk

    def _copy(self, pk: int | None):
        if pk is None or pk == self.pk:
            return self
        return type(self).objects.filter(pk=pk).first()

    def canonical_pk(self, *, fresh: bool = False) -> int | None:
        """The canonical copy's id, remembered per process: ids only grow, so it changes
        only if that copy is deleted, which ``current_intake`` notices and re-reads."""
        if not fresh and self.translation_key in _CANONICAL_PKS:
            return _CANONICAL_PKS[self.translation_key]
        first = (type(self).objects.filter(translation_key=self.translation_key)
                 .order_by("pk").values_list("pk", flat=True).first())
        if first is not None:
            _CANONICAL_PKS[self.translation_key] = first
        return first

    def _remember_canonical(self, canonical) -> None:
        canonical.__dict__["_canonical"] = canonical  # the canonical copy knows it is one
        self.__dict__["_canonical"] = canonical

    @property
    def current_intake(self):
        """The intake open for sign-up, through the canonical copy (one query)."""
        owner = self.canonical_pk()
        intake = self._open_intake(owner)
        if intake is None and owner != self.pk:  # was the remembered copy deleted since?
            fresh = self.canonical_pk(fresh=True)
            if fresh != owner:
                intake = self._open_intake(fresh)
        return intake

    def _open_intake(self, programme_pk: int | None):
        intakes = self.intakes.model.objects
        return remember(open_intake_key(programme_pk), lambda: (
            intakes.filter(programme_id=programme_pk, signup_open=True)
            .order_by("-starts_on", "-pk").first()))
