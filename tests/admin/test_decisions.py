"""Coordinators' decisions stick: swaps, hand-made pairs and cancellations survive re-runs."""

from __future__ import annotations

from django.core import mail

from wagtail_buddy.models import BuddyLogEntry, Match, OutboundEmail, Participant
from wagtail_buddy.services import decisions, emails, introductions
from wagtail_buddy.services.pool import rerun_preview, suggestions


def _swap_target(match: Match) -> Participant:
    """A buddy other than the pair's own, with a free place, among the ranked alternatives."""
    options = suggestions(match.mentee, k=10, exclude_mentor_ids=[match.mentor_id])
    assert options, "the pool must offer an alternative"
    return Participant.objects.get(pk=int(options[0].mentor))


def test_swap_survives_a_rerun(participant_factory, intake, coordinator, run_matching):
    # Four mentees, four single-place buddies: a free buddy exists for the swap.
    for _ in range(3):
        participant_factory("international", languages=("en",))
    for _ in range(5):
        participant_factory("local", languages=("en",), capacity=1)
    run_matching(intake, coordinator)
    match = Match.objects.filter(intake=intake, status="proposed").select_related(
        "mentee").first()
    target = _swap_target(match)
    decisions.swap(match, target, coordinator)

    before = rerun_preview(intake)
    assert before == {"replaced": 2, "confirmed": 0, "locked": 0, "manual": 1, "forbidden": 0}
    second = run_matching(intake, coordinator)
    assert second.status == "succeeded", second.error
    match.refresh_from_db()
    assert match.status == "proposed" and match.mentor_id == target.pk
    assert second.summary["kept"] == 1
    assert Match.objects.filter(intake=intake, status="proposed").count() == 3


def test_cancelled_pair_is_never_proposed_again(participant_factory, intake, coordinator,
                                                run_matching):
    mentee = participant_factory("international", languages=("en",), interests=())
    best = participant_factory("local", languages=("en",), capacity=1, faculty="Law")
    other = participant_factory("local", languages=("en",), capacity=1, faculty="Art")
    run_matching(intake, coordinator)
    match = Match.objects.get(mentee=mentee, status="proposed")
    assert match.mentor_id == best.pk  # the same faculty scores higher
    decisions.confirm([match], coordinator)
    decisions.cancel(match, coordinator, "Moved to another city")

    assert [p.mentor for p in suggestions(mentee)] == [str(other.pk)]
    assert rerun_preview(intake)["forbidden"] == 1
    again = run_matching(intake, coordinator)
    assert again.summary["forbidden"] == 1
    assert Match.objects.get(mentee=mentee, status="proposed").mentor_id == other.pk


def test_pair_anyway_needs_a_reason_and_is_audited(participant_factory, intake, coordinator):
    mentee = participant_factory("international", languages=("en",))
    mentor = participant_factory("local", languages=("en",), capacity=1)
    first = decisions.pair_manually(mentee, mentor, coordinator)
    decisions.cancel(first, coordinator, "Did not get along")
    mentee.refresh_from_db()
    try:
        decisions.pair_manually(mentee, mentor, coordinator)
    except decisions.DecisionError as exc:
        assert "cancelled before" in str(exc)
    else:
        raise AssertionError("a cancelled pair was recreated without an override")
    again = decisions.pair_manually(mentee, mentor, coordinator,
                                    override_reason="They made up; both asked for it")
    assert again.status == "confirmed"
    entries = BuddyLogEntry.objects.filter(action="wagtail_buddy.match_manual",
                                           data__match=again.pk)
    assert entries.count() == 1  # the match's own entry (the people's entries list matches)
    assert entries.get().data["override_reason"] == "They made up; both asked for it"


def test_cancel_emails_the_message_never_the_internal_note(participant_factory, intake,
                                                           coordinator):
    mentee = participant_factory("international", languages=("en",))
    mentor = participant_factory("local", languages=("en",), capacity=1)
    match = decisions.pair_manually(mentee, mentor, coordinator)
    match = Match.objects.select_related("mentee", "mentor").get(pk=match.pk)
    introductions.send([match], coordinator)
    match.refresh_from_db()
    mail.outbox.clear()
    decisions.cancel(match, coordinator, "Yves has to leave Lyon (family illness)",
                     message="Your buddy cannot continue; we will find you another one.")
    emails.send_due()
    sent = [m for m in mail.outbox if "cancelled" in m.subject.lower()]
    assert {m.to[0] for m in sent} == {mentee.email, mentor.email}
    for message in sent:
        html = next(body for body, mime in message.alternatives if mime == "text/html")
        for body in (message.body, html):
            assert "we will find you another one" in body
            assert "Yves" not in body and "family illness" not in body
    match.refresh_from_db()
    assert match.end_reason == "Yves has to leave Lyon (family illness)"
    assert OutboundEmail.objects.filter(purpose="cancelled").count() == 2
