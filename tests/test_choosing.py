"""Modes "buddies choose" and "mixed": the window, the list, the claim and its refusals,
the undo, the emails, and a later run keeping every claim."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_participant, make_programme
from wagtail_buddy.models import (
    BuddyLogEntry,
    Intake,
    Match,
    MatchingRun,
    OutboundEmail,
    Participant,
)
from wagtail_buddy.services import answers, choosing, lifecycle, runs, tokens
from wagtail_buddy.services.email_rendering import render_email

pytestmark = pytest.mark.usefixtures("buddy_cache")


def open_window(intake, *, per_day=1, per_intake=None, opens=-1, closes=1):
    now = timezone.now()
    intake.choosing_opens_at = now + timedelta(days=opens)
    intake.choosing_closes_at = now + timedelta(days=closes)
    intake.choices_per_day, intake.choices_per_intake = per_day, per_intake
    intake.save()
    return intake


@pytest.fixture
def choose(programme, intake):
    programme.pairing_mode = "choose"
    programme.save(update_fields=["pairing_mode"])
    open_window(intake)
    return programme


@pytest.fixture
def people(participant_factory, interests):
    buddy = participant_factory("local", first_name="Bruno", capacity=2, languages=("en", "fr"),
                                interests=interests[:2], phone="+33 6 22 22 22 22")
    ana = participant_factory("international", first_name="Ana", languages=("en",),
                              interests=interests[:2], preferred_language="fr",
                              phone="+34 6 11 11 11 11", home_university="UCM")
    ben = participant_factory("international", first_name="Ben", languages=("en",))
    # a hard rule keeps her from Bruno: no common language
    kim = participant_factory("international", first_name="Kim", languages=("de",))
    return {"buddy": buddy, "ana": ana, "ben": ben, "kim": kim}


def private_url(programme, person):
    return programme.url + programme.reverse_subpage(
        "participant", kwargs={"token": tokens.make_token(person, tokens.ACCESS)})


def choose_url(programme, person, purpose=tokens.ACCESS):
    return programme.url + programme.reverse_subpage(
        "choose", kwargs={"token": tokens.make_token(person, purpose)})


# --------------------------------------------------------------------------- settings


def test_the_coordinator_mode_stays_the_default_and_shows_no_list(programme, people, client):
    assert programme.pairing_mode == "coordinator"
    assert choosing.overview(people["buddy"]) is None
    body = client.get(private_url(programme, people["buddy"])).content.decode()
    assert 'id="choosing"' not in body
    with pytest.raises(choosing.ChoosingError, match="coordinators make the pairs"):
        choosing.claim(people["buddy"].pk, people["ana"].pk)


@pytest.mark.parametrize("opens,closes,per_day,per_intake,field", [
    (1, None, 1, None, "choosing_closes_at"),
    (None, 1, 1, None, "choosing_opens_at"),
    (2, 1, 1, None, "choosing_closes_at"),
    (1, 1, 1, None, "choosing_closes_at"),
    (1, 2, 3, 2, "choices_per_day"),
])
def test_the_window_and_caps_are_validated(intake, opens, closes, per_day, per_intake, field):
    now = timezone.now()
    intake.choosing_opens_at = now + timedelta(days=opens) if opens is not None else None
    intake.choosing_closes_at = now + timedelta(days=closes) if closes is not None else None
    intake.choices_per_day, intake.choices_per_intake = per_day, per_intake
    with pytest.raises(ValidationError) as info:
        intake.full_clean()
    assert field in info.value.message_dict


def test_the_intake_admin_edits_the_window_with_clear_errors(admin_client, intake):
    client = admin_client
    url = f"/admin/buddy/intakes/edit/{intake.pk}/"
    data = {"programme": intake.programme_id, "name": intake.name,
            "starts_on": "2027-02-01", "ends_on": "2027-07-01", "signup_open": "on",
            "choosing_opens_at": "2027-01-20 10:00", "choosing_closes_at": "2027-01-10 10:00",
            "choices_per_day": "1", "choices_per_intake": ""}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "The choosing window must close after it opens." in response.content.decode()
    intake.refresh_from_db()
    assert intake.choosing_opens_at is None
    data["choosing_closes_at"] = "2027-01-30 10:00"
    assert client.post(url, data).status_code == 302
    intake.refresh_from_db()
    assert intake.choosing_closes_at > intake.choosing_opens_at


# --------------------------------------------------------------------------- the list


def test_the_list_keeps_the_hard_rules_and_ranks_best_first(choose, people):
    data = choosing.overview(people["buddy"])
    assert data["state"] == "open" and data["waiting"] == 3
    names = [item["first_name"] for item in data["items"]]
    assert names == ["Ana", "Ben"]  # Kim shares no language; Ana shares interests
    ana = data["items"][0]
    assert ana["home_university"] == "UCM" and ana["shared_interests"] == ["Cinema", "Hiking"]
    assert any("Cinema" in words for words in ana["evidence"])
    assert not any("Born" in w or "gender" in w for w in ana["evidence"])  # no age, no gender
    assert set(ana) == {"id", "first_name", "country", "university", "faculty",
                        "arrival_date", "languages", "shared_interests", "scale", "evidence",
                        "home_university"}


def test_gender_preference_and_availability_hide_students(choose, people, participant_factory,
                                                          intake):
    participant_factory("international", first_name="Sam", gender="male",
                        gender_preference="same")
    participant_factory("international", first_name="Late",
                        arrival_date=date(2027, 9, 1))
    Participant.objects.filter(pk=people["buddy"].pk).update(available_until=date(2027, 6, 1))
    names = [i["first_name"] for i in choosing.overview(people["buddy"])["items"]]
    assert "Sam" not in names and "Late" not in names and "Ana" in names


def test_the_page_shows_no_contact_details_and_pages_through(choose, people, client,
                                                              participant_factory):
    for n in range(25):
        participant_factory("international", first_name=f"Extra{n}", phone="+49 1 2 3")
    body = client.get(private_url(choose, people["buddy"])).content.decode()
    assert 'data-choosing="open"' in body and "Choose Ana" in body
    start = body.index('id="choosing"')
    section = body[start:body.index("</section>", start)]
    assert "Choose Ana" in section and "Ben" in section
    for private in (people["ana"].email, "+34 6", people["ana"].last_name, "+49 1"):
        assert private not in body
    assert body.count("data-student=") == choosing.PER_PAGE
    second = client.get(private_url(choose, people["buddy"]) + "?choose_page=2").content.decode()
    assert second.count("data-student=") == 27 - choosing.PER_PAGE


def test_the_list_query_count_is_constant(choose, people, participant_factory,
                                          django_assert_max_num_queries):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            choosing.overview(Participant.objects.select_related("intake__programme").get(
                pk=people["buddy"].pk))
        return len(ctx.captured_queries)
    few = count()
    for n in range(40):
        participant_factory("international", first_name=f"More{n}", interests=[])
    assert count() == few


def test_withdrawn_and_deleted_students_disappear_at_once(choose, people):
    lifecycle.withdraw([people["ana"]])
    lifecycle.erase([people["ben"]])
    assert choosing.overview(people["buddy"]).get("items", []) == []


def test_before_and_after_the_window(choose, people, intake, client):
    open_window(intake, opens=2, closes=3)
    body = client.get(private_url(choose, people["buddy"])).content.decode()
    assert 'data-choosing="before"' in body and "3 students are waiting" in body
    assert "Choose Ana" not in body
    with pytest.raises(choosing.ChoosingError, match="Choosing opens on"):
        choosing.claim(people["buddy"].pk, people["ana"].pk)
    open_window(intake, opens=-3, closes=-1)
    body = client.get(private_url(choose, people["buddy"])).content.decode()
    assert 'data-choosing="closed"' in body and "Choose Ana" not in body
    with pytest.raises(choosing.ChoosingError, match="Choosing is closed"):
        choosing.claim(people["buddy"].pk, people["ana"].pk)
    assert not Match.objects.exists()


# --------------------------------------------------------------------------- the claim


def test_a_claim_is_a_locked_confirmed_pair_and_the_student_is_emailed(choose, people, client):
    response = client.post(choose_url(choose, people["buddy"]), {"student": people["ana"].pk})
    assert response.status_code == 302 and "chosen=1" in response["Location"]
    match = Match.objects.get()
    assert (match.mentor_id, match.mentee_id, match.status, match.locked, match.source) == (
        people["buddy"].pk, people["ana"].pk, "confirmed", True, "buddy")
    assert Participant.objects.get(pk=people["ana"].pk).status == "matched"
    email = OutboundEmail.objects.get(purpose="chosen")
    assert email.participant_id == people["ana"].pk
    message = render_email(email)
    html = message.alternatives[0][0]
    assert "Bruno" in message.body and "Bonjour" in message.body  # her language
    assert "Cinéma" in message.body or "Cinema" in message.body
    assert "Bruno" in html and "+33 6" not in message.body + html
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.claim", data__match=match.pk)
    # the student sees her buddy on her page
    body = client.get(private_url(choose, people["ana"])).content.decode()
    assert "Bruno" in body and "Your buddy" in body


def test_every_bad_claim_is_refused_and_changes_nothing(choose, people, participant_factory,
                                                        intake, client):
    buddy, ana = people["buddy"], people["ana"]
    other = participant_factory("local", first_name="Other", capacity=1)
    choosing.claim(other.pk, ana.pk)
    gone = participant_factory("international", first_name="Gone")
    lifecycle.withdraw([gone])
    before = (Match.objects.count(), OutboundEmail.objects.count())
    cases = [
        (buddy.pk, ana.pk, "Another buddy has just chosen"),           # just taken
        (buddy.pk, people["kim"].pk, "not on your list"),              # a hard rule
        (buddy.pk, 999999, "no longer in the programme"),              # forged / deleted id
        (buddy.pk, gone.pk, "no longer in the programme"),             # withdrew meanwhile
        (buddy.pk, other.pk, "no longer in the programme"),            # not a student
        (ana.pk, people["ben"].pk, "no longer choose"),                # a student choosing
    ]
    for buddy_id, student_id, message in cases:
        with pytest.raises(choosing.ChoosingError, match=message):
            choosing.claim(buddy_id, student_id)
    assert (Match.objects.count(), OutboundEmail.objects.count()) == before
    response = client.post(choose_url(choose, buddy), {"student": ana.pk})
    assert response.status_code == 409 and "Another buddy has just chosen" in \
        response.content.decode()
    response = client.post(choose_url(choose, buddy), {"student": "nonsense"})
    assert response.status_code == 409


def test_links_of_another_purpose_and_gets_are_refused(choose, people, client):
    url = choose_url(choose, people["buddy"], purpose=tokens.CHECKIN)
    assert client.post(url, {"student": people["ana"].pk}).status_code == 404
    assert client.get(choose_url(choose, people["buddy"])).status_code == 405
    assert client.post(choose_url(choose, people["buddy"])[:-3] + "xx/",
                       {"student": people["ana"].pk}).status_code == 404
    assert not Match.objects.exists()


def test_twice_the_same_student(choose, people):
    choosing.claim(people["buddy"].pk, people["ana"].pk)
    with pytest.raises(choosing.ChoosingError, match="just chosen"):
        choosing.claim(people["buddy"].pk, people["ana"].pk)
    assert Match.objects.count() == 1


def test_the_caps_per_day_per_intake_and_capacity(choose, people, intake, participant_factory):
    buddy = people["buddy"]
    choosing.claim(buddy.pk, people["ana"].pk)
    with pytest.raises(choosing.ChoosingError, match="today"):
        choosing.claim(buddy.pk, people["ben"].pk)
    tomorrow = timezone.now() + timedelta(days=1, hours=1)
    open_window(intake, per_day=1, per_intake=1, closes=3)
    with pytest.raises(choosing.ChoosingError, match="most allowed in this intake"):
        choosing.claim(buddy.pk, people["ben"].pk, now=tomorrow)
    open_window(intake, per_day=5, per_intake=None, closes=3)
    choosing.claim(buddy.pk, people["ben"].pk)  # capacity 2: the second place
    extra = participant_factory("international", first_name="Extra")
    with pytest.raises(choosing.ChoosingError, match="as many students as you said"):
        choosing.claim(buddy.pk, extra.pk)
    assert Match.objects.filter(mentor=buddy).count() == 2
    assert "cap_message" in choosing.overview(buddy)


def test_a_withdrawn_buddy_cannot_claim(choose, people):
    lifecycle.withdraw([people["buddy"]])
    with pytest.raises(choosing.ChoosingError, match="withdrawn"):
        choosing.claim(people["buddy"].pk, people["ana"].pk)
    assert not Match.objects.exists()


def test_no_claim_while_a_run_is_active(choose, people, intake):
    MatchingRun.objects.create(programme=choose, intake=intake)
    with pytest.raises(choosing.ChoosingError, match="right now"):
        choosing.claim(people["buddy"].pk, people["ana"].pk)


# --------------------------------------------------------------------------- mixed


def test_mixed_with_both_accept_asks_the_student_first(choose, people, client):
    choose.pairing_mode, choose.mixed_both_accept = "mixed", True
    choose.save(update_fields=["pairing_mode", "mixed_both_accept"])
    match = choosing.claim(people["buddy"].pk, people["ana"].pk)
    assert (match.status, match.answers, match.mentor_answer, match.locked) == (
        "proposed", "waiting", "accepted", True)
    message = render_email(OutboundEmail.objects.get(purpose="chosen"))
    assert "/answer/" in message.body
    body = client.get(private_url(choose, people["ana"])).content.decode()
    assert "people['buddy'].email" not in body and people["buddy"].email not in body
    ana = Participant.objects.get(pk=people["ana"].pk)
    answers.answer(match.pk, ana, accept=True)
    match.refresh_from_db()
    assert match.status == "confirmed" and match.introduced_at
    assert people["buddy"].email in client.get(private_url(choose, ana)).content.decode()


def test_mixed_without_both_accept_confirms_and_the_coordinator_confirms_as_usual(
        choose, people, coordinator):
    choose.pairing_mode = "mixed"
    choose.save(update_fields=["pairing_mode"])
    assert choosing.claim(people["buddy"].pk, people["ana"].pk).status == "confirmed"
    assert not answers.asks_students(choose)
    choose.mixed_both_accept = True
    assert answers.asks_students(choose)


# --------------------------------------------------------------------------- undo and runs


def test_the_coordinator_undoes_a_claim_with_a_reason(choose, people, coordinator, client):
    match = choosing.claim(people["buddy"].pk, people["ana"].pk)
    client.force_login(coordinator)
    url = f"/admin/buddy/match/{match.pk}/undo-claim/"
    assert client.post(url, {"reason": ""}).status_code == 302
    assert Match.objects.get().status == "confirmed"  # no reason: nothing changed
    body = client.get(f"/admin/buddy/match/{match.pk}/").content.decode()
    assert 'id="undo-claim"' in body
    assert client.post(url, {"reason": "Bruno asked twice"}).status_code == 302
    match.refresh_from_db()
    assert (match.status, match.end_reason, match.locked) == ("cancelled", "Bruno asked twice",
                                                              False)
    assert Participant.objects.get(pk=people["ana"].pk).status == "waiting"
    entry = BuddyLogEntry.objects.get(action="wagtail_buddy.claim_undo", data__match=match.pk)
    assert entry.data["reason"] == "Bruno asked twice" and entry.user_id == coordinator.pk
    assert set(OutboundEmail.objects.filter(purpose="cancelled").values_list(
        "participant_id", flat=True)) == {people["ana"].pk, people["buddy"].pk}
    with pytest.raises(choosing.ChoosingError, match="nothing to undo"):
        choosing.undo(match, coordinator, "again")


def test_undo_needs_the_match_permission(choose, people, django_user_model, client):
    from tests.conftest import make_coordinator
    viewer = make_coordinator(django_user_model, "viewer", choose, codenames=(
        "view_participant",))
    match = choosing.claim(people["buddy"].pk, people["ana"].pk)
    client.force_login(viewer)
    client.post(f"/admin/buddy/match/{match.pk}/undo-claim/", {"reason": "x"})
    assert Match.objects.get().status == "confirmed"


def test_a_run_after_the_window_keeps_every_claim(choose, people, intake, coordinator,
                                                  participant_factory):
    first = choosing.claim(people["buddy"].pk, people["ana"].pk)
    participant_factory("local", first_name="Lea", capacity=2)
    open_window(intake, opens=-3, closes=-1)
    run = runs.start_run(choose, intake, coordinator, None)
    runs.execute_run(run.pk)
    first.refresh_from_db()
    assert (first.status, first.locked, first.mentor_id) == ("confirmed", True,
                                                             people["buddy"].pk)
    assert Match.objects.filter(mentee=people["ana"], status__in=Match.ACTIVE).count() == 1
    assert Match.objects.filter(mentee=people["ben"], status="proposed").exists()
    run.refresh_from_db()
    assert run.summary["kept"] == 1


def test_the_overview_says_the_window_closed_and_what_is_left(choose, people, intake,
                                                              coordinator, client):
    choosing.claim(people["buddy"].pk, people["ana"].pk)
    open_window(intake, opens=-3, closes=-1)
    client.force_login(coordinator)
    body = client.get("/admin/buddy/").content.decode()
    assert 'data-todo="choosing_closed"' in body and "2 students are still waiting" in body
    assert "student chosen by a buddy" in body


def test_the_privacy_section_says_what_buddies_see_only_in_choosing_modes(programme, intake,
                                                                         client):
    url = programme.url + programme.reverse_subpage("signup", kwargs={"role": "international"})
    body = client.get(url).content.decode()
    assert 'id="s-privacy"' in body and "data-choosing-privacy" not in body
    programme.pairing_mode = "mixed"
    programme.save_revision().publish()
    body = client.get(url).content.decode()
    assert "data-choosing-privacy" in body and "arrival date" in body


@settings(max_examples=15, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(per_day=st.integers(1, 3), per_intake=st.none() | st.integers(1, 3),
       capacities=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       attempts=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 4)), max_size=12))
def test_claims_never_pass_a_cap_or_take_a_student_twice(choose, intake, participant_factory,
                                                         per_day, per_intake, capacities,
                                                         attempts):
    cast = getattr(choose, "_cast", None)
    if cast is None:
        cast = choose._cast = (
            [participant_factory("local", first_name=f"B{n}") for n in range(2)],
            [participant_factory("international", first_name=f"S{n}") for n in range(5)])
    buddies, students = cast
    Match.objects.filter(intake=intake).delete()
    Participant.objects.filter(intake=intake).update(status="waiting")
    for buddy, capacity in zip(buddies, capacities, strict=True):
        Participant.objects.filter(pk=buddy.pk).update(capacity=capacity)
    open_window(intake, per_day=per_day, per_intake=per_intake)
    limit = [min(per_day, per_intake or 99, capacities[b]) for b in range(2)]
    granted, taken = Counter(), set()
    for b, s in attempts:
        expected = s not in taken and granted[b] < limit[b]  # the rules, as a model
        before = Match.objects.count()
        try:
            choosing.claim(buddies[b].pk, students[s].pk)
            granted[b] += 1
            taken.add(s)
            assert expected
        except choosing.ChoosingError as exc:
            assert not expected and str(exc)
            assert Match.objects.count() == before  # told, nothing changed
    for b in range(2):
        assert Match.objects.filter(mentor=buddies[b]).count() == granted[b] <= limit[b]
    mentees = list(Match.objects.values_list("mentee_id", flat=True))
    assert len(mentees) == len(set(mentees)) == len(taken)


def test_a_second_section_on_the_same_site_keeps_its_students(choose, people, home_page,
                                                              client):
    """Two sections choosing at once on one site: a buddy sees and claims only their own
    section's students; a forged id from the other section is refused and changes nothing."""
    other = make_programme(home_page, title="Lyon")
    other.pairing_mode = "choose"
    other.save(update_fields=["pairing_mode"])
    lyon = open_window(Intake.objects.create(
        programme=other, name="Spring 2027", starts_on=date(2027, 2, 1),
        ends_on=date(2027, 7, 1), signup_open=True))
    zoe = make_participant(lyon, "international", first_name="Zoe", languages=("en",))
    lyon_buddy = make_participant(lyon, "local", first_name="Luc", languages=("en",))
    body = client.get(private_url(choose, people["buddy"])).content.decode()
    assert "Ana" in body and "Zoe" not in body
    assert "Zoe" in client.get(private_url(other, lyon_buddy)).content.decode()
    with pytest.raises(choosing.ChoosingError, match="no longer in the programme"):
        choosing.claim(people["buddy"].pk, zoe.pk)
    response = client.post(choose_url(choose, people["buddy"]), {"student": zoe.pk})
    assert response.status_code == 409 and not Match.objects.exists()
    choosing.claim(lyon_buddy.pk, zoe.pk)
    assert Match.objects.get().intake == lyon
