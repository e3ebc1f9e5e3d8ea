"""When buddies are short: ask full buddies for one more (a one-press yes raises their
capacity once), tell waiting students; each email once per intake."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import make_participant
from wagtail_buddy.models import Match, OutboundEmail, Participant
from wagtail_buddy.services import shortage

pytestmark = pytest.mark.usefixtures("buddy_cache")


def u(name, *args):
    return reverse(f"wagtail_buddy_admin:{name}", args=args)


@pytest.fixture
def short(intake):
    """Two students waiting, one full buddy (1 place, matched), one buddy at the maximum."""
    full = make_participant(intake, "local", capacity=1, status=Participant.Status.MATCHED)
    mentee = make_participant(intake, "international", status=Participant.Status.MATCHED)
    Match.objects.create(intake=intake, mentee=mentee, mentor=full,
                         status=Match.Status.CONFIRMED, score=1)
    at_max = make_participant(intake, "local", capacity=5)
    waiting = [make_participant(intake, "international") for _ in range(2)]
    return {"full": full, "at_max": at_max, "waiting": waiting}


def test_only_full_buddies_below_the_maximum_are_asked_once(intake, short, coordinator,
                                                            client,
                                                            django_capture_on_commit_callbacks):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(u("shortage", intake.pk), {"action": "one_more"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[short["full"].email]]
    assert "one more student" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        client.post(u("shortage", intake.pk), {"action": "one_more"})
    assert len(mail.outbox) == 1  # the second press emails nobody


def test_the_one_press_yes_raises_capacity_once(intake, short, client,
                                                django_capture_on_commit_callbacks):
    full = short["full"]
    assert not shortage.accept_one_more(full)  # never asked: nothing
    with django_capture_on_commit_callbacks(execute=True):
        shortage.ask_for_one_more(intake)
    link = re.search(r"https?://[^/\s]+(/\S+/me/[\w-]+/)", mail.outbox[0].body).group(1)
    page = client.get(link).content.decode()
    assert 'value="one_more"' in page
    response = client.post(link, {"action": "one_more"})
    assert response.status_code == 302
    full.refresh_from_db()
    assert full.capacity == 2 and full.one_more_at is not None
    client.post(link, {"action": "one_more"})
    full.refresh_from_db()
    assert full.capacity == 2
    assert 'value="one_more"' not in client.get(link).content.decode()


def test_waiting_students_are_told_once(intake, short, coordinator, client,
                                        django_capture_on_commit_callbacks):
    client.force_login(coordinator)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(u("shortage", intake.pk), {"action": "still_waiting"})
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in short["waiting"])
    assert OutboundEmail.objects.filter(purpose="still_waiting").count() == 2


def test_view_level_cannot_send_and_unknown_action_is_404(intake, short, client, coordinator,
                                                         django_user_model, programme):
    from tests.conftest import make_coordinator

    viewer = make_coordinator(django_user_model, "viewer", programme,
                              codenames=("view_participant",))
    client.force_login(viewer)
    assert client.post(u("shortage", intake.pk), {"action": "one_more"}).status_code in (302,
                                                                                       403)
    assert not OutboundEmail.objects.exists()
    client.force_login(coordinator)
    assert client.post(u("shortage", intake.pk), {"action": "nope"}).status_code == 404


def said(response) -> list[str]:
    from django.contrib.messages import get_messages

    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_messages_say_who_was_emailed_and_who_was_skipped_and_why(
        intake, short, coordinator, client, django_capture_on_commit_callbacks):
    at_max = short["at_max"]  # fill the buddy who already takes the most students
    for _ in range(5):
        mentee = make_participant(intake, "international", status=Participant.Status.MATCHED)
        Match.objects.create(intake=intake, mentee=mentee, mentor=at_max,
                             status=Match.Status.CONFIRMED, score=1)
    client.force_login(coordinator)

    def press(action):
        with django_capture_on_commit_callbacks(execute=True):
            return said(client.post(u("shortage", intake.pk), {"action": action},
                                        follow=True))

    assert press("one_more") == [
        "1 buddy whose places are all taken was asked whether they can take one more "
        "student.",
        "1 full buddy was not emailed: they already take 5 students, the most a buddy can "
        "take."]
    assert press("one_more") == [
        "1 buddy was not emailed: they were asked already for this intake.",
        "1 full buddy was not emailed: they already take 5 students, the most a buddy can "
        "take."]
    assert press("still_waiting") == [
        "2 waiting students were told they are on the list."]
    assert press("still_waiting") == [
        "2 waiting students were not emailed: they had this message already for this "
        "intake."]
    assert press("join_again") == [
        "No past buddy was emailed: nobody asked to hear about the next intake."]
    Participant.objects.filter(intake=intake).delete()
    assert press("still_waiting") == ["No student was emailed: nobody is waiting for a buddy."]
    assert press("one_more") == ["No buddy was emailed: no buddy has all their places taken."]


def test_the_messages_are_translated(intake, short, coordinator, client):
    from django.utils import translation

    from wagtail_buddy.admin.views.shortage import join_again_messages

    with translation.override("fr"):
        texts = join_again_messages(shortage.Sent(emailed=2, had_it=1, not_concerned=3))
    assert texts[0] % {"n": 2} == ("2 anciens buddies qui avaient demandé à être prévenus de "
                                   "la prochaine promotion ont été invités à revenir.")
    assert texts[2] % {"n": 3} == ("3 anciens buddies n'ont pas reçu d'email : ils sont déjà "
                                   "inscrits à cette promotion.")
