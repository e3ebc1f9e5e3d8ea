"""Translations: every shipped catalogue is complete and compiled, and the site and emails use it.

The ``.po`` files are read with the tiny parser below (no ``polib`` dependency); the ``.mo``
files with the standard library's ``gettext``. Expected strings are never hard-coded: they
are looked up through Django's own ``gettext`` under ``translation.override``.
"""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

import wagtail_buddy
from wagtail_buddy.models import OutboundEmail

LOCALE_DIR = Path(wagtail_buddy.__file__).resolve().parent / "locale"
LANGUAGES = ["fr", "de", "es", "it", "pt"]


@pytest.fixture(autouse=True)
def _language_as_found():
    """Each test here leaves the thread's language as it found it. A request under ``/de/``
    activates German in this thread and Django's LocaleMiddleware never deactivates it: the
    tests that ran next (``test_i18n_leaves_english.py``, admin tests) ran in German."""
    with translation.override(translation.get_language()):
        yield


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(text: str) -> str:
    """The value of one PO string literal (C-style escapes, UTF-8 text)."""
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), f"not a PO string: {text!r}"
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """Parse the active (non-obsolete) entries of a gettext catalogue, header included."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None  # which field continuation lines extend
    pending_flags: set[str] = set()

    def finish() -> None:
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):  # obsolete entry: gettext ignores it
            finish()
            continue
        if line.startswith("#,"):
            finish()
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            if current is not None and target is not None:
                finish()
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            assert current is not None and target is not None, f"{path}:{number}: stray string"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + _unquote(line))
            continue
        if keyword in ("msgctxt", "msgid") and current is not None and current.msgstr:
            finish()
        if current is None:
            current = Entry(flags=pending_flags, line=number)
            pending_flags = set()
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(current, keyword, _unquote(rest))
            target = (keyword, None)
        elif keyword == "msgstr":
            current.msgstr[0] = _unquote(rest)
            target = ("msgstr", 0)
        elif keyword.startswith("msgstr[") and keyword.endswith("]"):
            index = int(keyword[len("msgstr["):-1])
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        else:
            raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
    finish()
    return entries


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete_and_compiled(lang):
    po, mo = po_path(lang), po_path(lang).with_suffix(".mo")
    assert po.is_file(), f"missing {po}"
    assert mo.is_file(), f"missing compiled catalogue {mo}"
    entries = parse_po(po)
    assert entries and entries[0].msgid == "", "the catalogue has no header"
    messages = entries[1:]
    assert messages, "the catalogue has no messages"

    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"{lang}: fuzzy entries: {fuzzy[:10]}"
    untranslated = [e.msgid for e in messages
                    if e.msgid and (not e.msgstr or not all(e.msgstr.values()))]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated: {untranslated[:10]}"
    assert all(len(e.msgstr) >= 2 for e in messages if e.msgid_plural), "plural forms missing"

    # The .mo holds exactly what the .po says (it was compiled after the last edit).
    with mo.open("rb") as fh:
        catalog = stdlib_gettext.GNUTranslations(fh)._catalog
    stale = []
    for e in messages:
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            if catalog.get(key) != e.msgstr[0]:
                stale.append(e.msgid)
        elif any(catalog.get((key, i)) != text for i, text in e.msgstr.items()):
            stale.append(e.msgid)
    assert not stale, f"{lang}: the .mo is out of date for {len(stale)}: {stale[:10]}"


def test_parser_reads_plurals_flags_and_continuations(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid "%(n)s pair"\nmsgid_plural "%(n)s pairs"\n'
        'msgstr[0] "%(n)s binôme"\nmsgstr[1] ""\n"%(n)s binômes"\n\n'
        '#, fuzzy\nmsgid "Hello"\nmsgstr "Bonjour"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n'
        '#~ msgid "Old"\n#~ msgstr "Vieux"\n',
        encoding="utf-8",
    )
    header, plural, fuzzy, empty = parse_po(po)
    assert header.msgstr[0] == "Language: fr\n"
    assert plural.msgstr == {0: "%(n)s binôme", 1: "%(n)s binômes"}
    assert plural.flags == {"python-format"}
    assert fuzzy.flags == {"fuzzy"} and empty.msgstr == {0: ""}


def _translated(lang: str, msgid: str) -> str:
    with translation.override(lang):
        text = gettext(msgid)
    assert text != msgid, f"{msgid!r} is not translated into {lang}"
    return text


PAGE_STRINGS = ["I am a local student", "Become a buddy", "Get your private link again"]


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fr", "de"])
def test_programme_page_under_language_prefix(client, programme, intake, lang):
    response = client.get(f"/{lang}{programme.url}")
    assert response.status_code == 200
    content = response.content.decode()
    for msgid in PAGE_STRINGS:
        assert escape(_translated(lang, msgid)) in content
        assert escape(msgid) not in content


@pytest.mark.django_db
def test_confirm_email_is_rendered_in_the_participant_language(participant_factory, programme):
    from wagtail_buddy.services.email_rendering import render_email

    participant = participant_factory(preferred_language="fr")
    email = OutboundEmail.objects.create(
        participant=participant, purpose="confirm", dedup_key=f"confirm:{participant.pk}:i18n",
        context={"confirm_url": "http://testserver/confirm/x/", "private_url": "http://testserver/me/x/"},
    )
    message = render_email(email)

    msgid = "Confirm your buddy programme sign-up – %(section)s"
    expected = _translated("fr", msgid) % {"section": programme.display_name}
    assert message.subject == " ".join(expected.split())
    assert message.subject != msgid % {"section": programme.display_name}
    body_msgid = "Until you confirm, we cannot look for a buddy for you."
    assert _translated("fr", body_msgid) in message.body
