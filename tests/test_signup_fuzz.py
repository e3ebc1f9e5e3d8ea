"""Junk thrown at the sign-up form and endpoints: a message, never a crash, never a row."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wagtail_buddy.forms import ParticipantForm
from wagtail_buddy.models import Participant
from wagtail_buddy.services import signup

FIELDS = ["first_name", "last_name", "email", "phone", "birth_year", "gender",
          "gender_preference", "nationality", "languages", "interests", "university",
          "faculty", "home_university", "arrival_date", "available_from", "available_until",
          "capacity", "exchange_country", "motivation", "preferred_language", "consent",
          "charter", "website"]
junk = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", "0", "-1", "1e309", "２０２０", "2027-13-45", "\x00", "\u202e",
                     "<b>x</b>", "99999999999999999999999", "None", "[]", "x" * 5000]),
    st.lists(st.text(max_size=20), max_size=3),
)
FAST = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


# An error on a field the junk did not touch is allowed only where a rule ties two fields.
TIED = {"gender_preference": {"gender"}, "available_from": {"available_until"}}


def as_post(data: dict) -> QueryDict:
    post = QueryDict(mutable=True)  # what a request gives the form: lists of strings
    for name, value in data.items():
        post.setlist(name, value if isinstance(value, list) else [value])
    return post


@FAST
@given(junked=st.dictionaries(st.sampled_from(FIELDS), junk, max_size=4),
       role=st.sampled_from(["local", "international"]))
def test_junk_is_stored_or_explained_beside_its_field(programme, intake, signup_payload,
                                                     junked, role):
    """Junk mixed into a valid sign-up either makes a form that can be stored, or errors
    on the junked fields only (each a message), never on a field the student got right."""
    form = ParticipantForm(as_post(signup_payload(role) | junked), programme=programme,
                           role=role)
    if form.is_valid():
        outcome = signup.register(programme, intake, role, form)
        assert outcome.kind == ("bot" if form.cleaned_data.get("website") else "created")
        if outcome.kind == "created":
            stored = Participant.objects.get(pk=outcome.participant.pk)
            assert stored.email == form.cleaned_data["email"]
            stored.delete()
        return
    touched = set(junked).union(*(TIED.get(name, set()) for name in junked))
    assert set(form.errors) - {"__all__"} <= touched & set(form.fields), form.errors
    assert all(message.strip() for messages in form.errors.values() for message in messages)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.dictionaries(st.sampled_from(FIELDS), junk, max_size=len(FIELDS)))
@pytest.mark.usefixtures("buddy_cache")
def test_signup_endpoint_answers_junk_with_a_form(client, programme, intake, data):
    url = programme.url + programme.reverse_subpage("signup", kwargs={"role": "local"})
    before = Participant.objects.count()  # examples share the test's database
    response = client.post(url, data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # refused: a message, and not one row written
        assert b"buddy-error" in response.content
        assert Participant.objects.count() == before
    assert not Participant.objects.exclude(status="unconfirmed").exists()


@pytest.mark.usefixtures("buddy_cache")
@pytest.mark.parametrize("path", ["me/{t}/", "me/{t}/download/", "me/{t}/withdraw/",
                                  "me/{t}/delete/", "confirm/{t}/", "checkin/{t}/"])
@pytest.mark.parametrize("token", ["x", "a" * 600, "WzEsImFiYyJd" + "A" * 49, "0" * 60])
def test_token_routes_refuse_junk(client, programme, path, token):
    url = programme.url + path.format(t=token)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code in (404, 405, 410), (url, response.status_code)


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "0", "1.5", "1\x00", "abc",
                                   "", "9223372036854775808", "4" * 5000])
def test_interest_ids_out_of_range_or_malformed_are_a_message(programme, intake, interests,
                                                              signup_payload, value):
    """Ids go to the database: too big for an integer column must not become a crash."""
    form = ParticipantForm(signup_payload(interests=[str(interests[0].pk), value]),
                           programme=programme, role="international")
    assert not form.is_valid()
    assert list(form.errors) == ["interests"]
    assert "Choose interests from the list." in form.errors["interests"][0]


def test_interest_ids_sent_twice_are_stored_once(client, programme, intake, interests,
                                                signup_payload):
    chosen = [str(interests[2].pk), str(interests[0].pk), str(interests[0].pk)]
    form = ParticipantForm(signup_payload(interests=chosen), programme=programme,
                           role="international")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["interests"] == [interests[2].pk, interests[0].pk, interests[0].pk]
    target = programme.url + programme.reverse_subpage("signup", kwargs={"role": "international"})
    data = signup_payload(interests=chosen, languages=["en", "en", "fr"])
    assert client.post(target, data).status_code == 302
    participant = Participant.objects.get()
    assert set(participant.interests.values_list("pk", flat=True)) == {interests[0].pk,
                                                                       interests[2].pk}
    assert set(participant.languages.values_list("code", flat=True)) == {"en", "fr"}
