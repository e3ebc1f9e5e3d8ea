"""The sign-up's writes and reads on the way (issue 24): the rows of a new student inserted
together (one round trip on PostgreSQL), the page's locale read from the process's cache."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale

from wagtail_buddy import caching
from wagtail_buddy.models import BuddyProgrammePage, OutboundEmail, Participant
from wagtail_buddy.services.bulk import insert_together
from wagtail_buddy.services.emails import dedup_key_for, first_email


def test_insert_together_stores_what_bulk_create_would(participant_factory, interests):
    Languages, Interests = Participant.languages.through, Participant.interests.through
    a, b = participant_factory("international", languages=()), participant_factory(
        "international", languages=())

    def rows(person):
        return [Languages(participant_id=person.pk, language_id="de"),
                Interests(participant_id=person.pk, interest_id=interests[0].pk),
                first_email(person, "confirm", key="0", context={"links": ["confirm_url"]}),
                Languages(participant_id=person.pk, language_id="fr")]

    with CaptureQueriesContext(connection) as queries:
        insert_together(rows(a))
    made = [r for r in rows(b)]
    Languages.objects.bulk_create([made[0], made[3]])
    Interests.objects.bulk_create([made[1]])
    OutboundEmail.objects.bulk_create([made[2]])
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    tables = re.findall(r'INSERT INTO "(\w+)"', "\n".join(inserts))
    assert tables == ["wagtail_buddy_participant_languages",
                      "wagtail_buddy_participant_interests", "wagtail_buddy_outboundemail"]
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 3)
    assert sorted(a.languages.values_list("code", flat=True)) == ["de", "fr"]
    assert list(a.interests.all()) == [interests[0]]
    copied = OutboundEmail.objects.get(participant=a)
    created = OutboundEmail.objects.get(participant=b)
    assert copied.dedup_key == dedup_key_for(a.pk, "confirm", "0")
    for field in OutboundEmail._meta.concrete_fields:
        if field.name not in {"id", "participant", "dedup_key", "created_at"}:
            assert getattr(copied, field.attname) == getattr(created, field.attname), field
    assert copied.created_at is not None and copied.context == {"links": ["confirm_url"]}
    with CaptureQueriesContext(connection) as queries:
        insert_together([])
    assert not queries.captured_queries


def test_page_locale_is_read_once_and_dropped_when_a_locale_changes(programme,
                                                                    monkeypatch):
    def fresh():
        return BuddyProgrammePage.objects.get(pk=programme.pk)  # locale not loaded

    with CaptureQueriesContext(connection) as queries:
        assert fresh().content_language == "en"
    assert [q for q in queries.captured_queries if '"wagtailcore_locale"' in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        page = fresh()
        assert page.content_language == "en" and page.default_language == "en"
    assert not [q for q in queries.captured_queries if '"wagtailcore_locale"' in q["sql"]]
    locale = Locale.objects.get(pk=programme.locale_id)
    locale.language_code = "fr"
    locale.save()  # this process forgets at once
    assert fresh().content_language == "fr"
    Locale.objects.filter(pk=locale.pk).update(language_code="de")  # no signal
    assert fresh().content_language == "fr"
    now = caching.time.monotonic()
    monkeypatch.setattr(caching.time, "monotonic", lambda: now + caching.TIMEOUT + 1)
    assert fresh().content_language == "de"  # another process's change: within TIMEOUT
