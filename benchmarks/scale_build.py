"""The national install of ``bench_scale.py``, written with PostgreSQL's COPY in seconds.

50 programme pages with two intakes each (one past, one open), participants spread
unevenly (section 1 has 8,000 in its open intake, section 2 has 2,000, the others a few
hundred to 2,000), matches, check-ins and audit entries in proportion, coordinators of one
and of three sections, a superuser, and as many ``loadtest.BenchRow`` rows as participants
(the yardstick listed by Wagtail's own ``ModelViewSet``). Ids are assigned here, so rows of
several tables are written in one pass without reading anything back.
"""

from __future__ import annotations

import itertools
import random
import secrets
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, models
from psycopg.types.json import Jsonb

BUILD_VERSION = "scale-2"  # 2: vacuumed before it is saved as the template
SECTIONS = 50
BIG, MEDIUM = 8_000, 2_000
PAST_SHARE = 0.6  # the past intake has this share of the open one's size
FIRST = ("Maria Marco Ana Lucas Sofia Mateo Emma Noah Lea Hugo Chiara Luca Giulia Marta Jonas "
         "Mia Paul Laura Anna Elias Clara Leon Julia Tom Ines Pedro Sara Diego Nina Oscar Eva "
         "Marek Zofia Piotr Aylin Emre Kenji Yuki Mina Omar Lina Adam Alice Jan Karin Olga "
         "Tomas Ida Nils Maren").split()
LAST = ("Garcia Rossi Muller Silva Kowalski Martin Bernard Dubois Moreau Laurent Schmidt "
        "Schneider Fischer Weber Romano Ricci Marino Costa Santos Ferreira Pereira Lopez "
        "Martinez Sanchez Perez Nowak Wisniewska Yilmaz Kaya Tanaka Sato Kim Lee Jansen "
        "De Vries Bakker Novak Svoboda Nagy Horvath Popescu Ionescu Andersson Johansson "
        "Virtanen Korhonen Murphy Kelly Smith Brown Papadopoulos Marchetti Mara").split()
UNIVERSITIES = [f"University {c}" for c in "ABCDEFGHIJKL"]
COUNTRIES = "ES IT DE PT PL NL TR GB US BR CZ SE GR RO JP MX FI HU IE KR".split()
LANGS = "es it de pt pl nl tr en en pt cs sv el ro ja es fi hu en ko".split()


def sizes(total: int, rng: random.Random) -> list[int]:
    """Open-intake sizes per section: 8,000, 2,000, then 300-2,000 scaled to ``total``."""
    rest = [rng.randint(300, 2000) for _ in range(SECTIONS - 2)]
    budget = total / (1 + PAST_SHARE) - BIG - MEDIUM
    scale = budget / sum(rest)
    return [BIG, MEDIUM, *(max(100, min(2000, round(n * scale))) for n in rest)]


