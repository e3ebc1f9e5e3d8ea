"""What a returning buddy is asked again is the coordinators' choice (``rejoin_fields`` in
the programme page's settings): those fields are shown with last time's answers, the rest
of the profile is kept unchanged; availability and capacity by default."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_participant
from tests.security.test_coordinator_groups import edit_data
from wagtail_buddy.forms import RejoinForm
from wagtail_buddy.models import BuddyProgrammePage, Intake, Participant
from wagtail_buddy.models.programme import RejoinField
from wagtail_buddy.services import rejoin, tokens

pytestmark = pytest.mark.usefixtures("buddy_cache")

ALWAYS = {"tell_next_intake", "consent", "charter"}
FORM_FIELDS = {"availability": {"available_from", "available_until"},
               "studies": {"university", "faculty"}}


@pytest.fixture
def diet_programme(programme):
    block = programme.extra_questions.stream_block.child_blocks["question"]
    programme.extra_questions = [("question", block.to_python(
        {"key": "diet", "label": "Diet", "kind": "choice", "choices": ["Vegan", "Anything"],
         "required": False, "roles": "both"}))]
    programme.save_revision().publish()
    return BuddyProgrammePage.objects.get(pk=programme.pk)


@pytest.fixture
def past(diet_programme, interests):
    past_intake = Intake.objects.create(programme=diet_programme, name="Autumn 2026",
                                        starts_on=date(2026, 9, 1),
                                        ends_on=date(2027, 1, 31), signup_open=False)
    buddy = make_participant(past_intake, "local", languages=("fr", "en"), capacity=2,
                             status=Participant.Status.ENDED, preferred_language="en",
                             interests=interests[:2], phone="+33 6 12", faculty="History",
                             available_from=date(2026, 9, 1),
                             extra_answers={"diet": "Vegan"})
    rejoin.set_asked(buddy, True)
    return buddy


def choose(programme, fields):
    BuddyProgrammePage.objects.filter(pk=programme.pk).update(rejoin_fields=list(fields))


def link(past, intake) -> str:
    return tokens.rejoin_url(past, intake.pk).split("localhost", 1)[1]


def inputs(html: str, name: str) -> dict[str, bool]:
    """value -> checked, for the checkboxes/radios called ``name``."""
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return {re.search(r'value="([^"]*)"', t).group(1): " checked" in t for t in tags}


def test_the_default_asks_availability_and_capacity(programme, admin_user, client):
    assert programme.rejoin_fields == ["availability", "capacity"]
    client.force_login(admin_user)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[programme.pk])).content.decode()
    boxes = inputs(html, "rejoin_fields")
    assert list(boxes) == [c.value for c in RejoinField]
    assert [value for value, checked in boxes.items() if checked] == ["availability",
                                                                       "capacity"]


def test_the_page_editor_saves_the_choice_and_refuses_others(programme, coordinator):
    form_class = type(programme).get_edit_handler().get_form_class()
    data = edit_data(programme, programme.coordinator_groups.all())
    data["rejoin_fields"] = ["languages", "extra_questions"]
    form = form_class(MultiValueDict({k: v if isinstance(v, list) else [v]
                                      for k, v in data.items()}),
                      instance=programme, for_user=coordinator,
                      parent_page=programme.get_parent())
    assert form.is_valid(), form.errors
    form.save(commit=False).save_revision(user=coordinator).publish()
    assert BuddyProgrammePage.objects.get(pk=programme.pk).rejoin_fields == [
        "languages", "extra_questions"]
    data["rejoin_fields"] = ["email"]  # not a choice: a buddy's address is never re-asked
    form = form_class(MultiValueDict({k: v if isinstance(v, list) else [v]
                                      for k, v in data.items()}),
                      instance=programme, for_user=coordinator,
                      parent_page=programme.get_parent())
    assert not form.is_valid() and "rejoin_fields" in form.errors


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=st.sets(st.sampled_from([c.value for c in RejoinField])))
def test_the_form_asks_exactly_what_is_chosen(chosen, diet_programme, past, intake):
    choose(diet_programme, chosen)
    page = BuddyProgrammePage.objects.get(pk=diet_programme.pk)
    form = RejoinForm(programme=page, past=past)
    expected = set().union(*(FORM_FIELDS.get(c, {c}) for c in chosen)) - {"extra_questions"}
    if "extra_questions" in chosen:
        expected.add("extra_diet")
    assert set(form.fields) == expected | ALWAYS
    shown = {"capacity": 2, "faculty": "History", "extra_diet": "Vegan",
             "available_from": None}
    for name in expected & set(shown):
        assert form[name].value() == shown[name]  # last time's answer (not the old dates)
    if "languages" in expected:
        assert sorted(form["languages"].value()) == ["en", "fr"]


def test_marked_fields_are_asked_prefilled_and_the_rest_is_kept(
        diet_programme, past, intake, interests, client):
    choose(diet_programme, ["languages", "extra_questions"])
    html = client.get(link(past, intake)).content.decode()
    assert 'name="languages"' in html and 'name="extra_diet"' in html
    assert 'name="capacity"' not in html and 'name="available_from"' not in html
    assert 'name="interests"' not in html and 'name="first_name"' not in html
    languages = inputs(html, "languages")
    assert {code for code, checked in languages.items() if checked} == {"fr", "en"}
    assert inputs(html, "extra_diet") == {} and '<option value="Vegan" selected>' in html
    response = client.post(link(past, intake), {"languages": ["de"], "extra_diet": "Anything",
                                                "consent": "on", "charter": "on"})
    assert response.status_code == 200
    new = Participant.objects.get(intake=intake)
    assert list(new.languages.values_list("pk", flat=True)) == ["de"]  # asked: changed
    assert new.extra_answers == {"diet": "Anything"}
    assert (new.capacity, new.phone, new.faculty) == (2, "+33 6 12", "History")  # kept
    assert set(new.interests.all()) == set(interests[:2])
    assert new.available_from is None  # last semester's dates are not carried over


def test_nothing_marked_asks_only_consent_and_keeps_everything(diet_programme, past, intake,
                                                                client):
    choose(diet_programme, [])
    html = client.get(link(past, intake)).content.decode()
    assert 'name="consent"' in html and 'name="capacity"' not in html
    client.post(link(past, intake), {"consent": "on", "charter": "on"})
    new = Participant.objects.get(intake=intake)
    assert (new.capacity, new.extra_answers) == (2, {"diet": "Vegan"})
    assert set(new.languages.values_list("pk", flat=True)) == {"fr", "en"}
