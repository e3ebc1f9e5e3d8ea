"""Withdraw and erase: one service for the student and the coordinator, and erasure stays
within reach after withdrawing."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import timezone

from wagtail_buddy.models import BuddyLogEntry, Match, Participant
from wagtail_buddy.services import lifecycle, tokens

pytestmark = pytest.mark.usefixtures("buddy_cache")


def route(programme, name, participant):
    return programme.url + programme.reverse_subpage(
        name, kwargs={"token": tokens.make_token(participant, tokens.ACCESS)})


def links_in(html: str, programme) -> dict[str, str]:
    found = re.findall(r'href="(' + re.escape(programme.url) + r'me/[^"]+)"', html)
    return {link.rstrip("/").rsplit("/", 1)[-1]: link for link in found}


def actions(participant) -> list[str]:
    return list(BuddyLogEntry.objects.filter(object_id=str(participant.pk))
                .values_list("action", flat=True))


def test_withdrawn_page_offers_delete_with_a_working_link(client, programme,
                                                          participant_factory):
    p = participant_factory()
    old = route(programme, "participant", p)
    html = client.post(route(programme, "withdraw", p)).content.decode()
    assert "You have withdrawn" in html
    delete = links_in(html, programme)["delete"]
    assert client.get(old).status_code == 404  # every link sent so far is revoked
    assert "Delete all your data?" in client.get(delete).content.decode()
    assert client.post(delete).status_code == 200
    assert not Participant.objects.filter(pk=p.pk).exists()


def test_withdraw_page_promises_the_real_retention_date(client, programme, intake,
                                                        participant_factory, settings):
    settings.WAGTAIL_BUDDY_RETENTION_DAYS = 30
    p = participant_factory()
    html = client.get(route(programme, "withdraw", p)).content.decode()
    assert "2027-07-31" == str(intake.deleted_on)
    assert "July 31, 2027" in html and "end of the semester" not in html
    assert "July 31, 2027" in client.post(route(programme, "withdraw", p)).content.decode()


def test_a_withdrawn_student_gets_a_link_that_can_only_view_download_and_delete(
        client, programme, intake, participant_factory, django_capture_on_commit_callbacks):
    p = participant_factory(email="gone@example.org")
    lifecycle.withdraw([p])
    target = programme.url + programme.reverse_subpage("request_link")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(target, {"email": "gone@example.org", "role": "international"})
    assert [m.to for m in mail.outbox] == [["gone@example.org"]]
    body = mail.outbox[0].body
    assert "download it or delete everything" in body
    assert "deleted automatically on June 30, 2028" in body  # the intake's end + 365 days
    path = re.search(r"https?://[^/\s]+(/\S+/me/\S+/)", body).group(1)
    html = client.get(path).content.decode()
    assert "You have withdrawn" in html and 'name="first_name"' not in html
    found = links_in(html, programme)
    assert "withdraw" not in found and {"download", "delete"} <= set(found)
    refused = client.post(path, {"first_name": "Changed"})
    assert refused.status_code == 409
    assert "a match has been proposed" not in refused.content.decode()
    p.refresh_from_db()
    assert p.first_name != "Changed" and p.status == "withdrawn"
    assert client.get(found["download"]).status_code == 200
    client.post(found["delete"])
    assert not Participant.objects.filter(pk=p.pk).exists()


def test_student_and_coordinator_withdrawals_do_the_same(client, programme,
                                                         participant_factory, coordinator):
    by_student, by_coordinator = participant_factory(), participant_factory()
    mentors = [participant_factory("local", status="matched") for _ in range(2)]
    matches = [Match.objects.create(intake=p.intake, mentee=p, mentor=m,
                                    status=Match.Status.CONFIRMED, confirmed_at=timezone.now())
               for p, m in zip((by_student, by_coordinator), mentors, strict=True)]
    old_links = [route(programme, "participant", p) for p in (by_student, by_coordinator)]
    client.post(route(programme, "withdraw", by_student))
    assert lifecycle.withdraw([by_coordinator], coordinator) == 1
    for person, old, match, mentor in zip((by_student, by_coordinator), old_links, matches,
                                          mentors, strict=True):
        person.refresh_from_db(), match.refresh_from_db(), mentor.refresh_from_db()
        assert person.status == "withdrawn" and person.withdrawn_at
        assert client.get(old).status_code == 404, "the old private link must stop working"
        assert match.status == "cancelled" and mentor.status == "waiting"
        assert "wagtail_buddy.participant_withdraw" in actions(person)
    assert lifecycle.withdraw([by_coordinator], coordinator) == 0  # already withdrawn


def test_student_and_coordinator_erasures_are_audited(client, programme, participant_factory,
                                                      coordinator):
    by_student, by_coordinator = participant_factory(), participant_factory()
    client.post(route(programme, "delete", by_student))
    lifecycle.erase([by_coordinator], coordinator)
    for person in (by_student, by_coordinator):
        assert not Participant.objects.filter(pk=person.pk).exists()
        assert actions(person) == ["wagtail_buddy.participant_erase"]
