"""No sign-up opens without a privacy notice: publishing asks for one, sign-up stays closed."""

import pytest
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from wagtail_buddy.models import BuddyProgrammePage, Intake


def page_data(privacy_notice: str, **extra) -> dict:
    return nested_form_data({
        "title": "ESN Graz buddies", "slug": "graz-buddies", "section_name": "ESN Graz",
        "contact_email": "buddy@esn-graz.example", "intro": streamfield([]),
        "privacy_notice": rich_text(privacy_notice), "charter": rich_text(""),
        "extra_questions": streamfield([]), "pairing_mode": "coordinator", "answer_days": 4,
        **extra,
    })


def add_url(parent: Page) -> str:
    return f"/admin/pages/add/wagtail_buddy/buddyprogrammepage/{parent.pk}/"


@pytest.mark.parametrize("notice", ["", "<p></p>", "<p> </p>"])
def test_publishing_without_a_privacy_notice_is_refused_with_a_message(
        admin_client, home_page, notice):
    data = page_data(notice, **{"action-publish": "publish"})
    response = admin_client.post(add_url(home_page), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "privacy_notice" in errors and "before publishing" in str(errors["privacy_notice"])
    assert not BuddyProgrammePage.objects.exists()


def test_a_draft_without_a_privacy_notice_saves_and_publishing_with_one_works(
        admin_client, home_page):
    response = admin_client.post(add_url(home_page), page_data(""))
    assert response.status_code == 302, response.context["form"].errors
    page = BuddyProgrammePage.objects.get()
    assert not page.live
    data = page_data("We keep your data for one year.", **{"action-publish": "publish"})
    response = admin_client.post(f"/admin/pages/{page.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    page.refresh_from_db()
    assert page.live and "one year" in page.privacy_notice


def test_signup_stays_closed_on_a_page_published_without_a_notice(client, programme, intake):
    assert "signup/local/" in client.get(programme.url).content.decode()
    programme.privacy_notice = "<p> </p>"
    programme.save_revision().publish()
    response = client.get(programme.url + "signup/local/")
    assert 'name="consent"' not in response.content.decode()
    assert 'href="' + programme.url + 'signup/local/"' not in client.get(
        programme.url).content.decode()
    assert Intake.objects.get(pk=intake.pk).signup_open  # the intake itself is untouched
