"""When a student leaves, the buddy they were introduced to is told; nobody else is."""

from __future__ import annotations

from django.core import mail
from django.utils import timezone

from wagtail_buddy.models import Match
from wagtail_buddy.services import lifecycle, tokens


def pair(participant_factory, *, introduced: bool = True):
    mentee = participant_factory("international", first_name="Ines", status="matched")
    mentor = participant_factory("local", first_name="Paul", status="matched")
    match = Match.objects.create(
        intake=mentee.intake, mentee=mentee, mentor=mentor, status=Match.Status.CONFIRMED,
        confirmed_at=timezone.now(), introduced_at=timezone.now() if introduced else None)
    return mentee, mentor, match


def route(programme, name, participant):
    return programme.url + programme.reverse_subpage(
        name, kwargs={"token": tokens.make_token(participant, tokens.ACCESS)})


def test_withdrawing_tells_the_introduced_buddy(client, programme, participant_factory,
                                                django_capture_on_commit_callbacks):
    mentee, mentor, _ = pair(participant_factory)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(route(programme, "withdraw", mentee))
    assert [m.to for m in mail.outbox] == [[mentor.email]]
    message = mail.outbox[0]
    assert "your buddy has left the programme" in message.subject
    assert "Ines has left the buddy programme" in message.body
    assert "Thank you for your help so far" in message.body  # a local buddy
    assert "Ines has left the buddy programme" in message.alternatives[0][0]


def test_a_pair_never_introduced_ends_silently(participant_factory,
                                               django_capture_on_commit_callbacks):
    mentee, _, _ = pair(participant_factory, introduced=False)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.withdraw([mentee])
    assert not mail.outbox


def test_erasure_tells_the_buddy_without_the_name(participant_factory,
                                                  django_capture_on_commit_callbacks):
    mentee, mentor, _ = pair(participant_factory)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.erase([mentor])
    assert [m.to for m in mail.outbox] == [[mentee.email]]
    body = mail.outbox[0].body
    assert "Your buddy has left the buddy programme" in body and "Paul" not in body
    assert "back on the waiting list" in body  # an international student


def test_coordinator_withdrawal_tells_only_those_who_stay(participant_factory, coordinator,
                                                         django_capture_on_commit_callbacks):
    mentee, mentor, _ = pair(participant_factory)
    other_mentee, other_mentor, _ = pair(participant_factory)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.withdraw([mentee, other_mentee, other_mentor], coordinator)
    assert [m.to for m in mail.outbox] == [[mentor.email]]
