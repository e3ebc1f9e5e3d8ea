"""The import service end to end: read, guess, preview, write, re-import, invitation."""

from __future__ import annotations

import pytest
from django.core import mail

from wagtail_buddy.models import ImportMapping, OutboundEmail, Participant
from wagtail_buddy.services import importing

from .conftest import csv_bytes, google_forms_rows

pytestmark = pytest.mark.usefixtures("buddy_cache")


def run(data: bytes, intake, role="international", name="export.csv", overrides=None):
    table = importing.read(data, name)
    fields = importing.guess(table, intake, overrides)
    return importing.run(table, fields, intake, role)


def test_google_forms_export_invites_everyone_once(intake, google_forms_csv,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report, result = run(google_forms_csv, intake)
    assert report.counts == {"create": 3, "update": 0, "unchanged": 0, "skip": 0}
    assert (result.created, result.invitations) == (3, 3)
    people = Participant.objects.order_by("email")
    assert [p.status for p in people] == ["invited"] * 3
    first = people[0]
    assert first.email == "student0@example.org"
    assert (first.first_name, first.last_name, first.nationality.code) == ("Ana0", "García0",
                                                                           "ES")
    assert sorted(first.languages.values_list("code", flat=True)) == ["en", "es"]
    assert str(first.arrival_date) == "2027-02-01" and first.birth_year == 2003
    assert first.consent_at is None and first.consent_version == ""
    assert sorted(m.to[0] for m in mail.outbox) == [p.email for p in people]
    assert all("/invitation/" in m.body for m in mail.outbox)


def test_reimporting_the_same_file_creates_and_sends_nothing(
        intake, google_forms_csv, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run(google_forms_csv, intake)
    with django_capture_on_commit_callbacks(execute=True):
        report, result = run(google_forms_csv, intake)
    assert report.counts["unchanged"] == 3 and (result.created, result.invitations) == (0, 0)
    assert Participant.objects.count() == 3
    assert OutboundEmail.objects.filter(purpose="invitation").count() == 3
    assert len(mail.outbox) == 3


def test_an_invited_row_that_changed_is_updated_with_what_changed(intake):
    run(csv_bytes(google_forms_rows(1)), intake)
    rows = google_forms_rows(1)
    rows[1][1] = "STUDENT0@example.ORG"  # the same person, case aside
    rows[1][4] = "fr; de"
    report, result = run(csv_bytes(rows, delimiter=";"), intake)
    assert report.counts["update"] == 1 and result.updated == 1
    (change,) = report.rows[0].changes
    assert change[0] == "Languages" and "French" in change[2] and "German" in change[2]
    person = Participant.objects.get()
    assert sorted(person.languages.values_list("code", flat=True)) == ["de", "fr"]


def test_someone_who_signed_up_themselves_is_left_as_they_wrote_it(intake,
                                                                    participant_factory):
    own = participant_factory(email="student0@example.org", first_name="Own")
    report, result = run(csv_bytes(google_forms_rows(1)), intake)
    assert report.rows[0].action == "unchanged" and result.updated == 0
    own.refresh_from_db()
    assert own.first_name == "Own" and own.status == "waiting"
    assert not OutboundEmail.objects.exists()


def test_duplicates_in_the_file_are_reported_not_imported_twice(intake):
    rows = google_forms_rows(2)
    rows.append(list(rows[1]))
    rows[3][1] = " student0@EXAMPLE.org "
    report, result = run(csv_bytes(rows), intake)
    assert report.counts == {"create": 2, "update": 0, "unchanged": 0, "skip": 1}
    skipped = report.of("skip")[0]
    assert skipped.number == 4
    assert "already on row 2" in skipped.problems[0][1]
    assert Participant.objects.count() == 2


def test_bad_cells_are_skipped_with_reasons_per_field(intake):
    rows = google_forms_rows(3)
    rows[1][4] = "fr, klingon"
    rows[2][7] = "31/02/2027"
    rows[3][1] = "not-an-email"
    report, result = run(csv_bytes(rows), intake)
    reasons = {row.number: row.problems for row in report.of("skip")}
    assert reasons[2] == [("Languages", "'klingon': not a language code or name we know")]
    assert reasons[3] == [("Arrival date", "'31/02/2027' is not a date")]
    assert reasons[4][0][0] == "Email"
    assert result.created == 0 and not Participant.objects.exists()


def test_codes_and_names_in_the_six_languages(intake):
    rows = [["E-Mail-Adresse", "Vorname", "Nachname", "Sprachen", "Staatsangehörigkeit"],
            ["a@example.org", "A", "B", "Französisch, it, Inglés", "Frankreich"],
            ["b@example.org", "C", "D", "allemand; portugais", "DEU"],
            ["c@example.org", "E", "F", "Spagnolo", "Portogallo"],
            ["d@example.org", "G", "H", "Alemão", "Espanha"]]
    report, _result = run(csv_bytes(rows), intake)
    assert report.counts["create"] == 4, report.as_json()
    got = {p.email: (sorted(p.languages.values_list("code", flat=True)), p.nationality.code)
           for p in Participant.objects.all()}
    assert got == {"a@example.org": (["en", "fr", "it"], "FR"),
                   "b@example.org": (["de", "pt"], "DE"),
                   "c@example.org": (["es"], "PT"),
                   "d@example.org": (["de"], "ES")}


def test_the_mapping_is_remembered_per_programme(intake):
    rows = [["Courriel", "Prénom", "Nom", "Colonne bizarre"], ["x@example.org", "X", "Y", "Lyon 2"]]
    table = importing.read(csv_bytes(rows), "a.csv")
    assert importing.guess(table, intake) == ["email", "first_name", "last_name", ""]
    importing.run(table, ["email", "first_name", "last_name", "university"], intake,
                  "international")
    assert ImportMapping.objects.get().columns["colonne bizarre"] == "university"
    assert importing.guess(table, intake)[3] == "university"


def test_role_only_columns_of_the_other_role_are_ignored_with_a_note(intake):
    report, _result = run(csv_bytes(google_forms_rows(1)), intake, role="local")
    assert report.counts["create"] == 1
    assert any("Home university" in note for note in report.notes)
    assert Participant.objects.get().arrival_date is None
