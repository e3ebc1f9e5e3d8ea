"""The texts a translated copy of a programme page shows, and what a student consented to.

Each copy shows its own privacy notice, charter, introduction and extra questions. Where a
copy has no translation of one (the field is empty, or still the canonical copy's text in
another locale, as ``copy_for_translation`` leaves it) the canonical text is shown with a
visible note, marked with its own ``lang``. The extra questions' structure (keys, kinds,
choice values) is always the canonical copy's: answers from every language mean the same.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import models
from django.utils.html import strip_tags

from ..caching import locale_code
from ..catalogues import written_language

TRANSLATED_TEXTS = ("intro", "privacy_notice", "charter")


def has_text(rich_text: str | None) -> bool:
    """Whether rich text has anything to read (Draftail leaves ``<p></p>`` when emptied)."""
    return bool(strip_tags(rich_text or "").strip())


@dataclass(frozen=True)
class ShownText:
    """A text as a copy shows it: the value, its language, and whether it is the canonical
    copy's text standing in for a missing translation."""

    value: object
    language: str
    fallback: bool = False


@dataclass(frozen=True)
class ConsentTerms:
    """What a student agrees to on a copy: the language of the privacy notice shown, a
    fingerprint of the notice and charter shown, and the page revision they came from."""

    language: str
    version: str
    revision_id: int | None


def _stored(page, field: str) -> str:
    return page._meta.get_field(field).value_to_string(page)


def _has_content(page, field: str) -> bool:
    value = getattr(page, field)
    return has_text(value) if isinstance(value, str) else bool(value)


class ProgrammeTextsMixin(models.Model):
    class Meta:
        abstract = True

    @property
    def content_language(self) -> str:
        """The language of this copy's own texts (its locale; read from the process's
        cache unless the page came with it, ``caching.locale_code``)."""
        locale = self._state.fields_cache.get("locale")
        return locale.language_code if locale is not None else locale_code(self.locale_id)

    @property
    def default_language(self) -> str:
        """The programme's default language: the canonical copy's, when the app can write
        in it (see ``catalogues``)."""
        return written_language(self.canonical.content_language)

    def shown_text(self, field: str) -> ShownText:
        """``field`` as this copy shows it (the canonical copy's text where untranslated)."""
        canonical = self.canonical
        own = ShownText(getattr(self, field), self.content_language)
        if canonical.pk == self.pk or canonical.locale_id == self.locale_id:
            return own
        if _has_content(self, field) and _stored(self, field) != _stored(canonical, field):
            return own
        if not _has_content(canonical, field):
            return own
        return ShownText(getattr(canonical, field), canonical.content_language, fallback=True)

    @property
    def shown_texts(self) -> dict[str, ShownText]:
        """Intro, privacy notice and charter as shown on this copy (for templates)."""
        cached = self.__dict__.get("_shown_texts")
        if cached is None:
            cached = self.__dict__["_shown_texts"] = {
                field: self.shown_text(field) for field in TRANSLATED_TEXTS}
        return cached

    @property
    def has_privacy_notice(self) -> bool:
        """Sign-up stays closed without one: students consent to what it says."""
        return has_text(self.canonical.privacy_notice)

    @property
    def has_charter(self) -> bool:
        return has_text(self.shown_texts["charter"].value)

    def consent_terms(self) -> ConsentTerms:
        notice, charter = self.shown_text("privacy_notice"), self.shown_text("charter")
        text = f"{notice.value}\x00{charter.value if has_text(charter.value) else ''}"
        source = self.canonical if notice.fallback else self
        return ConsentTerms(
            language=notice.language,
            version=hashlib.sha256(text.encode()).hexdigest()[:12],
            revision_id=source.live_revision_id or source.latest_revision_id,
        )

    def consent_version(self) -> str:
        """A short fingerprint of the privacy notice and charter a participant agreed to."""
        return self.consent_terms().version

    def extra_question_specs(self, role: str) -> list[dict]:
        """The canonical extra questions that apply to ``role``, worded in this copy's
        language where it has them: ``choices`` are (canonical value, shown label) pairs,
        ``fallback`` says the wording is the canonical copy's, ``language`` which it is."""
        canonical = self.canonical
        own = {} if canonical.pk == self.pk else {
            block.value["key"]: block.value for block in self.extra_questions}
        specs = []
        for block in canonical.extra_questions:
            value = block.value
            if value["roles"] not in ("both", role):
                continue
            mine = own.get(value["key"])
            translated = mine is not None and mine["label"] and (
                mine["label"] != value["label"] or canonical.locale_id == self.locale_id)
            words = mine if translated else value
            values = list(value["choices"])
            labels = list(words["choices"])
            if len(labels) != len(values):
                labels = values
            specs.append(dict(value) | {
                "label": words["label"], "help_text": words.get("help_text") or "",
                "choices": list(zip(values, labels, strict=True)),
                "fallback": bool(own) and not translated,
                "language": self.content_language if translated or not own
                else canonical.content_language,
            })
        return specs
