"""One definition of each count: the overview's figures equal the lists they link to, the
statistics agree, and every list finds a student by full name or email."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from wagtail_buddy.admin.modeladmin import participant_url
from wagtail_buddy.models import CheckIn, Match, Participant
from wagtail_buddy.services import decisions, stats


def rows(html: str) -> int:
    """Rows of a coordinator list (participants carry a checkbox; pairs and waiting rows a
    data attribute)."""
    return len(re.findall(r'<tr data-(?:match|participant)="', html)) or len(
        re.findall(r'name="ids" value="\d+" form="buddy-bulk"', html))


def test_overview_counts_equal_the_lists_behind_them(client, coordinator, intake,
                                                     participant_factory, run_matching):
    for _ in range(5):
        participant_factory("international", languages=("en",))
    participant_factory("international", languages=("nl",))  # no buddy speaks Dutch
    participant_factory("international", status=Participant.Status.UNCONFIRMED)
    for _ in range(2):
        participant_factory("local", languages=("en",), capacity=2)
    participant_factory("local", languages=("en",), capacity=1,
                        status=Participant.Status.UNCONFIRMED)
    run_matching(intake, coordinator)
    first, second, *_rest = Match.objects.filter(intake=intake).order_by("pk")
    decisions.confirm([first, second], coordinator)
    CheckIn.objects.create(match=first, participant=first.mentee, sent_at=timezone.now(),
                           answered_at=timezone.now(), answer="no_contact")
    CheckIn.objects.create(match=first, participant=first.mentor,
                           sent_at=timezone.now() - timedelta(days=1))
    CheckIn.objects.create(match=second, participant=second.mentee, sent_at=timezone.now(),
                           answered_at=timezone.now(), answer="met")
    rejected = Match.objects.filter(intake=intake, status="proposed").first()
    decisions.reject([rejected], coordinator)

    client.force_login(coordinator)
    overview = client.get(reverse("wagtail_buddy_admin:overview")).content.decode()
    summary = stats.intake_summary([intake])[intake.pk]
    # 4 of the 5 English speakers got one of the 4 places; 2 confirmed, 1 rejected (its
    # buddy has a free place again), 1 proposal left; the Dutch speaker fits nobody.
    expected = {"proposals": 1, "blocked": 1, "to_introduce": 2, "checkins": 2,
                "unconfirmed": 2, "free_buddies": 1}
    assert {k: summary[k] for k in expected} == expected
    for key, value in expected.items():
        todo = re.search(rf'data-todo="{key}"[^>]*><a href="([^"]+)"><strong>(\d+)</strong>',
                         overview)
        assert todo, key
        link, shown = todo.group(1).replace("&amp;", "&"), int(todo.group(2))
        assert shown == value, key
        listed = client.get(link).content.decode()
        assert rows(listed) == value, (key, link)
        if key == "free_buddies":  # the buddy whose proposal was rejected, not the other
            assert set(re.findall(r'name="ids" value="(\d+)"', listed)) == {
                str(rejected.mentor_id)}, listed
    for key in ("waiting", "matched"):
        figure = re.search(rf'data-count="{key}"><dt><a href="([^"]+)">[^<]*</a></dt>'
                           rf'<dd>(\d+)</dd>', overview)
        link = figure.group(1).replace("&amp;", "&")
        assert int(figure.group(2)) == summary[key]
        assert rows(client.get(link).content.decode()) == summary[key], key
    # The statistics page states the same figures.
    figures = stats.intake_stats(intake)
    assert figures["waiting"] == summary["waiting"] and figures["matched"] == summary["matched"]
    bars = {bar["label"]: bar["value"] for bar in figures["statuses"]}
    assert bars["Waiting for a match"] == summary["waiting"]
    assert bars["Matched"] == summary["matched"]
    assert sum(bars.values()) == Participant.objects.filter(
        intake=intake, role="international").count()


def test_every_list_finds_a_student_by_full_name_and_email(client, coordinator, intake,
                                                           participant_factory):
    ana = participant_factory("international", first_name="Ana", last_name="García López",
                              email="ana.garcia@example.org")
    other = participant_factory("international", first_name="Ana", last_name="Smith")
    mentor = participant_factory("local", first_name="Jules", last_name="Martin")
    paired = participant_factory("international", first_name="Ana", last_name="García López",
                                 email="second.ana@example.org")
    match = decisions.pair_manually(paired, mentor, coordinator)
    client.force_login(coordinator)
    lists = {
        "participants": (participant_url(), {}),
        "waiting": (reverse("wagtail_buddy_admin:waiting", args=[intake.pk]), {}),
        "proposals": (reverse("wagtail_buddy_admin:proposals", args=[intake.pk]),
                      {"status": "all"}),
        "introductions": (reverse("wagtail_buddy_admin:introductions", args=[intake.pk]),
                          {"show": "all"}),
    }
    for name, (url, extra) in lists.items():
        for q in ("Ana García López", "ana garcía", "López ANA"):
            html = client.get(url, {**extra, "q": q}).content.decode()
            if name in ("participants",):
                found = re.findall(r'name="ids" value="(\d+)"', html)
                assert {str(ana.pk), str(paired.pk)} <= set(found), (name, q, found)
                assert f'value="{other.pk}"' not in html, name
            elif name == "waiting":
                assert f'data-participant="{ana.pk}"' in html, (name, q)
                assert f'data-participant="{other.pk}"' not in html, name
            else:
                assert f'data-match="{match.pk}"' in html, (name, q)
        email = ana.email if name == "waiting" else paired.email
        by_email = client.get(url, {**extra, "q": email.upper()}).content.decode()
        assert rows(by_email) == 1, name
        nobody = client.get(url, {**extra, "q": "Ana Zzz"}).content.decode()
        assert rows(nobody) == 0, name
