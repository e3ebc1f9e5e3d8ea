"""Only people who may manage a programme's buddy settings change who coordinates it; a page
publisher without that right keeps the groups as they are (issue 14, finding 2)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.conftest import make_coordinator, make_programme
from wagtail_buddy.models import BuddyProgrammePage
from wagtail_buddy.permissions import programmes_for_user


def form_for(page, user):
    form_class = type(page).get_edit_handler().get_form_class()
    return form_class(instance=page, for_user=user)


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("mod", "mod@example.org", "pw")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def intruder(django_user_model, home_page):
    """The coordinator of another section, who would like this programme's participants."""
    return make_coordinator(django_user_model, "intruder", make_programme(home_page, "Other"))


def edit_data(page, groups) -> dict:
    """The page editor's POST: every field as it is, the groups as given, publish."""
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    data = nested_form_data({
        "title": "Buddy Programme", "slug": page.slug, "section_name": "ESN x",
        "contact_email": "buddy@example.org", "intro": streamfield([]),
        "privacy_notice": rich_text("<p>We store your data.</p>"),
        "charter": rich_text("<p>Be kind.</p>"), "extra_questions": streamfield([]),
        "pairing_mode": page.pairing_mode, "answer_days": page.answer_days,
        "action-publish": "publish",
    })
    data["coordinator_groups"] = [str(g.pk) for g in groups]
    return data


def groups_of(page):
    return set(BuddyProgrammePage.objects.get(pk=page.pk).coordinator_groups.all())


def test_publishing_a_draft_with_other_groups_keeps_the_groups(programme, coordinator,
                                                               intruder, moderator):
    rightful = groups_of(programme)
    draft = BuddyProgrammePage.objects.get(pk=programme.pk)
    draft.coordinator_groups.set(list(intruder.groups.all()))
    revision = draft.save_revision(user=moderator)
    revision.publish(user=moderator)
    assert groups_of(programme) == rightful
    assert not programmes_for_user(intruder).filter(pk=programme.pk).exists()
    assert programmes_for_user(coordinator).filter(pk=programme.pk).exists()


def test_the_page_editor_shows_the_field_only_to_who_may_change_access(
        programme, coordinator, intruder, moderator, admin_user):
    assert "coordinator_groups" not in form_for(programme, moderator).fields
    assert "coordinator_groups" not in form_for(programme, intruder).fields, \
        "managing another programme's settings gives no right over this one"
    assert "coordinator_groups" in form_for(programme, coordinator).fields
    assert "coordinator_groups" in form_for(programme, admin_user).fields


def test_moderator_publishes_through_the_editor_and_groups_stay(client, programme, coordinator,
                                                               intruder, moderator):
    rightful = groups_of(programme)
    client.force_login(moderator)
    url = reverse("wagtailadmin_pages:edit", args=[programme.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="coordinator_groups"' not in page.content.decode()
    data = edit_data(programme, intruder.groups.all())
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert BuddyProgrammePage.objects.get(pk=programme.pk).section_name == "ESN x"
    assert groups_of(programme) == rightful


def test_a_manager_changes_the_groups_at_once(programme, coordinator, moderator):
    """The editor's form writes the groups when saved (the edit view saves with
    commit=False, then makes a revision), and publishing keeps them."""
    new = Group.objects.create(name="New coordinators")
    form_class = type(programme).get_edit_handler().get_form_class()
    from django.utils.datastructures import MultiValueDict

    data = MultiValueDict({k: v if isinstance(v, list) else [v]
                           for k, v in edit_data(programme, [new]).items()})
    form = form_class(data, instance=programme, for_user=coordinator,
                      parent_page=programme.get_parent())
    assert form.is_valid(), form.errors
    page = form.save(commit=False)
    assert groups_of(programme) == {new}
    page.save_revision(user=coordinator).publish()
    assert groups_of(programme) == {new}