def copy_rows(model, rows) -> int:
    """COPY ``rows`` (dicts by attname) into ``model``'s table; missing fields get their
    default. JSON values are wrapped for psycopg."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk or pk.attname in first]
    defaults = {}
    for f in fields:
        if f.has_default() and not callable(f.default):
            defaults[f.attname] = f.get_default()
        elif f.has_default() and f.default in (dict, list):
            defaults[f.attname] = f.default()
        elif not f.null and isinstance(f, models.CharField | models.TextField):
            defaults[f.attname] = ""
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    columns = ", ".join(f'"{f.column}"' for f in fields)
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as cp:
            for row in itertools.chain([first], rows):
                values = []
                for f in fields:
                    value = row.get(f.attname, defaults.get(f.attname))
                    if f.attname in json_fields and value is not None:
                        value = Jsonb(value)
                    values.append(value)
                cp.write_row(values)
                count += 1
    return count


def reset_sequences(*models_) -> None:
    with connection.cursor() as cursor:
        for model in models_:
            table, pk = model._meta.db_table, model._meta.pk.column
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{pk}'), "
                           f"COALESCE((SELECT MAX(\"{pk}\") FROM \"{table}\"), 1))")


def build(total: int, seed: int = 24) -> dict:
    """Create everything; returns a summary (counts, the ids the benchmark needs)."""
    from django.contrib.contenttypes.models import ContentType
    from loadtest.models import BenchRow
    from wagtail.models import Page, Site

    from wagtail_buddy.models import (
        BuddyLogEntry,
        BuddyProgrammePage,
        CheckIn,
        Intake,
        Language,
        Match,
        Participant,
    )
    from wagtail_buddy.services.coordinators import setup_coordinator_group
    from wagtail_buddy.services.demo import ensure_interests

    rng = random.Random(seed)
    site = Site.objects.get(is_default_site=True)
    parent = site.root_page if site.root_page.depth > 1 else Page.get_first_root_node()
    programmes, intakes = [], []
    today = date.today()
    for n in range(SECTIONS):
        page = BuddyProgrammePage(title=f"Buddy {n + 1:02d}", slug=f"buddy-{n + 1:02d}",
                                  section_name=f"ESN Section {n + 1:02d}",
                                  privacy_notice="<p>Privacy.</p>")
        parent.add_child(instance=page)
        programmes.append(page)
        past = Intake.objects.create(programme=page, name="Autumn (past)", signup_open=False,
                                     starts_on=today - timedelta(days=240),
                                     ends_on=today - timedelta(days=60))
        current = Intake.objects.create(programme=page, name="Spring", signup_open=True,
                                        starts_on=today + timedelta(days=30),
                                        ends_on=today + timedelta(days=180))
        intakes.append((page, past, current))
    interests = {p.pk: [i.pk for i in ensure_interests(p.pk)] for p in programmes}
    languages = set(Language.objects.values_list("code", flat=True))

    User = get_user_model()
    User.objects.create_superuser("root", "root@example.org", "pw")
    one = User.objects.create_user("one", "one@example.org", "pw")
    three = User.objects.create_user("three", "three@example.org", "pw")
    group_one, _ = setup_coordinator_group(programmes[0], "Section 01 coordinators")
    one.groups.add(group_one)
    for page in programmes[:3]:
        group, _ = setup_coordinator_group(page, f"{page.section_name} national team")
        three.groups.add(group)

    now = datetime.now(UTC)
    people, lang_rows, interest_rows = [], [], []
    matches, checkins, log_rows = [], [], []
    pid = mid = cid = 0
    participant_type = ContentType.objects.get_for_model(Participant).pk
    match_type = ContentType.objects.get_for_model(Match).pk
    open_sizes = sizes(total, rng)
    for (page, past, current), open_size in zip(intakes, open_sizes, strict=True):
        for intake, size, is_past in ((past, round(open_size * PAST_SHARE), True),
                                      (current, open_size, False)):
            mentees, mentors = [], []
            for k in range(size):
                pid += 1
                role = "international" if k % 5 < 3 else "local"
                roll = rng.random()
                status = ("unconfirmed" if roll < 0.08 else "withdrawn" if roll < 0.12
                          else "ended" if is_past else "waiting")
                first, last = rng.choice(FIRST), rng.choice(LAST)
                country = rng.randrange(len(COUNTRIES))
                created = now - timedelta(days=(300 if is_past else 60) * rng.random())
                row = {
                    "id": pid, "intake_id": intake.pk, "role": role, "status": status,
                    "first_name": first, "last_name": last,
                    "email": f"{first}.{last}.{pid}@example.org".lower(),
                    "phone": "", "birth_year": rng.randint(1996, 2006),
                    "gender": rng.choice(["female", "male", "female", "male", "nonbinary", ""]),
                    "gender_preference": "same" if rng.random() < 0.1 else "any",
                    "nationality": COUNTRIES[country] if role == "international" else "FR",
                    "university": rng.choice(UNIVERSITIES), "faculty": "Law",
                    "home_university": "Home University" if role == "international" else "",
                    "arrival_date": (intake.starts_on + timedelta(days=rng.randint(-10, 30))
                                     if role == "international" else None),
                    "capacity": rng.choice([1, 1, 1, 2, 2, 3]) if role == "local" else 1,
                    "exchange_country": "", "preferred_language": "en",
                    "consent_at": created, "consent_version": "v1",
                    "confirmed_at": None if status == "unconfirmed" else created,
                    "access_key": secrets.token_urlsafe(24), "extra_answers": {},
                    "created_at": created, "updated_at": created,
                }
                people.append(row)
                spoken = {"en", LANGS[country] if role == "international" else "fr"}
                if rng.random() < 0.4:
                    spoken.add(rng.choice(["es", "de", "it", "fr", "pt"]))
                lang_rows += [{"participant_id": pid, "language_id": c}
                              for c in spoken if c in languages]
                interest_rows += [{"participant_id": pid, "interest_id": i}
                                  for i in rng.sample(interests[page.pk], 3)]
                log_rows.append({"content_type_id": participant_type, "action":
                                 "wagtail_buddy.confirmed", "label": f"participant #{pid}",
                                 "timestamp": created, "data": {}, "object_id": str(pid),
                                 "programme_id": page.pk, "content_changed": False,
                                 "deleted": False})
                if status not in ("unconfirmed", "withdrawn"):
                    (mentees if role == "international" else mentors).append(row)
            # Pairs: past intakes mostly ended, open ones 25 % confirmed.
            slots = [m for m in mentors for _ in range(m["capacity"])]
            rng.shuffle(slots)
            share = 0.85 if is_past else 0.25
            for mentee, mentor in zip(mentees[:int(len(mentees) * share)], slots, strict=False):
                mid += 1
                ended = is_past and rng.random() < 0.85
                created = mentee["created_at"] + timedelta(days=3)
                matches.append({
                    "id": mid, "intake_id": intake.pk, "mentee_id": mentee["id"],
                    "mentor_id": mentor["id"], "status": "ended" if ended else "confirmed",
                    "source": "engine", "locked": False, "score": round(rng.random(), 3),
                    "breakdown": {}, "evidence": {}, "coordinator_note": "",
                    "created_at": created, "confirmed_at": created,
                    "introduced_at": created if rng.random() < 0.8 else None,
                    "ended_at": created + timedelta(days=90) if ended else None,
                    "end_reason": "",
                })
                for person in (mentee, mentor):
                    if not ended:
                        person["status"] = "matched"
                for action in ("wagtail_buddy.confirmed", "wagtail_buddy.introduced"):
                    log_rows.append({"content_type_id": match_type, "action": action,
                                     "label": f"match #{mid}", "timestamp": created,
                                     "data": {}, "object_id": str(mid),
                                     "programme_id": page.pk, "content_changed": False,
                                     "deleted": False})
                if rng.random() < 0.6:
                    answer = rng.choice(["met", "met", "in_contact", "no_contact", ""])
                    for person in (mentee, mentor):
                        cid += 1
                        checkins.append({"id": cid, "match_id": mid,
                                         "participant_id": person["id"],
                                         "sent_at": created + timedelta(days=14),
                                         "answered_at": created + timedelta(days=15)
                                         if answer else None, "answer": answer,
                                         "comment": ""})
    copy_rows(Participant, people)
    copy_rows(Participant.languages.through, lang_rows)
    copy_rows(Participant.interests.through, interest_rows)
    copy_rows(Match, matches)
    copy_rows(CheckIn, checkins)
    copy_rows(BuddyLogEntry, log_rows)
    cities = ["Lyon", "Paris", "Lille", "Nantes", "Rennes", "Nice", "Brest", "Metz"]
    copy_rows(BenchRow, ({"id": n + 1, "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                          "email": f"row{n}@example.org", "city": rng.choice(cities),
                          "created_at": now - timedelta(minutes=n)}
                         for n in range(len(people))))
    reset_sequences(Participant, Match, CheckIn, BuddyLogEntry, BenchRow)
    return {"participants": len(people), "matches": len(matches), "checkins": len(checkins),
            "log_entries": len(log_rows)}
