"""Spreadsheet import in real Chromium: a coordinator uploads a messy CSV, fixes the column
the guess did not know, reads the preview, imports; an invited student opens the email's
link, completes the prefilled form, consents and confirms. axe-core checks each page;
screenshots at 1280 and 375 px go to docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.conftest import make_coordinator
from tests.e2e.conftest import last_link
from tests.e2e.test_coordinator_journey import login
from tests.imports.conftest import csv_bytes
from wagtail_buddy.models import Participant

pytestmark = [pytest.mark.usefixtures("buddy_cache", "interests"),
              pytest.mark.django_db(transaction=True)]

MESSY = [
    ["Horodateur", "Adresse e-mail", "Wie heißt du?", "Nom", "Langues", "Nationalité",
     "Universidad de origen", "Date d'arrivée"],
    ["03/01/2027 10:02", "lucia@example.org", "Lucía", "Fernández", "espagnol, anglais",
     "Espagne", "Universidad de Sevilla", "01/02/2027"],
    ["03/01/2027 11:40", "ben@example.org", "<img src=x onerror=alert(1)>", "=1+2", "de",
     "Allemagne", "TU Berlin", "31/02/2027"],
    ["04/01/2027 09:15", "LUCIA@example.org", "Lucía", "F.", "es", "ES", "Sevilla", ""],
    ["05/01/2027 18:30", "kenji@example.org", "Kenji", "Sato", "japonais; anglais", "Japon",
     "Kyoto University", "2027-02-03"],
]


def both(page, phone_page, url, name, screenshot, axe_check):
    for browser_page, suffix in ((page, "desktop"), (phone_page, "phone")):
        browser_page.goto(url)
        screenshot(browser_page, f"{name}-{suffix}")
        axe_check(browser_page, name)


def test_coordinator_imports_a_messy_csv_and_a_student_confirms(
        site, page, phone_page, intake, screenshot, axe_check, django_user_model,
        tmp_path):
    make_coordinator(django_user_model, "coordinator", intake.programme)
    login(page, site)
    login(phone_page, site)
    path = tmp_path / "google-forms-export.csv"
    path.write_bytes(csv_bytes(MESSY, delimiter=";", encoding="cp1252"))

    # 1. From the overview to the upload form.
    page.goto(f"{site}/admin/buddy/")
    page.click("[data-action=import]")
    page.wait_for_url(re.compile(r"/import/$"))
    both(page, phone_page, page.url, "admin-import-upload", screenshot, axe_check)
    page.set_input_files("input[type=file]", str(path))
    page.check("input[value=international]")
    page.get_by_role("button", name="Upload and choose the columns").click()

    # 2. The guess knows French headers but not "Wie heißt du?": the coordinator fixes it.
    page.wait_for_url(re.compile(r"/import/\d+/$"))
    assert page.input_value("#id_column_1") == "email"
    assert page.input_value("#id_column_2") == ""
    page.select_option("#id_column_2", "first_name")
    mapping_url = page.url
    both(page, phone_page, mapping_url, "admin-import-mapping", screenshot, axe_check)
    page.goto(mapping_url)
    page.select_option("#id_column_2", "first_name")
    page.get_by_role("button", name="Preview the import").click()

    # 3. The preview: one skipped row with its reasons in words, one duplicate, two new.
    page.wait_for_url(re.compile(r"/preview/$"))
    assert page.inner_text("[data-count=create] dd") == "2"
    assert page.inner_text("[data-count=skip] dd") == "2"
    skipped = page.inner_text("[data-section=skip]")
    assert "'31/02/2027' is not a date" in skipped and "formula" in skipped
    assert "already on row 2" in skipped
    assert "<img src=x onerror=alert(1)>" in skipped  # shown as text, never run
    both(page, phone_page, page.url, "admin-import-preview", screenshot, axe_check)
    assert not Participant.objects.exists()
    page.goto(page.url)
    page.get_by_role("button", name=re.compile("Import and invite")).click()
    page.wait_for_url(re.compile(r"/admin/buddy/$"))
    assert "people invited" in page.inner_text("body")
    assert set(Participant.objects.values_list("email", "status")) == {
        ("lucia@example.org", "invited"), ("kenji@example.org", "invited")}

    # 4. Lucía opens her invitation, completes the form and confirms.
    link = site + last_link("lucia@example.org", "/invitation/")
    both(page, phone_page, link, "student-invitation", screenshot, axe_check)
    page.goto(link)
    assert page.input_value("#id_first_name") == "Lucía"
    page.fill("#id_birth_year", "2003")  # not in the file: she adds what is missing
    page.fill("#id_university", "Université Lyon 2")
    page.check("#id_consent")
    if page.locator("#id_charter").count():
        page.check("#id_charter")
    page.get_by_role("button", name="Confirm and take part").click()
    page.wait_for_selector("text=your email is confirmed")
    screenshot(page, "student-invitation-accepted-desktop")
    axe_check(page, "accepted")
    lucia = Participant.objects.get(email="lucia@example.org")
    assert lucia.status == "waiting" and lucia.consent_at is not None
    assert len([m for m in mail.outbox if m.to == ["lucia@example.org"]]) == 1
