"""Spreadsheet import at semester scale: 5,000 rows previewed and imported with invitations.

Builds a fresh database (a temporary SQLite file, or PostgreSQL with ``--postgres``), writes
a Google-Forms-like CSV and the same rows as XLSX, then times each step of
``services.importing`` (best of ``--repeat`` for the read-only steps): reading, the preview
(read + guess + every row parsed and checked against the intake), the import (rows, their
languages and one queued invitation each, in one transaction), and the same file imported
again (nothing to create, nothing sent). The baseline, measured in the same run, is the
naive write: one ``Participant.objects.create`` + languages + ``queue_email`` per row.

    .venv/bin/python benchmarks/bench_import.py [--rows 5000] [--repeat 3] [--postgres]

Targets (issue 22, 2 cores): preview < 5 s, import < 15 s. Exits 1 if one is missed.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import time
from datetime import date

from _bench import programme_page, setup_django, timings

LANGUAGES = ["English", "fr", "Deutsch", "español", "Italian", "pt", "Polish", "nl"]
COUNTRIES = ["Spain", "Allemagne", "IT", "Portugal", "Poland", "France", "Netherlands", "Brazil"]
HEADERS = ["Timestamp", "Email address", "First name", "Last name", "Languages you speak",
           "Nationality", "Home university", "Arrival date", "Year of birth"]


def rows(n: int) -> list[list[str]]:
    rng = random.Random(1)
    out = [HEADERS]
    for i in range(n):
        langs = ", ".join(rng.sample(LANGUAGES, rng.randint(1, 3)))
        out.append([f"2027/01/{i % 28 + 1:02d} 10:00:00", f"student{i}@example.org",
                    f"Ana{i}", f"García{i}", langs, rng.choice(COUNTRIES),
                    "Universidad de Sevilla", f"{rng.randint(1, 28):02d}/02/2027",
                    str(rng.randint(1995, 2006))])
    return out


def as_csv(table: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    return buffer.getvalue().encode()


def as_xlsx(table: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = timings(fn, repeat)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true",
                        help="use DATABASE_URL (default postgres://postgres@127.0.0.1/"
                             "buddy_bench_import)")
    args = parser.parse_args()

    # Queue, do not send: tasks go to the ORM broker for a worker, as in production (the
    # test settings would otherwise render and send every email inside the timed import).
    os.environ["BUDDY_REAL_QCLUSTER"] = "1"
    tmp = setup_django(args.postgres, "buddy_bench_import")
    from django.utils import timezone

    from wagtail_buddy.models import Intake, OutboundEmail, Participant
    from wagtail_buddy.services import importing
    from wagtail_buddy.services.emails import queue_email

    programme = programme_page()

    def new_intake(name: str) -> Intake:
        return Intake.objects.create(programme=programme, name=name,
                                     starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1))

    intake, naive_intake = new_intake("Spring"), new_intake("Naive")
    table_rows = rows(args.rows)
    csv_data, xlsx_data = as_csv(table_rows), as_xlsx(table_rows)
    role = Participant.Role.INTERNATIONAL
    results: list[tuple[str, float, str]] = []

    read_csv, table = best(lambda: importing.read(csv_data, "export.csv"), args.repeat)
    results.append(("read CSV", read_csv, f"{len(csv_data) / 1e6:.1f} MB"))
    read_xlsx, _t = best(lambda: importing.read(xlsx_data, "export.xlsx"), args.repeat)
    results.append(("read XLSX", read_xlsx, f"{len(xlsx_data) / 1e6:.1f} MB"))

    def preview():
        t = importing.read(csv_data, "export.csv")
        return importing.preview(t, importing.guess(t, intake), intake, role)

    preview_time, report = best(preview, args.repeat)
    results.append(("preview (read+guess+check)", preview_time,
                    ", ".join(f"{n} {k}" for k, n in report.counts.items() if n)))
    for row in report.of("skip")[:3]:
        print("skipped:", row.number, row.problems)

    t0 = time.perf_counter()
    report, result = importing.run(table, importing.guess(table, intake), intake, role)
    import_time = time.perf_counter() - t0
    queued = OutboundEmail.objects.filter(purpose="invitation").count()
    results.append(("import + invitations", import_time,
                    f"{result.created} created, {queued} invitations queued"))

    t0 = time.perf_counter()
    _r, again = importing.run(table, importing.guess(table, intake), intake, role)
    results.append(("same file again", time.perf_counter() - t0,
                    f"{again.created} created, {again.invitations} queued"))

    # Baseline: the naive write, one row at a time, same rows, same transaction shape; on
    # a tenth of the rows (it is slow), scaled up.
    from django.db import transaction

    sample = _r.of("unchanged")[: max(1, args.rows // 10)]
    t0 = time.perf_counter()
    with transaction.atomic():
        for row in sample:
            data = {k: v for k, v in row.existing.__dict__.items()
                    if k in ("first_name", "last_name", "email", "nationality", "birth_year",
                             "home_university", "arrival_date", "preferred_language")}
            person = Participant.objects.create(
                intake=naive_intake, role=role, status=Participant.Status.INVITED,
                consent_at=None, consent_version="", **data)
            person.languages.set(["en"])
            queue_email(person, "invitation", key="0", context={"links": ["invite_url"]})
    naive = (time.perf_counter() - t0) * args.rows / len(sample)
    results.append(("baseline: naive row-by-row write", naive,
                    f"{len(sample)} rows timed, scaled to {args.rows}"))

    print()
    print(f"Spreadsheet import, {args.rows} rows, "
          f"{'PostgreSQL' if args.postgres else 'SQLite'}, {timezone.now():%Y-%m-%d}")
    print(f"{'step':36} {'seconds':>8} {'vs naive':>9}  notes")
    for name, seconds, note in results:
        print(f"{name:36} {seconds:8.2f} {seconds / naive:8.2f}x  {note}")
    ok = preview_time < 5 and import_time < 15
    print(f"targets: preview < 5 s {'met' if preview_time < 5 else 'MISSED'}, "
          f"import < 15 s {'met' if import_time < 15 else 'MISSED'}")
    tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
