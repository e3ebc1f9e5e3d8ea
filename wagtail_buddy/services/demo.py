"""Realistic demo participants from Faker, bulk-created (example site and benchmarks)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Locale, Page

from ..models import Intake, Interest, Language, Participant

INTERESTS = [
    "Hiking", "Football", "Board games", "Cooking", "Photography", "Cinema", "Live music",
    "Running", "Climbing", "Yoga", "Reading", "Video games", "Travel", "Dancing", "Theatre",
    "Volunteering", "Politics", "Art museums", "Wine tasting", "Cycling", "Swimming",
    "Basketball", "Volleyball", "Tennis", "Skiing", "Sailing", "Jazz", "Techno", "Anime",
    "Fashion", "Languages", "Coding", "Gardening", "Chess", "Karaoke", "Baking",
    "Sustainability", "History", "Podcasts", "Parties",
]
# Nationality -> Faker locale and the language spoken there.
ORIGINS = [
    ("ES", "es_ES", "es", 14), ("IT", "it_IT", "it", 13), ("DE", "de_DE", "de", 12),
    ("PT", "pt_PT", "pt", 6), ("PL", "pl_PL", "pl", 7), ("NL", "nl_NL", "nl", 5),
    ("TR", "tr_TR", "tr", 5), ("GB", "en_GB", "en", 5), ("US", "en_US", "en", 4),
    ("BR", "pt_BR", "pt", 4), ("CZ", "cs_CZ", "cs", 4), ("SE", "sv_SE", "sv", 3),
    ("GR", "el_GR", "el", 3), ("RO", "ro_RO", "ro", 3), ("JP", "ja_JP", "ja", 2),
    ("MX", "es_MX", "es", 3), ("FI", "fi_FI", "fi", 2), ("HU", "hu_HU", "hu", 2),
    ("IE", "en_IE", "en", 2), ("KR", "ko_KR", "ko", 1),
]
UNIVERSITIES = [
    "Université Lumière Lyon 2", "Université Claude Bernard Lyon 1",
    "Université Jean Moulin Lyon 3",
    "INSA Lyon", "Sciences Po Lyon", "École Centrale de Lyon", "emlyon business school",
    "ENS de Lyon",
]
FACULTIES = [
    "Law", "Economics", "Business", "Computer science", "Mechanical engineering", "Medicine",
    "Psychology", "History", "Literature", "Political science", "Architecture", "Biology",
    "Chemistry", "Mathematics", "Physics", "Sociology", "Languages", "Art history",
]


def ensure_interests(programme_id: int) -> list[Interest]:
    """The demo interests of one programme (created once)."""
    locale_id = Page.objects.filter(pk=programme_id).values_list("locale_id", flat=True).get()
    Interest.objects.bulk_create(  # bulk: no pre_save, so the locale is set here
        [Interest(programme_id=programme_id, name=name, slug=slugify(name), locale_id=locale_id)
         for name in INTERESTS], ignore_conflicts=True
    )
    originals = (Interest.objects.filter(programme_id=programme_id).order_by()
                 .values("translation_key").annotate(first=Min("pk")).values("first"))
    return list(Interest.objects.filter(pk__in=originals, active=True))  # no translations


class _DemoPeople:
    """Makes one realistic participant at a time; the same seed gives the same people."""

    def __init__(self, intake: Intake, seed: int, status: str):
        from faker import Faker  # the demo extra, installed only where the demo runs

        self.intake, self.status = intake, status
        self.rng = random.Random(seed)
        self.fakers = {locale: Faker(locale) for _, locale, _, _ in ORIGINS}
        self.fakers["fr_FR"] = Faker("fr_FR")
        for index, faker in enumerate(self.fakers.values()):
            faker.seed_instance(seed + index)
        self.interests = ensure_interests(intake.programme_id)
        self.interest_weights = [1 / (rank + 1) for rank in range(len(self.interests))]
        self.languages = {lang.code: lang for lang in Language.objects.all()}
        self.now = timezone.now()
        self.consent = intake.programme.consent_version()

    def person(self, role: str, index: int) -> tuple[Participant, list, set]:
        """A participant (not saved), their languages and their interests."""
        rng = self.rng
        if role == Participant.Role.LOCAL:
            nationality, locale, mother_tongue = "FR", "fr_FR", "fr"
        else:
            nationality, locale, mother_tongue, _ = rng.choices(
                ORIGINS, weights=[o[3] for o in ORIGINS])[0]
        faker = self.fakers[locale]
        gender = rng.choices(["female", "male", "nonbinary", ""], weights=[52, 44, 2, 2])[0]
        first = faker.first_name_female() if gender == "female" else faker.first_name_male()
        last = faker.last_name()
        email = f"{slugify(first)}.{slugify(last)}.{role[0]}{index}@example.{nationality.lower()}"
        spoken = self._spoken(role, mother_tongue)
        picked = set(rng.choices(self.interests, weights=self.interest_weights,
                                 k=rng.randint(2, 6)))
        now = self.now
        participant = Participant(
            intake=self.intake, role=role, status=self.status,
            first_name=first[:100], last_name=last[:100], email=email,
            phone=faker.phone_number()[:60] if rng.random() < 0.7 else "",
            birth_year=rng.randint(1997, 2006),
            gender=gender,
            gender_preference="same" if rng.random() < 0.1 else "any",
            nationality=nationality,
            university=rng.choice(UNIVERSITIES),
            faculty=rng.choice(FACULTIES),
            preferred_language=rng.choice(["en", "en", "fr", "de", "es", "it", "pt"]),
            motivation=faker.sentence(nb_words=12) if rng.random() < 0.6 else "",
            consent_at=now, consent_version=self.consent, charter_accepted_at=now,
            confirmed_at=now,
        )
        self._role_fields(participant, faker)
        return participant, [self.languages[c] for c in sorted(spoken)
                             if c in self.languages], picked

    def _spoken(self, role: str, mother_tongue: str) -> set[str]:
        rng = self.rng
        spoken = {mother_tongue}
        if rng.random() < 0.9:
            spoken.add("en")
        for extra in rng.sample(["es", "de", "it", "fr", "pt"], k=rng.choice([0, 0, 1, 1, 2])):
            spoken.add(extra)
        if role == Participant.Role.INTERNATIONAL and rng.random() < 0.4:
            spoken.add("fr")
        return spoken

    def _role_fields(self, participant: Participant, faker) -> None:
        """Arrival for a student; places, availability and exchange country for a buddy."""
        rng, start = self.rng, self.intake.starts_on
        if participant.role == Participant.Role.INTERNATIONAL:
            participant.home_university = f"{faker.city()} University"[:150]
            participant.arrival_date = start + timedelta(days=rng.randint(-10, 30))
        else:
            participant.capacity = rng.choices([1, 2, 3], weights=[55, 30, 15])[0]
            if rng.random() < 0.5:
                participant.available_from = start - timedelta(days=rng.randint(0, 20))
                participant.available_until = start + timedelta(days=rng.randint(25, 90))
            if rng.random() < 0.4:
                participant.exchange_country = rng.choice(ORIGINS)[0]


def create_demo_participants(
    intake: Intake, internationals: int, locals_: int, *, seed: int = 2027,
    status: str = Participant.Status.WAITING,
) -> int:
    """Create ``internationals`` + ``locals_`` realistic, confirmed participants in bulk."""
    people = _DemoPeople(intake, seed, status)
    taken = set(Participant.objects.filter(intake=intake).values_list("email", flat=True))
    rows = [people.person(Participant.Role.INTERNATIONAL, i) for i in range(internationals)]
    rows += [people.person(Participant.Role.LOCAL, i) for i in range(locals_)]
    rows = [row for row in rows if row[0].email not in taken]
    return _write(intake, rows)


def _write(intake: Intake, rows: list[tuple[Participant, list, set]]) -> int:
    """Participants, their languages and interests in three bulk inserts."""
    with transaction.atomic():
        created = Participant.objects.bulk_create([row[0] for row in rows], batch_size=500)
        if not all(p.pk for p in created):  # backends without RETURNING on bulk insert
            by_email = dict(Participant.objects.filter(intake=intake).values_list("email", "pk"))
            for participant in created:
                participant.pk = by_email[participant.email]
        lang_through = Participant.languages.through
        interest_through = Participant.interests.through
        lang_through.objects.bulk_create(
            [lang_through(participant_id=p.pk, language_id=lang.pk)
             for p, (_, langs, _) in zip(created, rows, strict=True) for lang in langs],
            batch_size=2000,
        )
        interest_through.objects.bulk_create(
            [interest_through(participant_id=p.pk, interest_id=i.pk)
             for p, (_, _, picked) in zip(created, rows, strict=True) for i in picked],
            batch_size=2000,
        )
    return len(created)


def default_intake_dates(today: date | None = None) -> tuple[date, date]:
    """The next semester start (1 Feb or 1 Sep) and its end, for demo intakes."""
    today = today or date.today()
    candidates = [date(today.year, 2, 1), date(today.year, 9, 1), date(today.year + 1, 2, 1)]
    start = next(d for d in candidates if d >= today - timedelta(days=30))
    return start, start + timedelta(days=150)


# Titles of the demo's translated programme pages (other languages keep the original's).
TRANSLATED_TITLES = {"fr": "Programme de parrainage", "de": "Buddy-Programm",
                     "es": "Programa de compañeros", "it": "Programma buddy",
                     "pt": "Programa de apadrinhamento"}


def translate_page(page, language_codes) -> list:
    """Publish a translated copy of ``page`` (and of its untranslated ancestors) in each
    language, so the demo shows the student's language kept from page to page and email.
    Existing copies are left alone; returns the copies created."""
    created = []
    for code in language_codes:
        locale, _ = Locale.objects.get_or_create(language_code=code)
        if code == page.locale.language_code or page.has_translation(locale):
            continue
        copy = page.copy_for_translation(locale, copy_parents=True)
        copy.title = TRANSLATED_TITLES.get(code, copy.title)
        for ancestor in copy.get_ancestors().filter(depth__gt=1, live=False):
            ancestor.specific.save_revision().publish()
        copy.save_revision().publish()
        created.append(copy)
    return created
