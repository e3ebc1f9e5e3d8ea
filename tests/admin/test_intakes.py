"""Intakes and interests in the admin: scoped to the coordinator's programmes."""

from datetime import date

import pytest
from django.urls import reverse

from wagtail_buddy.models import Intake, Interest

from ..conftest import make_coordinator, make_programme

pytestmark = pytest.mark.django_db

CODENAMES = ("view_participant", "manage_programme_settings", "add_intake", "change_intake",
             "view_intake", "add_interest", "change_interest", "view_interest")


@pytest.fixture
def two_sections(django_user_model, home_page, programme, intake):
    other = make_programme(home_page, "Other section")
    other_intake = Intake.objects.create(programme=other, name="Their autumn",
                                         starts_on=date(2027, 9, 1), ends_on=date(2028, 1, 31))
    mine = make_coordinator(django_user_model, "mine", programme, CODENAMES)
    return mine, other, other_intake


def test_intake_list_shows_only_my_programmes(client, two_sections, intake):
    mine, _, other_intake = two_sections
    client.force_login(mine)
    response = client.get(reverse("wagtail_buddy_intakes:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert intake.name in html
    assert other_intake.name not in html


def test_another_sections_intake_cannot_be_opened_or_changed(client, two_sections):
    mine, _, other_intake = two_sections
    client.force_login(mine)
    url = reverse("wagtail_buddy_intakes:edit", args=[other_intake.pk])
    assert client.get(url).status_code != 200
    client.post(url, {"programme": other_intake.programme_id, "name": "Hijacked",
                      "starts_on": "2027-09-01", "ends_on": "2028-01-31"})
    other_intake.refresh_from_db()
    assert other_intake.name == "Their autumn"


def test_create_form_offers_only_my_programmes(client, two_sections, programme):
    mine, other, _ = two_sections
    client.force_login(mine)
    response = client.get(reverse("wagtail_buddy_intakes:add"))
    assert response.status_code == 200
    choices = list(response.context["form"].fields["programme"].queryset)
    assert choices == [programme.specific] or [c.pk for c in choices] == [programme.pk]
    response = client.post(reverse("wagtail_buddy_intakes:add"), {
        "programme": other.pk, "name": "Sneaky", "starts_on": "2027-09-01",
        "ends_on": "2028-01-31"})
    assert not Intake.objects.filter(name="Sneaky").exists()
    response = client.post(reverse("wagtail_buddy_intakes:add"), {
        "programme": programme.pk, "name": "Autumn 2027", "starts_on": "2027-09-01",
        "ends_on": "2028-01-31", "signup_open": "on"})
    assert Intake.objects.filter(name="Autumn 2027", programme=programme).exists()


def test_intakes_attach_to_the_canonical_copy_only(client, admin_user, programme):
    """A translated copy shares the canonical copy's intakes; one attached to the copy
    itself would never be seen by sign-ups."""
    from wagtail.models import Locale

    copy = programme.copy_for_translation(Locale.objects.create(language_code="fr"),
                                          copy_parents=True)
    client.force_login(admin_user)
    response = client.get(reverse("wagtail_buddy_intakes:add"))
    assert [c.pk for c in response.context["form"].fields["programme"].queryset] == \
        [programme.pk]
    client.post(reverse("wagtail_buddy_intakes:add"), {
        "programme": copy.pk, "name": "On the copy", "starts_on": "2027-09-01",
        "ends_on": "2028-01-31", "signup_open": "on"})
    assert not Intake.objects.filter(name="On the copy").exists()


def test_interests_belong_to_a_programme(client, two_sections, programme, home_page,
                                         signup_payload):
    """A section's new interest is offered only on its own sign-up form (and on its
    translated copies), and another section's coordinator cannot see or change it."""
    from wagtail.models import Locale

    mine, other, _ = two_sections
    client.force_login(mine)
    form = client.get(reverse("wagtail_buddy_interests:add")).context["form"]
    assert [p.pk for p in form.fields["programme"].queryset] == [programme.pk]
    response = client.post(reverse("wagtail_buddy_interests:add"),
                           {"programme": programme.pk, "name": "Salsa & Tango", "active": "on"})
    assert response.status_code == 302
    salsa = Interest.objects.get(name="Salsa & Tango")
    assert salsa.programme_id == programme.pk and salsa.slug == "salsa-tango"
    # The same name in another programme is another interest, with its own slug.
    theirs = Interest.objects.create(programme=other, name="Salsa & Tango")
    assert theirs.slug == "salsa-tango" and theirs.pk != salsa.pk
    refused = client.post(reverse("wagtail_buddy_interests:add"),
                          {"programme": other.pk, "name": "Karaoke", "active": "on"})
    assert refused.status_code == 200 and not Interest.objects.filter(name="Karaoke").exists()
    for view in ("edit", "delete"):
        url = reverse(f"wagtail_buddy_interests:{view}", args=[theirs.pk])
        assert client.get(url).status_code in (302, 403, 404)
        client.post(url, {"programme": other.pk, "name": "Renamed", "active": ""})
    theirs.refresh_from_db()
    assert theirs.name == "Salsa & Tango" and theirs.active
    listing = client.get(reverse("wagtail_buddy_interests:list")).content.decode()
    assert f"/edit/{salsa.pk}/" in listing and f"/edit/{theirs.pk}/" not in listing

    def offered(page) -> set[int]:
        url = page.url + page.reverse_subpage("signup", kwargs={"role": "international"})
        form = client.get(url).context["form"]
        return {pk for pk, _name in form.fields["interests"].choices}

    client.logout()
    Intake.objects.filter(programme=other).update(signup_open=True)
    copy = programme.copy_for_translation(Locale.objects.create(language_code="fr"),
                                          copy_parents=True)
    copy.save_revision().publish()
    assert offered(programme) == {salsa.pk}
    assert offered(copy) == {salsa.pk}  # translated copies share the canonical's interests
    assert offered(other) == {theirs.pk}


def test_coordinators_manage_the_interest_vocabulary(client, two_sections, programme):
    mine, _, _ = two_sections
    client.force_login(mine)
    response = client.post(reverse("wagtail_buddy_interests:add"),
                           {"programme": programme.pk, "name": "Salsa", "active": "on"})
    assert response.status_code == 302
    assert Interest.objects.filter(slug="salsa", active=True, programme=programme).exists()
