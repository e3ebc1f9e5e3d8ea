"""Issue 25, part 2: a first weeks' checklist per pair.

Each rule on real rows: the defaults a programme starts with and their names in six
languages, what each student sees, a tick per press (audited), every refused tick changing
nothing, the idle pairs on the overview, the open tasks in the check-in email.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.models import Locale

from wagtail_buddy.models import BuddyLogEntry, ChecklistTask, ChecklistTick, Match
from wagtail_buddy.models.checklist import (
    DEFAULT_TASKS,
    default_label,
    is_default_name,
    seed_default_tasks,
)
from wagtail_buddy.services import checkins, checklist, tokens
from wagtail_buddy.services.stats import intake_summary

from .conftest import make_programme

pytestmark = pytest.mark.usefixtures("buddy_cache")

FRENCH_DEFAULTS = ["Se rencontrer en personne", "Trouver un logement"]


def make_pair(participant_factory, weeks_ago: float = 1, status=Match.Status.CONFIRMED,
              mentor=None, **mentee_fields):
    mentee = participant_factory("international", status="matched", **mentee_fields)
    mentor = mentor or participant_factory("local", status="matched", capacity=3)
    now = timezone.now()
    return Match.objects.create(intake=mentee.intake, mentee=mentee, mentor=mentor,
                                status=status, confirmed_at=now,
                                introduced_at=now - timedelta(weeks=weeks_ago))


def page_url(programme, participant):
    return programme.url + programme.reverse_subpage(
        "participant", kwargs={"token": tokens.make_token(participant, tokens.ACCESS)})


def tick_url(programme, participant):
    return programme.url + programme.reverse_subpage(
        "checklist", kwargs={"token": tokens.make_token(participant, tokens.ACCESS)})


def task_ids(programme):
    return [t.pk for t in checklist.tasks(programme.pk, "en")]


# --- the tasks -----------------------------------------------------------------------------


def test_a_new_programme_starts_with_the_default_tasks_in_order(programme):
    rows = list(ChecklistTask.objects.filter(programme=programme))
    assert [r.default_key for r in rows] == [key for key, _label in DEFAULT_TASKS]
    assert [t.name for t in checklist.tasks(programme.pk, "en")][:3] == [
        "Meet in person", "Find accommodation", "Register the residence"]
    assert seed_default_tasks(programme) == 0  # never twice


@pytest.mark.parametrize("language, first", [
    ("fr", "Se rencontrer en personne"), ("de", "Persönlich treffen"),
    ("es", "Conocerse en persona"), ("it", "Incontrarsi di persona"),
    ("pt", "Encontrar-se pessoalmente"), ("en", "Meet in person")])
def test_unedited_defaults_read_in_each_ui_language(programme, language, first):
    assert checklist.tasks(programme.pk, language)[0].name == first


def test_an_edited_name_is_shown_as_written_and_a_hidden_task_not_at_all(programme):
    meet, accommodation = ChecklistTask.objects.filter(programme=programme)[:2]
    meet.name = "Coffee at <Café Bleu>"
    meet.save()
    accommodation.active = False
    accommodation.save()
    names = [t.name for t in checklist.tasks(programme.pk, "fr")]
    assert names[0] == "Coffee at <Café Bleu>"
    assert "Trouver un logement" not in names and len(names) == len(DEFAULT_TASKS) - 1


def test_a_translated_copy_gets_the_defaults_in_its_locale_and_its_names_win(programme):
    french = Locale.objects.get_or_create(language_code="fr")[0]
    copy = programme.copy_for_translation(french, copy_parents=True)
    rows = ChecklistTask.objects.filter(programme=programme, locale=french)
    assert rows.count() == len(DEFAULT_TASKS)
    assert rows.get(default_key="transport").name == "Obtenir un abonnement de transport"
    assert not ChecklistTask.objects.filter(programme=copy).exists()  # the canonical owns them
    row = rows.get(default_key="meet")
    row.name = "Un café ensemble"
    row.save()
    assert checklist.tasks(programme.pk, "fr")[0].name == "Un café ensemble"
    assert checklist.tasks(programme.pk, "en")[0].name == "Meet in person"
    assert seed_default_tasks(copy) == 0  # every default already has its French row


def test_an_emptied_list_stays_empty(programme, participant_factory):
    ChecklistTask.objects.filter(programme=programme).delete()
    programme.save_revision().publish()  # saving the page again does not seed it again
    assert not ChecklistTask.objects.exists()
    pair = make_pair(participant_factory)
    assert checklist.for_participant(pair.mentee) == []  # no empty section on the page
    assert checklist.open_tasks(pair) == []


# --- what each student sees --------------------------------------------------------------


def test_both_students_of_an_introduced_pair_see_it_on_their_page(client, programme,
                                                                  participant_factory):
    pair = make_pair(participant_factory, first_name="Ines")
    for person in (pair.mentee, pair.mentor):
        html = client.get(page_url(programme, person)).content.decode()
        assert 'id="checklist"' in html and "Meet in person" in html
        assert f"0 of {len(DEFAULT_TASKS)} done" in html


@pytest.mark.parametrize("status, introduced", [
    (Match.Status.CONFIRMED, False), (Match.Status.ENDED, True),
    (Match.Status.CANCELLED, True), (Match.Status.PROPOSED, False)])
def test_no_checklist_before_the_introduction_or_after_the_end(client, programme,
                                                               participant_factory,
                                                               status, introduced):
    pair = make_pair(participant_factory, status=status)
    if not introduced:
        Match.objects.filter(pk=pair.pk).update(introduced_at=None)
    assert checklist.for_participant(pair.mentee) == []
    assert 'id="checklist"' not in client.get(page_url(programme, pair.mentee)).content.decode()


def test_the_private_page_reads_in_its_language(client, programme, participant_factory):
    pair = make_pair(participant_factory)
    with translation.override("fr"):
        shown = checklist.for_participant(pair.mentor)
    assert [i.task.name for i in shown[0].items][:2] == FRENCH_DEFAULTS


def test_checklists_cost_the_same_queries_for_one_pair_or_three(participant_factory):
    mentor = participant_factory("local", status="matched", capacity=3)
    first = make_pair(participant_factory, mentor=mentor)
    ChecklistTick.objects.create(match=first, task_id=task_ids(first.intake.programme)[0],
                                 ticked_at=timezone.now())
    with CaptureQueriesContext(connection) as one:
        assert len(checklist.for_participant(mentor)) == 1
    for _ in range(2):
        pair = make_pair(participant_factory, mentor=mentor)
        for task in task_ids(pair.intake.programme)[:3]:
            ChecklistTick.objects.create(match=pair, task_id=task, ticked_at=timezone.now())
    mentor.refresh_from_db()
    with CaptureQueriesContext(connection) as three:
        lists = checklist.for_participant(mentor)
    assert [c.done for c in lists] == [1, 3, 3]
    assert len(three) == len(one) <= 4


# --- ticking -------------------------------------------------------------------------------


def test_both_students_tick_and_every_tick_is_audited(client, programme, participant_factory):
    pair = make_pair(participant_factory, first_name="Ines")
    meet, bank = task_ids(programme)[0], task_ids(programme)[3]
    response = client.post(tick_url(programme, pair.mentee), {"match": pair.pk, "task": meet})
    assert response.status_code == 302 and response["Location"].endswith(
        "?checklist=saved#checklist")
    client.post(tick_url(programme, pair.mentor), {"match": pair.pk, "task": bank, "done": "1"})
    ticks = {t.task_id: t.ticked_by_id for t in ChecklistTick.objects.filter(match=pair)}
    assert ticks == {meet: pair.mentee_id, bank: pair.mentor_id}
    logged = BuddyLogEntry.objects.filter(action=checklist.TICK)
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(
        [str(pair.pk), str(pair.mentee_id), str(pair.pk), str(pair.mentor_id)])
    assert {e.data["task"] for e in logged} == {meet, bank}
    assert all(e.programme_id == programme.pk for e in logged)
    html = client.get(response["Location"]).content.decode()
    assert "Your checklist is saved." in html and f"2 of {len(DEFAULT_TASKS)} done" in html
    assert "done by you" in html and f"done by {pair.mentor.first_name}" in html


def test_a_tick_taken_back_is_audited_and_a_second_press_changes_nothing(
        client, programme, participant_factory):
    pair = make_pair(participant_factory)
    meet = task_ids(programme)[0]
    url = tick_url(programme, pair.mentee)
    client.post(url, {"match": pair.pk, "task": meet})
    first = ChecklistTick.objects.get(match=pair)
    again = client.post(url, {"match": pair.pk, "task": meet})
    assert again.status_code == 409
    assert "already marked as done" in again.content.decode()
    assert list(ChecklistTick.objects.filter(match=pair)) == [first]
    assert client.post(url, {"match": pair.pk, "task": meet, "done": "0"}).status_code == 302
    assert not ChecklistTick.objects.exists()
    assert BuddyLogEntry.objects.filter(action=checklist.UNTICK).count() == 2
    twice = client.post(url, {"match": pair.pk, "task": meet, "done": "0"})
    assert twice.status_code == 409 and "not marked as done" in twice.content.decode()
    assert BuddyLogEntry.objects.filter(action=checklist.UNTICK).count() == 2


def test_a_tick_on_someone_elses_checklist_changes_nothing(client, programme,
                                                           participant_factory):
    mine, theirs = make_pair(participant_factory), make_pair(participant_factory)
    response = client.post(tick_url(programme, mine.mentee),
                           {"match": theirs.pk, "task": task_ids(programme)[0]})
    assert response.status_code == 409
    assert "not yours" in response.content.decode()
    assert not ChecklistTick.objects.exists() and not BuddyLogEntry.objects.filter(
        action=checklist.TICK).exists()


@pytest.mark.parametrize("status", [Match.Status.ENDED, Match.Status.CANCELLED])
def test_a_pair_that_has_ended_cannot_tick(client, programme, participant_factory, status):
    pair = make_pair(participant_factory, status=status)
    response = client.post(tick_url(programme, pair.mentee),
                           {"match": pair.pk, "task": task_ids(programme)[0]})
    assert response.status_code == 409 and "has ended" in response.content.decode()
    assert not ChecklistTick.objects.exists()


@pytest.mark.parametrize("status", [Match.Status.PROPOSED, Match.Status.CONFIRMED])
def test_a_pair_not_introduced_yet_cannot_tick(programme, participant_factory, status):
    pair = make_pair(participant_factory, status=status)
    Match.objects.filter(pk=pair.pk).update(introduced_at=None)
    with pytest.raises(checklist.ChecklistError, match="once you have been introduced"):
        checklist.tick(pair.mentor, pair.pk, task_ids(programme)[0])
    assert not ChecklistTick.objects.exists()


def test_a_withdrawn_student_cannot_tick(programme, participant_factory):
    pair = make_pair(participant_factory)
    pair.mentee.status = "withdrawn"
    pair.mentee.save()
    with pytest.raises(checklist.ChecklistError):
        checklist.tick(pair.mentee, pair.pk, task_ids(programme)[0])
    assert not ChecklistTick.objects.exists()


def test_tasks_not_on_the_pairs_checklist_are_refused(client, programme, home_page,
                                                      participant_factory):
    pair = make_pair(participant_factory)
    other = make_programme(home_page, "Other section")
    hidden = ChecklistTask.objects.filter(programme=programme).first()
    hidden.active = False
    hidden.save()
    french = Locale.objects.get_or_create(language_code="fr")[0]
    programme.copy_for_translation(french, copy_parents=True)
    translation_row = ChecklistTask.objects.filter(programme=programme, locale=french).first()
    for task in (task_ids(other)[0], hidden.pk, translation_row.pk, 10**12):
        response = client.post(tick_url(programme, pair.mentee),
                               {"match": pair.pk, "task": task})
        assert response.status_code == 409, task
        assert "not on your checklist" in response.content.decode()
    assert not ChecklistTick.objects.exists()


def test_a_forged_or_foreign_link_is_refused(client, programme, home_page, participant_factory):
    pair = make_pair(participant_factory)
    base = programme.url + programme.reverse_subpage("checklist", kwargs={"token": "x"})
    forged = base.replace("/x/", "/" + tokens.make_token(pair.mentee, tokens.ACCESS)[:-3]
                          + "abc/")
    data = {"match": pair.pk, "task": task_ids(programme)[0]}
    assert client.post(forged, data).status_code == 404
    checkin_token = tokens.make_token(pair.mentee, tokens.CHECKIN, pair.pk)
    assert client.post(base.replace("/x/", f"/{checkin_token}/"), data).status_code == 404
    other = make_programme(home_page, "Other section")
    foreign = other.url + other.reverse_subpage(
        "checklist", kwargs={"token": tokens.make_token(pair.mentee, tokens.ACCESS)})
    assert client.post(foreign, data).status_code == 404
    assert not ChecklistTick.objects.exists()


def test_opening_the_tick_address_goes_to_the_page(client, programme, participant_factory):
    pair = make_pair(participant_factory)
    response = client.get(tick_url(programme, pair.mentee))
    assert response.status_code == 302 and response["Location"].endswith("/#checklist")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(match=st.one_of(st.text(max_size=30), st.integers(-2**70, 2**70).map(str)),
       task=st.one_of(st.text(max_size=30), st.integers(-2**70, 2**70).map(str)),
       done=st.one_of(st.sampled_from(["0", "1"]), st.text(max_size=5)))
def test_any_form_input_gets_a_clear_answer_and_changes_nothing(client, programme,
                                                                participant_factory, match,
                                                                task, done):
    if not hasattr(programme, "_pair"):
        programme._pair = make_pair(participant_factory)
    pair = programme._pair
    valid = {str(pair.pk)}, {str(t) for t in task_ids(programme)}
    if match.strip() in valid[0] and task.strip() in valid[1] and done in ("0", "1"):
        return  # a real tick: covered above
    response = client.post(tick_url(programme, pair.mentee),
                           {"match": match.replace("\x00", ""), "task": task.replace("\x00", ""),
                            "done": done.replace("\x00", "")})
    assert response.status_code in (400, 409)
    assert "Your checklist was not changed" in response.content.decode()
    assert not ChecklistTick.objects.exists()


# --- coordinators and emails ----------------------------------------------------------------


def test_idle_pairs_are_counted_for_the_overview(programme, intake, participant_factory):
    idle = make_pair(participant_factory, weeks_ago=4)
    make_pair(participant_factory, weeks_ago=1)  # too recent
    busy = make_pair(participant_factory, weeks_ago=4)
    ChecklistTick.objects.create(match=busy, task_id=task_ids(programme)[0],
                                 ticked_at=timezone.now())
    make_pair(participant_factory, weeks_ago=5, status=Match.Status.ENDED)
    assert checklist.idle_counts([intake.pk]) == {intake.pk: 1}
    assert list(checklist.idle(Match.objects.all())) == [idle]
    assert intake_summary([intake])[intake.pk]["checklist_idle"] == 1
    ChecklistTask.objects.filter(programme=programme).update(active=False)
    assert checklist.idle_counts([intake.pk]) == {}  # no checklist, nothing to tick


def test_the_summary_counts_pairs_and_each_task(programme, intake, participant_factory):
    ids = task_ids(programme)
    done_all = make_pair(participant_factory, weeks_ago=4)
    ChecklistTick.objects.bulk_create([ChecklistTick(match=done_all, task_id=t,
                                                     ticked_at=timezone.now()) for t in ids])
    partly = make_pair(participant_factory)
    ChecklistTick.objects.create(match=partly, task_id=ids[0], ticked_at=timezone.now())
    make_pair(participant_factory, weeks_ago=4)
    found = checklist.summary(intake, "en")
    assert (found["pairs"], found["all"], found["none"], found["idle"]) == (3, 1, 1, 1)
    assert [b["value"] for b in found["bars"]][:2] == [2, 1]
    assert found["bars"][0] == {"label": "Meet in person", "value": 2, "width": 67}


def checkin_email_to(person):
    return next(m for m in mail.outbox if m.to == [person.email])


def test_the_checkin_email_lists_what_is_open_in_the_persons_language(
        programme, participant_factory, django_capture_on_commit_callbacks):
    pair = make_pair(participant_factory, weeks_ago=4, preferred_language="fr")
    meet = ChecklistTask.objects.filter(programme=programme, default_key="meet").get()
    ChecklistTick.objects.create(match=pair, task=meet, ticked_at=timezone.now())
    sim = ChecklistTask.objects.get(programme=programme, default_key="sim")
    sim.name = "SIM <b>&</b> \"plan\""
    sim.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert checkins.send_due_checkins() == 2
    to_mentee = checkin_email_to(pair.mentee)
    html = to_mentee.alternatives[0][0]
    assert "Trouver un logement" in to_mentee.body and "Trouver un logement" in html
    assert "Se rencontrer en personne" not in to_mentee.body  # done already
    assert 'SIM <b>&</b> "plan"' in to_mentee.body
    assert "SIM &lt;b&gt;&amp;&lt;/b&gt; &quot;plan&quot;" in html and "<b>&</b>" not in html
    private = re.search(r"/me/[^/\s]+/", to_mentee.body)
    assert private and private[0] in html
    to_mentor = checkin_email_to(pair.mentor)
    assert "Find accommodation" in to_mentor.body and "Meet in person" not in to_mentor.body


def test_a_checkin_email_with_everything_done_mentions_no_checklist(
        programme, participant_factory, django_capture_on_commit_callbacks):
    pair = make_pair(participant_factory, weeks_ago=4)
    ChecklistTick.objects.bulk_create([ChecklistTick(match=pair, task_id=t,
                                                     ticked_at=timezone.now())
                                       for t in task_ids(programme)])
    with django_capture_on_commit_callbacks(execute=True):
        checkins.send_due_checkins()
    email = checkin_email_to(pair.mentee)
    assert "Still open on your checklist" not in email.body
    assert "Still open on your checklist" not in email.alternatives[0][0]


def test_the_data_download_lists_the_ticks_the_person_made(client, programme,
                                                          participant_factory):
    pair = make_pair(participant_factory)
    checklist.tick(pair.mentor, pair.pk, task_ids(programme)[1])
    checklist.tick(pair.mentee, pair.pk, task_ids(programme)[0])
    response = client.get(programme.url + programme.reverse_subpage(
        "download", kwargs={"token": tokens.make_token(pair.mentor, tokens.ACCESS)}))
    ticks = response.json()["checklist_ticks"]
    assert [t["task"] for t in ticks] == ["Find accommodation"] and ticks[0]["ticked_at"]


@settings(max_examples=60, deadline=None)
@given(name=st.text(min_size=1, max_size=120).filter(str.strip),
       language=st.sampled_from(["en", "fr", "de", "es", "it", "pt", "ar", "fr-ca"]))
def test_a_name_reads_as_written_unless_it_is_an_unedited_default(name, language):
    key = "bank"
    task = ChecklistTask(name=name, default_key=key)
    expected = default_label(key, language) if is_default_name(key, name) else name
    assert task.name_in(language) == expected
    assert ChecklistTask(name=name, default_key="").name_in(language) == name
    for code in ("en", "fr", "de", "es", "it", "pt"):  # every catalogue's default is unedited
        assert ChecklistTask(name=default_label(key, code), default_key=key).name_in(
            language) == default_label(key, language)
