"""Arrival and pick-up: the student gives it, their buddy answers, another buddy covers it
from the board; every refusal changes nothing; emails in the person's language; audited."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from wagtail_buddy.models import Arrival, BuddyLogEntry, Match, OutboundEmail, Participant
from wagtail_buddy.services import arrivals, tokens
from wagtail_buddy.services.email_rendering import render_email

pytestmark = pytest.mark.usefixtures("buddy_cache")

SOON = timezone.localdate() + timedelta(days=5)


def route(programme, name, participant, purpose=tokens.ACCESS):
    return programme.url + programme.reverse_subpage(
        name, kwargs={"token": tokens.make_token(participant, purpose)})


def form(**overrides) -> dict:
    data = {"arrival_date": SOON.isoformat(), "time": "14:30", "how": "train",
            "place": "__other__", "place_other": "Lyon Part-Dieu", "pickup": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def pair(participant_factory, intake):
    """An introduced pair: Ana (international, French emails) and her buddy Bruno."""
    ana = participant_factory("international", first_name="Ana", last_name="Secret",
                              preferred_language="fr", status="matched")
    bruno = participant_factory("local", first_name="Bruno", email="bruno@example.org",
                                phone="+33 6 22", status="matched")
    Match.objects.create(intake=intake, mentee=ana, mentor=bruno, status="confirmed",
                         confirmed_at=timezone.now(), introduced_at=timezone.now())
    return ana, bruno


def give(student, **kwargs) -> Arrival:
    values = {"day": SOON, "at": time(14, 30), "how": "train", "place": "Lyon Part-Dieu",
              "pickup": True, **kwargs}
    return arrivals.save_arrival(student, **values)


def emails(purpose):
    return list(OutboundEmail.objects.filter(purpose=purpose).select_related("participant"))


def snapshot(student):
    row = Arrival.objects.filter(participant=student).values().first()
    return row, Participant.objects.get(pk=student.pk).arrival_date


# --- the student -------------------------------------------------------------------------


def test_student_gives_arrival_and_asks_the_introduced_buddy(client, programme, pair):
    ana, bruno = pair
    response = client.post(route(programme, "arrival", ana), form())
    assert response.status_code == 302 and response["Location"].endswith("?arrival=saved#arrival")
    arrival = Arrival.objects.get(participant=ana)
    ana.refresh_from_db()
    assert ana.arrival_date == SOON  # the participant's own field, not a copy
    assert (arrival.time, arrival.how, arrival.place, arrival.pickup) == (
        time(14, 30), "train", "Lyon Part-Dieu", "asked")
    [asked] = emails("pickup_asked")
    assert asked.participant == bruno
    message = render_email(asked)
    html = message.alternatives[0][0]
    assert "Ana" in message.subject and "Lyon Part-Dieu" in message.body + html
    assert "Secret" not in message.body + html and ana.email not in message.body + html
    assert "/me/" in message.body and "/me/" in html
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.arrival_set",
                                        object_id=str(ana.pk)).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Your arrival is saved." in page and "Lyon Part-Dieu" in page


def test_saving_the_same_arrival_again_changes_and_sends_nothing(pair):
    ana, _bruno = pair
    first = give(ana)
    again = give(ana)
    assert again.version == first.version == 1
    assert len(emails("pickup_asked")) == 1
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.arrival_set").count() == 1


def test_without_a_buddy_the_pickup_goes_to_the_board(participant_factory):
    solo = participant_factory("international", first_name="Solo")
    helper = participant_factory("local", first_name="Helper")
    arrival = give(solo)
    assert arrival.pickup == "open" and not emails("pickup_asked")
    assert [a.pk for a in arrivals.board(helper)] == [arrival.pk]


@pytest.mark.parametrize("overrides, field, message", [
    ({"arrival_date": (timezone.localdate() - timedelta(days=1)).isoformat()},
     "arrival_date", "This date is in the past"),
    ({"arrival_date": "2027-07-02"}, "arrival_date", "after the intake ends"),
    ({"arrival_date": "not a date"}, "arrival_date", "Enter a valid date"),
    ({"time": "25:99"}, "time", "Enter a valid time"),
    ({"time": None}, "time", "This field is required"),
    ({"how": "rocket"}, "how", "Select a valid choice"),
    ({"place_other": ""}, "place_other", "Tell us where you arrive"),
    ({"place_other": "Gare\x00"}, "place_other", "control characters"),
    ({"place_other": "x" * 151}, "place_other", "at most 150"),
])
def test_bad_input_gets_a_clear_message_and_changes_nothing(client, programme, pair,
                                                           overrides, field, message):
    ana, _bruno = pair
    give(ana, place="Before")
    before = snapshot(ana)
    response = client.post(route(programme, "arrival", ana), form(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and f'id="id_{field}_error"' in html
    assert 'value="14:30"' in html or "time" in overrides  # what was typed is kept
    assert snapshot(ana) == before


def test_a_time_earlier_today_is_refused(pair):
    ana, _bruno = pair
    now = arrivals.moment(timezone.localdate(), time(12, 0))
    with pytest.raises(arrivals.ArrivalError, match="already passed") as caught:
        arrivals.save_arrival(ana, day=timezone.localdate(), at=time(11, 59), how="car",
                              place="Here", pickup=False, now=now)
    assert caught.value.field == "time" and not Arrival.objects.exists()
    assert arrivals.save_arrival(ana, day=timezone.localdate(), at=time(12, 1), how="car",
                                 place="Here", pickup=False, now=now).pickup == ""


def test_places_come_from_the_programme_list(client, programme, pair):
    ana, _bruno = pair
    programme.arrival_places = "Lyon Part-Dieu station\n\n  Lyon Saint-Exupéry airport \n"
    programme.save_revision().publish()
    html = client.get(route(programme, "participant", ana)).content.decode()
    assert "Lyon Saint-Exupéry airport" in html and "Somewhere else" in html
    url = route(programme, "arrival", ana)
    assert client.post(url, form(place="Not listed", place_other="")).status_code == 400
    assert client.post(url, form(place="", place_other="")).status_code == 400
    assert client.post(url, form(place="Lyon Saint-Exupéry airport",
                                 place_other="")).status_code == 302
    assert Arrival.objects.get(participant=ana).place == "Lyon Saint-Exupéry airport"
    assert client.post(url, form(place="__other__", place_other="Bus stop")).status_code == 302
    assert Arrival.objects.get(participant=ana).place == "Bus stop"


def test_only_taking_part_international_students_give_an_arrival(client, programme, pair,
                                                                  participant_factory):
    ana, bruno = pair
    response = client.post(route(programme, "arrival", bruno), form())
    assert response.status_code == 409 and "Only international students" in \
        response.content.decode()
    withdrawn = participant_factory("international", status="withdrawn")
    assert client.post(route(programme, "arrival", withdrawn), form()).status_code == 409
    assert not Arrival.objects.exists()


@pytest.mark.parametrize("purpose", [tokens.CHECKIN, tokens.CONFIRM, tokens.ANSWER])
def test_other_purpose_and_forged_links_change_nothing(client, programme, pair, purpose):
    ana, bruno = pair
    for name, who in (("arrival", ana), ("pickup_answer", bruno), ("pickups", bruno)):
        url = route(programme, name, who, purpose)
        assert client.post(url, form()).status_code == 404
        forged = programme.url + programme.reverse_subpage(name, kwargs={"token": "x" * 60})
        assert client.post(forged, form()).status_code == 404
    assert not Arrival.objects.exists()


# --- the buddy ---------------------------------------------------------------------------


def answer(client, programme, buddy, arrival, choice, version=None):
    return client.post(route(programme, "pickup_answer", buddy), {
        "arrival": arrival.pk, "version": arrival.version if version is None else version,
        "answer": choice})


def test_buddy_sees_it_and_says_ill_be_there(client, programme, pair):
    ana, bruno = pair
    arrival = give(ana)
    html = client.get(route(programme, "participant", bruno)).content.decode()
    assert "Ana asks you to pick them up." in html and "I'll be there" in html
    response = answer(client, programme, bruno, arrival, "yes")
    assert response.status_code == 302 and "arrival=yes" in response["Location"]
    arrival.refresh_from_db()
    assert (arrival.pickup, arrival.covered_by_id) == ("covered", bruno.pk)
    [covered] = emails("pickup_covered")
    assert covered.participant == ana
    message = render_email(covered)
    assert "Bonjour" in message.body and "bruno@example.org" in message.body
    assert "bruno@example.org" in message.alternatives[0][0]
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.pickup_yes").count() == 2
    # Twice: a clear answer, nothing changes.
    again = answer(client, programme, bruno, arrival, "yes")
    assert again.status_code == 409 and "already said" in again.content.decode()
    assert len(emails("pickup_covered")) == 1


def test_buddy_cannot_and_another_buddy_covers_from_the_board(client, programme, pair,
                                                             participant_factory):
    ana, bruno = pair
    other = participant_factory("local", first_name="Chloe", email="chloe@example.org",
                                phone="+33 7 77")
    arrival = give(ana)
    assert answer(client, programme, bruno, arrival, "no").status_code == 302
    arrival.refresh_from_db()
    assert arrival.pickup == "open" and arrival.covered_by is None
    board = client.get(route(programme, "pickups", other)).content.decode()
    assert "Ana" in board and "Lyon Part-Dieu" in board
    assert "Secret" not in board and ana.email not in board  # only first name, when, where
    response = client.post(route(programme, "pickups", other),
                           {"arrival": arrival.pk, "version": arrival.version})
    assert response.status_code == 302
    assert "emailed Ana your first name" in client.get(response["Location"]).content.decode()
    arrival.refresh_from_db()
    assert (arrival.pickup, arrival.covered_by_id) == ("covered", other.pk)
    message = render_email(emails("pickup_covered")[0])
    assert "Chloe" in message.subject and "chloe@example.org" in message.body
    assert "+33 7 77" in message.body
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.pickup_cover").count() == 2
    # The own buddy may no longer say yes: someone else covers it.
    late = answer(client, programme, bruno, arrival, "yes")
    assert late.status_code == 409 and "Another buddy already covers" in late.content.decode()


def test_someone_elses_pair_stale_pages_and_bad_answers_change_nothing(
        client, programme, pair, participant_factory):
    ana, bruno = pair
    stranger = participant_factory("local")
    arrival = give(ana)
    before = snapshot(ana)
    cases = [(stranger, "yes", None, "not one of your own students"),
             (bruno, "yes", arrival.version - 1, "changed since you opened"),
             (bruno, "maybe", None, "Please choose an answer"),
             (ana, "yes", None, "not one of your own students")]
    for who, choice, version, message in cases:
        response = answer(client, programme, who, arrival, choice, version)
        assert response.status_code == 409 and message in response.content.decode()
    response = client.post(route(programme, "pickup_answer", bruno),
                           {"arrival": "abc", "version": "", "answer": "yes"})
    assert response.status_code == 409
    assert snapshot(ana) == before and not emails("pickup_covered")


def test_the_board_refuses_students_stale_and_taken_pickups(client, programme, pair,
                                                           participant_factory, intake):
    ana, bruno = pair
    first = participant_factory("local")
    second = participant_factory("local")
    arrival = give(ana, pickup=True)
    arrivals.answer(arrival.pk, bruno, arrival.version, False)
    arrival.refresh_from_db()
    assert client.get(route(programme, "pickups", ana)).status_code == 403
    stale = client.post(route(programme, "pickups", first),
                        {"arrival": arrival.pk, "version": arrival.version - 1})
    assert stale.status_code == 409 and "changed since" in stale.content.decode()
    arrivals.cover(arrival.pk, first, arrival.version)
    taken = client.post(route(programme, "pickups", second),
                        {"arrival": arrival.pk, "version": arrival.version})
    assert taken.status_code == 409 and "just taken" in taken.content.decode()
    arrival.refresh_from_db()
    assert arrival.covered_by == first and len(emails("pickup_covered")) == 1


def test_another_intakes_buddy_cannot_see_or_cover(programme, pair, participant_factory):
    from wagtail_buddy.models import Intake

    ana, bruno = pair
    autumn = Intake.objects.create(programme=programme, name="Autumn", starts_on=date(2027, 9, 1),
                                   ends_on=date(2028, 1, 31))
    outsider = participant_factory("local", intake=autumn)
    arrival = give(ana, pickup=True)
    arrivals.answer(arrival.pk, bruno, arrival.version, False)
    arrival.refresh_from_db()
    assert arrivals.board(outsider) == []
    with pytest.raises(arrivals.ArrivalError, match="not on your intake"):
        arrivals.cover(arrival.pk, outsider, arrival.version)
    arrival.refresh_from_db()
    assert arrival.pickup == "open"


def test_a_change_after_the_cover_tells_the_buddy_who_covers(pair):
    ana, bruno = pair
    arrival = give(ana)
    arrivals.answer(arrival.pk, bruno, arrival.version, True)
    changed = give(ana, at=time(18, 0))
    assert (changed.pickup, changed.covered_by_id) == ("covered", bruno.pk)
    [first] = emails("arrival_changed")
    assert first.participant == bruno and "6 p.m." in render_email(first).body
    cancelled = give(ana, at=time(18, 0), pickup=False)
    assert (cancelled.pickup, cancelled.covered_by_id) == ("", None)
    mails = emails("arrival_changed")
    assert len(mails) == 2 and "no longer needs" in render_email(mails[-1]).body


def test_a_past_arrival_is_not_answered(pair):
    ana, bruno = pair
    arrival = give(ana)
    later = arrivals.moment(SOON, time(15, 0))
    with pytest.raises(arrivals.ArrivalError, match="already happened"):
        arrivals.answer(arrival.pk, bruno, arrival.version, True, now=later)
    arrival.refresh_from_db()
    assert arrival.pickup == "asked"


def test_the_download_holds_the_arrival_and_erasure_removes_it(client, programme, pair):
    from wagtail_buddy.services import lifecycle

    ana, bruno = pair
    arrival = give(ana)
    arrivals.answer(arrival.pk, bruno, arrival.version, True)
    data = client.get(route(programme, "download", ana)).json()
    assert data["arrival"] == {"time": "14:30:00", "how": "train", "place": "Lyon Part-Dieu",
                               "pickup": "covered", "covered": True}
    assert data["arrival_date"] == SOON.isoformat()
    assert "bruno@example.org" not in str(data)
    lifecycle.erase([Participant.objects.get(pk=bruno.pk)])
    arrival.refresh_from_db()
    # The buddy's erasure leaves the student's arrival, and the pick-up back on the board.
    assert (arrival.covered_by, arrival.pickup) == (None, "open")
    lifecycle.erase([Participant.objects.get(pk=ana.pk)])
    assert not Arrival.objects.exists()


def test_a_typed_place_is_escaped_on_every_page_and_email(client, programme, pair,
                                                          participant_factory, coordinator):
    ana, bruno = pair
    evil = '<script>alert("x")</script>'
    helper = participant_factory("local")
    arrival = give(ana, place=evil)
    arrivals.answer(arrival.pk, bruno, arrival.version, False)
    pages = [client.get(route(programme, "participant", ana)),
             client.get(route(programme, "participant", bruno)),
             client.get(route(programme, "pickups", helper))]
    client.force_login(coordinator)
    from django.urls import reverse
    pages.append(client.get(reverse("wagtail_buddy_admin:arrivals", args=[ana.intake_id])))
    for response in pages:
        html = response.content.decode()
        assert evil not in html and "&lt;script&gt;alert(" in html
    html = render_email(emails("pickup_asked")[0]).alternatives[0][0]
    assert evil not in html and "&lt;script&gt;" in html


def test_a_withdrawn_buddys_pickups_go_back_on_the_board(pair, participant_factory):
    from wagtail_buddy.services import lifecycle

    ana, bruno = pair
    helper = participant_factory("local")
    arrival = give(ana)
    arrivals.answer(arrival.pk, bruno, arrival.version, True)
    lifecycle.withdraw([Participant.objects.get(pk=bruno.pk)])
    arrival.refresh_from_db()
    assert (arrival.pickup, arrival.covered_by, arrival.version) == ("open", None, 3)
    assert [a.pk for a in arrivals.board(helper)] == [arrival.pk]
