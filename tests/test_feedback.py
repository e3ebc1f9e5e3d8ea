"""End-of-semester feedback: one email per side at the intake's end, exactly once; one
answer each, from the person's own link, in time; nothing stored by a GET."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from wagtail_buddy import tasks
from wagtail_buddy.models import BuddyLogEntry, Feedback, Match, OutboundEmail
from wagtail_buddy.services import feedback, tokens
from wagtail_buddy.services.maintenance import SCHEDULES

pytestmark = pytest.mark.usefixtures("buddy_cache")

# The ``intake`` fixture ends on 2027-07-01.
END = datetime(2027, 7, 1, 12, 0, tzinfo=UTC)


def make_pair(participant_factory, *, introduced=True, status=Match.Status.CONFIRMED,
              mentee_kwargs=None, mentor_kwargs=None):
    mentee = participant_factory("international", **{
        "first_name": "Ines", "status": "matched", **(mentee_kwargs or {})})
    mentor = participant_factory("local", **{
        "first_name": "Paul", "status": "matched", **(mentor_kwargs or {})})
    return Match.objects.create(
        intake=mentee.intake, mentee=mentee, mentor=mentor, status=status,
        confirmed_at=timezone.now(), introduced_at=timezone.now() if introduced else None)


def send(capture, now=END) -> int:
    with capture(execute=True):
        return feedback.send_due_feedback(now)


def test_schedule_is_registered_daily():
    spec = next(s for s in SCHEDULES if s.func == "wagtail_buddy.tasks.send_due_feedback")
    assert spec.schedule_type == "D"
    assert callable(tasks.send_due_feedback)


def test_both_sides_get_one_email_at_the_end_date_exactly_once(
        participant_factory, django_capture_on_commit_callbacks):
    pair = make_pair(participant_factory)
    make_pair(participant_factory, introduced=False)  # never introduced: nothing to ask
    make_pair(participant_factory, status=Match.Status.CANCELLED)
    assert send(django_capture_on_commit_callbacks, END - timedelta(days=1)) == 0  # not yet
    assert send(django_capture_on_commit_callbacks) == 2
    assert {(f.match_id, f.participant_id) for f in Feedback.objects.all()} == {
        (pair.pk, pair.mentee_id), (pair.pk, pair.mentor_id)}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([pair.mentee.email,
                                                           pair.mentor.email])
    to_mentee = next(m for m in mail.outbox if m.to == [pair.mentee.email])
    assert "Spring 2027" in to_mentee.subject
    assert "?met=yes" in to_mentee.body and "?met=no" in to_mentee.body
    assert "Paul" in to_mentee.body
    html = to_mentee.alternatives[0][0]
    assert "?met=yes" in html and "Paul" in html
    # The next days' runs, and a second cluster, send nothing more.
    assert send(django_capture_on_commit_callbacks, END + timedelta(days=1)) == 0
    assert len(mail.outbox) == 2 and Feedback.objects.count() == 2
    assert OutboundEmail.objects.filter(purpose="feedback").count() == 2
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.feedback_sent").count() == 2


def test_email_is_in_the_students_language(participant_factory,
                                           django_capture_on_commit_callbacks):
    make_pair(participant_factory, mentee_kwargs={"preferred_language": "fr"})
    send(django_capture_on_commit_callbacks)
    to_mentee = next(m for m in mail.outbox if m.body.startswith("Bonjour")
                     or "Bonjour" in m.body)
    assert "Oui, nous nous sommes rencontrés" in to_mentee.body
    assert 'lang="fr"' in to_mentee.alternatives[0][0]


def test_old_intakes_and_people_who_left_are_not_asked(
        participant_factory, settings, django_capture_on_commit_callbacks):
    settings.WAGTAIL_BUDDY_FEEDBACK_SEND_DAYS = 14
    make_pair(participant_factory)
    assert send(django_capture_on_commit_callbacks, END + timedelta(days=15)) == 0
    Match.objects.all().delete()
    pair = make_pair(participant_factory, mentor_kwargs={"status": "withdrawn"})
    assert send(django_capture_on_commit_callbacks, END + timedelta(days=14)) == 1
    assert list(Feedback.objects.values_list("participant_id", flat=True)) == [pair.mentee_id]


def test_a_second_cluster_emails_only_the_rows_it_inserted(participant_factory,
                                                           django_capture_on_commit_callbacks):
    pair = make_pair(participant_factory)
    # Another cluster inserted the mentee's row a moment ago and emails it itself.
    Feedback.objects.create(match=pair, participant=pair.mentee, sent_at=END)
    assert send(django_capture_on_commit_callbacks, END + timedelta(seconds=1)) == 1
    assert [m.to[0] for m in mail.outbox] == [pair.mentor.email]


def test_sending_costs_the_same_queries_for_more_pairs(participant_factory,
                                                       django_assert_max_num_queries):
    for _ in range(3):
        make_pair(participant_factory)
    with django_assert_max_num_queries(14) as small:
        assert feedback.send_due_feedback(END) == 6
    Feedback.objects.all().delete()
    OutboundEmail.objects.all().delete()
    for _ in range(9):
        make_pair(participant_factory)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert feedback.send_due_feedback(END + timedelta(seconds=1)) == 24


# --- answering ------------------------------------------------------------------------


def page_url(programme, participant, match_id, purpose=tokens.FEEDBACK):
    return programme.url + programme.reverse_subpage(
        "feedback", kwargs={"token": tokens.make_token(participant, purpose, match_id)})


@pytest.fixture
def asked(participant_factory, settings):
    settings.WAGTAIL_BUDDY_FEEDBACK_ANSWER_DAYS = 100_000  # the fixture's intake is in 2027
    pair = make_pair(participant_factory)
    feedback.send_due_feedback(END)
    return pair


GOOD = {"met": "yes", "frequency": "monthly", "overall": "4", "recommend": "yes",
        "comment": "Great semester"}


def checked(html: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}" value="(\w+)"[^>]*checked', html)
    return found[1] if found else None


def test_email_button_preselects_and_a_scanner_stores_nothing(client, programme, asked):
    url = page_url(programme, asked.mentee, asked.pk)
    for query in ("?met=yes", "?met=no", "?overall=5", "?met=evil", ""):
        response = client.get(url + query)
        assert response.status_code == 200
    assert not Feedback.objects.filter(answered_at__isnull=False).exists()
    html = client.get(url + "?met=no").content.decode()
    assert checked(html, "met") == "no" and "Send my feedback" in html
    assert checked(client.get(url + "?met=evil").content.decode(), "met") is None
    assert "Would you recommend having a buddy?" in html
    buddy_html = client.get(page_url(programme, asked.mentor, asked.pk)).content.decode()
    assert "Would you recommend being a buddy?" in buddy_html


def test_answer_is_stored_once_and_audited(client, programme, asked):
    url = page_url(programme, asked.mentee, asked.pk)
    response = client.post(url, GOOD)
    assert response.status_code == 302 and response["Location"].endswith("?done=1")
    row = Feedback.objects.get(participant=asked.mentee)
    assert (row.met, row.frequency, row.overall, row.recommend, row.comment) == (
        "yes", "monthly", 4, "yes", "Great semester")
    assert "Thank you for your feedback" in client.get(response["Location"]).content.decode()
    entry = BuddyLogEntry.objects.get(action="wagtail_buddy.feedback_answered")
    assert entry.object_id == str(asked.mentee_id) and entry.data["overall"] == 4
    # Twice: a clear answer, nothing changed.
    again = client.post(url, {**GOOD, "overall": "1", "comment": "changed"})
    assert again.status_code == 409
    assert "already answered" in again.content.decode()
    row.refresh_from_db()
    assert (row.overall, row.comment) == (4, "Great semester")
    assert "already answered" in client.get(url).content.decode()
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.feedback_answered").count() == 1


def test_how_often_is_dropped_when_the_pair_never_met(client, programme, asked):
    client.post(page_url(programme, asked.mentor, asked.pk),
                {**GOOD, "met": "no", "frequency": "weekly", "recommend": "maybe"})
    row = Feedback.objects.get(participant=asked.mentor)
    assert (row.met, row.frequency, row.recommend) == ("no", "", "maybe")


def test_late_answer_is_refused(client, programme, participant_factory, settings):
    settings.WAGTAIL_BUDDY_FEEDBACK_ANSWER_DAYS = 30
    pair = make_pair(participant_factory)
    feedback.send_due_feedback(END)
    # Today (2026) is before the 2027 intake ends; move the intake to the past instead.
    intake = pair.intake
    intake.starts_on = timezone.localdate() - timedelta(days=200)
    intake.ends_on = timezone.localdate() - timedelta(days=31)
    intake.save()
    url = page_url(programme, pair.mentee, pair.pk)
    assert "no longer taken" in client.get(url).content.decode()
    response = client.post(url, GOOD)
    assert response.status_code == 409 and "no longer taken" in response.content.decode()
    assert not Feedback.objects.filter(answered_at__isnull=False).exists()


@pytest.mark.parametrize("data, error", [
    ({**GOOD, "overall": "9"}, "between 1 and 5"),
    ({**GOOD, "overall": ""}, "between 1 and 5"),
    ({**GOOD, "met": ""}, "Choose one answer"),
    ({**GOOD, "met": "maybe"}, "Choose one answer"),
    ({**GOOD, "frequency": ""}, "Say how often you met"),
    ({**GOOD, "recommend": "sure"}, "Choose one answer"),
    ({**GOOD, "comment": "x" * 2001}, "2000"),
    ({**GOOD, "comment": "bad\x00byte"}, ""),
])
def test_bad_input_gets_a_message_and_keeps_what_was_typed(client, programme, asked, data,
                                                          error):
    response = client.post(page_url(programme, asked.mentee, asked.pk), data)
    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert error in html
    assert not Feedback.objects.filter(answered_at__isnull=False).exists()
    if response.status_code == 200 and data["recommend"] == "yes":
        assert checked(html, "recommend") == "yes"


def test_forged_and_foreign_links_change_nothing(client, programme, asked,
                                                 participant_factory):
    other = make_pair(participant_factory)
    feedback.send_due_feedback(END + timedelta(seconds=1))
    # Someone else's pair with my token, a check-in token, a tampered token.
    assert client.post(page_url(programme, asked.mentee, other.pk), GOOD).status_code == 404
    assert client.post(page_url(programme, asked.mentee, asked.pk, tokens.CHECKIN),
                       GOOD).status_code == 404
    url = page_url(programme, asked.mentee, asked.pk)
    forged = url.rstrip("/")[:-3] + "abc/"
    assert client.post(forged, GOOD).status_code == 404
    assert client.get(programme.url + "feedback/x/").status_code == 404
    assert not Feedback.objects.filter(answered_at__isnull=False).exists()


def test_service_refuses_someone_elses_row(asked):
    row = Feedback.objects.get(participant=asked.mentee)
    with pytest.raises(feedback.FeedbackError):
        feedback.record(row.pk, asked.mentor, met="yes", frequency="once", overall=3,
                        recommend="no")
    assert Feedback.objects.get(pk=row.pk).answered_at is None


@hsettings(max_examples=60, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(met=st.text(max_size=5) | st.sampled_from(Feedback.Met.values),
       frequency=st.text(max_size=5) | st.sampled_from(Feedback.Frequency.values),
       overall=st.integers(-3, 9),
       recommend=st.text(max_size=5) | st.sampled_from(Feedback.Recommend.values))
def test_record_stores_only_valid_answers(asked, met, frequency, overall, recommend):
    row = Feedback.objects.get(participant=asked.mentee)
    Feedback.objects.filter(pk=row.pk).update(answered_at=None, met="", overall=None)
    valid = (met in Feedback.Met.values and recommend in Feedback.Recommend.values
             and 1 <= overall <= 5 and (met == "no" or frequency in Feedback.Frequency.values))
    try:
        feedback.record(row.pk, asked.mentee, met=met, frequency=frequency, overall=overall,
                        recommend=recommend)
    except ValueError:
        assert not valid
    else:
        assert valid
    row.refresh_from_db()
    assert (row.answered_at is not None) == valid
    if valid:
        assert row.frequency == (frequency if met == "yes" else "")


# --- results, export, retention ---------------------------------------------------------


def answer(pair, side, **values):
    row = Feedback.objects.get(match=pair, participant=getattr(pair, side))
    return feedback.record(row.pk, getattr(pair, side), **{
        "met": "yes", "frequency": "weekly", "overall": 5, "recommend": "yes", **values})


def test_results_count_every_answer_in_constant_queries(asked, participant_factory,
                                                        django_assert_num_queries):
    other = make_pair(participant_factory)
    feedback.send_due_feedback(END + timedelta(seconds=1))
    answer(asked, "mentee", overall=4, comment="Lovely")
    answer(asked, "mentor", recommend="maybe")
    answer(other, "mentee", met="no", overall=1, recommend="no")
    with django_assert_num_queries(3):
        results = feedback.results(asked.intake)
        comments = [c.participant.first_name for c in results["comments"]]
    assert results["sent"] == 4 and results["answered"] == 3
    assert results["mean_overall"] == pytest.approx(10 / 3)
    assert [b["value"] for b in results["met"]] == [2, 1]
    assert [b["value"] for b in results["frequency"]] == [2, 0, 0, 0]
    assert [(b["label"], b["value"]) for b in results["overall"]] == [
        ("5", 1), ("4", 1), ("3", 0), ("2", 0), ("1", 1)]
    assert [b["value"] for b in results["recommend_local"]] == [0, 1, 0]
    assert [b["value"] for b in results["recommend_international"]] == [1, 0, 1]
    assert comments == ["Ines"]


def test_retention_and_erasure_take_the_answers_keeping_the_figures(asked, settings):
    from wagtail_buddy.models import IntakeStats
    from wagtail_buddy.services import maintenance, participant_data

    answer(asked, "mentee", overall=4, comment="Lovely")
    exported = participant_data.export_data(asked.mentee)["feedback"]
    assert exported[0]["overall"] == 4 and exported[0]["comment"] == "Lovely"
    settings.WAGTAIL_BUDDY_RETENTION_DAYS = 1
    later = END + timedelta(days=3)
    assert maintenance.apply_retention(now=later) >= 1
    assert not Feedback.objects.exists()
    counts = IntakeStats.objects.get(intake=asked.intake).counts
    assert counts["feedback_met"] == {"yes": 1}
    assert counts["average_feedback_overall"] == 4


def test_erasure_takes_the_persons_answers(asked):
    from wagtail_buddy.services import lifecycle

    answer(asked, "mentor", comment="Mine")
    lifecycle.erase([asked.mentor])
    assert not Feedback.objects.filter(participant_id=asked.mentor_id).exists()
    assert not Feedback.objects.filter(comment="Mine").exists()
