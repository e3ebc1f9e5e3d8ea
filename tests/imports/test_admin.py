"""The import screens: upload -> columns -> preview -> import, access, hostile input."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import make_coordinator, make_programme
from wagtail_buddy.models import ImportUpload, Intake, Participant

from .conftest import csv_bytes, google_forms_rows

pytestmark = pytest.mark.usefixtures("buddy_cache")


def u(name, *args):
    return reverse(f"wagtail_buddy_admin:{name}", args=args)


def messy_csv() -> bytes:
    rows = [["Horodateur", "Adresse e-mail", "Wie heißt du?", "Nom", "Langues",
             "Nationalité"],
            ["2027-01-03", "a@example.org", "<b>Ana</b>", "García", "fr, anglais", "Espagne"],
            ["2027-01-04", "b@example.org", "Ben", "=HYPERLINK(\"x\")", "de", "DE"],
            ["2027-01-05", "A@EXAMPLE.org", "Ana", "Again", "fr", "ES"]]
    return csv_bytes(rows, delimiter=";", encoding="cp1252")


def upload(client, intake, data: bytes, name="export.csv", role="international"):
    return client.post(u("import", intake.pk),
                       {"file": SimpleUploadedFile(name, data), "role": role})


def test_the_whole_journey(client, coordinator, intake, django_capture_on_commit_callbacks):
    client.force_login(coordinator)
    overview = client.get(u("overview")).content.decode()
    assert u("import", intake.pk) in overview
    response = upload(client, intake, messy_csv())
    assert response.status_code == 302
    upload_row = ImportUpload.objects.get()
    mapping_url = u("import_mapping", intake.pk, upload_row.pk)
    assert response["Location"] == mapping_url
    page = client.get(mapping_url).content.decode()
    assert "&lt;b&gt;Ana&lt;/b&gt;" in page and "<b>Ana</b>" not in page
    assert upload_row.fields == ["", "email", "", "last_name", "languages", "nationality"]
    # The coordinator fixes the first-name column the guess did not know.
    fields = {f"column_{i}": f for i, f in enumerate(upload_row.fields)}
    fields["column_2"] = "first_name"
    response = client.post(mapping_url, fields)
    assert response["Location"] == u("import_preview", intake.pk, upload_row.pk)
    preview = client.get(response["Location"]).content.decode()
    assert "&lt;b&gt;Ana&lt;/b&gt;" in preview and "<b>Ana</b>" not in preview
    assert "formula" in preview and "already on row 2" in preview
    assert not Participant.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(u("import_preview", intake.pk, upload_row.pk))
    assert response.status_code == 302
    person = Participant.objects.get()
    assert (person.first_name, person.status) == ("<b>Ana</b>", "invited")
    assert len(mail.outbox) == 1
    html = mail.outbox[0].alternatives[0][0]
    assert "&lt;b&gt;Ana&lt;/b&gt;" in html and "<b>Ana</b>" not in html
    # A second press: a message, nothing more.
    again = client.post(u("import_preview", intake.pk, upload_row.pk))
    assert again.status_code == 302 and again["Location"] == u("import", intake.pk)
    assert Participant.objects.count() == 1 and len(mail.outbox) == 1


def test_mapping_needs_an_email_column_and_each_field_once(client, coordinator, intake):
    client.force_login(coordinator)
    upload(client, intake, csv_bytes(google_forms_rows(1)))
    row = ImportUpload.objects.get()
    fields = {f"column_{i}": "" for i in range(len(row.fields))}
    fields["column_2"] = fields["column_3"] = "first_name"
    response = client.post(u("import_mapping", intake.pk, row.pk), fields)
    body = response.content.decode()
    assert response.status_code == 200
    assert "holds the email addresses" in body and "is already the column" in body


@pytest.mark.parametrize("data,name,message", [
    (b"\x00\x01garbage" * 50, "x.csv", "binary"),
    (b"not a zip", "x.xlsx", "not a valid Excel"),
    (b"", "x.csv", "empty"),
])
def test_unreadable_uploads_get_a_message_and_store_nothing(client, coordinator, intake, data,
                                                            name, message):
    client.force_login(coordinator)
    response = upload(client, intake, data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_too_big_an_upload_is_refused(client, coordinator, intake, settings):
    settings.WAGTAIL_BUDDY_IMPORT_MAX_BYTES = 2000
    client.force_login(coordinator)
    response = upload(client, intake, b"email\n" + b"a@example.org\n" * 500)
    assert "files up to" in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_view_level_coordinators_cannot_import(client, django_user_model, programme, intake):
    viewer = make_coordinator(django_user_model, "viewer", programme,
                              codenames=("view_participant",))
    client.force_login(viewer)
    assert client.get(u("import", intake.pk)).status_code in (302, 403)
    assert upload(client, intake, csv_bytes(google_forms_rows(1))).status_code in (302, 403)
    assert not ImportUpload.objects.exists()
    assert u("import", intake.pk) not in client.get(u("overview")).content.decode()


def test_another_sections_upload_is_not_found(client, django_user_model, coordinator, intake,
                                              home_page):
    other_programme = make_programme(home_page, "Other")
    other_intake = Intake.objects.create(programme=other_programme, name="X",
                                         starts_on=intake.starts_on, ends_on=intake.ends_on)
    stranger = make_coordinator(django_user_model, "stranger", other_programme)
    client.force_login(coordinator)
    upload(client, intake, csv_bytes(google_forms_rows(1)))
    row = ImportUpload.objects.get()
    client.force_login(stranger)
    assert client.get(u("import_mapping", intake.pk, row.pk)).status_code == 404
    assert client.get(u("import_preview", other_intake.pk, row.pk)).status_code == 302


def test_overview_says_how_short_buddies_are(client, coordinator, intake, participant_factory):
    """Waiting students, free buddy places (capacity minus active matches), the shortfall."""
    from wagtail_buddy.services import stats

    for _ in range(5):
        participant_factory("international")
    participant_factory("local", capacity=2)
    participant_factory("local", capacity=1, status=Participant.Status.INVITED)  # not yet
    summary = stats.intake_summary([intake])[intake.pk]
    assert (summary["waiting"], summary["free_places"], summary["shortfall"]) == (5, 2, 3)
    client.force_login(coordinator)
    page = client.get(u("overview")).content.decode()
    assert re.search(r'data-count="shortfall">.*?<dd>3</dd>', page, re.S)
