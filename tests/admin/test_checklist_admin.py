"""Issue 25, part 2, for coordinators: how far an intake's pairs are on their checklist, the
idle pairs on the to-do overview, and each programme's tasks as a scoped snippet."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_coordinator, make_programme
from wagtail_buddy.models import ChecklistTask, ChecklistTick, Intake, Match
from wagtail_buddy.permissions import LEVELS, MANAGE
from wagtail_buddy.services import checklist

TASKS = "wagtail_buddy_checklist_tasks"


def u(name, *args):
    return reverse(f"wagtail_buddy_admin:{name}", args=args)


def introduce(intake, participant_factory, n, weeks_ago=4, ticks=0):
    """``n`` introduced pairs of ``intake``, each with its first ``ticks`` tasks done."""
    task_ids = [t.pk for t in checklist.tasks(intake.programme_id, "en")]
    pairs = []
    for _ in range(n):
        mentee = participant_factory("international", intake=intake, status="matched")
        mentor = participant_factory("local", intake=intake, status="matched")
        pairs.append(Match.objects.create(
            intake=intake, mentee=mentee, mentor=mentor, status=Match.Status.CONFIRMED,
            confirmed_at=timezone.now(),
            introduced_at=timezone.now() - timedelta(weeks=weeks_ago)))
    ChecklistTick.objects.bulk_create([ChecklistTick(match=m, task_id=t, ticked_at=timezone.now())
                                       for m in pairs for t in task_ids[:ticks]])
    return pairs


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-match="(\d+)"', html)


def test_the_intake_page_shows_each_pairs_progress(client, coordinator, intake,
                                                    participant_factory):
    idle = introduce(intake, participant_factory, 1, ticks=0)[0]
    partly = introduce(intake, participant_factory, 1, ticks=2)[0]
    done = introduce(intake, participant_factory, 1, ticks=7)[0]
    introduce(intake, participant_factory, 1, weeks_ago=1)  # recent, nothing yet
    client.force_login(coordinator)
    response = client.get(u("checklist", intake.pk))
    html = response.content.decode()
    assert response.status_code == 200 and len(rows(html)) == 4
    assert "2 of 7 done" in html and "7 of 7 done" in html
    assert re.search(r'data-count="idle"><dt>[^<]+</dt><dd>1</dd>', html)
    assert "Meet in person" in html  # the bars per task
    filtered = {
        "idle": [idle.pk], "some": [partly.pk], "all": [done.pk]}
    for state, expected in filtered.items():
        shown = rows(client.get(u("checklist", intake.pk), {"progress": state}).content.decode())
        assert shown == [str(pk) for pk in expected], state
    none = rows(client.get(u("checklist", intake.pk), {"progress": "none"}).content.decode())
    assert len(none) == 2 and str(idle.pk) in none
    assert len(rows(client.get(u("checklist", intake.pk),
                               {"progress": "nonsense"}).content.decode())) == 4


def test_the_page_costs_the_same_queries_for_3_or_30_pairs(client, coordinator, intake,
                                                           participant_factory,
                                                           django_assert_max_num_queries):
    introduce(intake, participant_factory, 3, ticks=1)
    client.force_login(coordinator)
    url = u("checklist", intake.pk)

    def measure():
        client.get(url)
        with django_assert_max_num_queries(40) as captured:
            html = client.get(url).content.decode()
        return len(captured.captured_queries), len(rows(html))

    small = measure()
    introduce(intake, participant_factory, 27, ticks=3)
    big = measure()
    assert big[0] == small[0] and (small[1], big[1]) == (3, 30)


def test_other_sections_and_people_without_access_see_nothing(client, intake, home_page,
                                                              participant_factory,
                                                              django_user_model):
    introduce(intake, participant_factory, 1)
    other = make_coordinator(django_user_model, "lyon", make_programme(home_page, "Lyon"))
    client.force_login(other)
    assert client.get(u("checklist", intake.pk)).status_code == 404
    nobody = django_user_model.objects.create_user("nobody", "n@example.org", "pw")
    client.force_login(nobody)
    assert client.get(u("checklist", intake.pk)).status_code == 302  # to the login page


def test_the_overview_lists_idle_pairs_with_a_link_to_them(client, coordinator, intake,
                                                           participant_factory):
    introduce(intake, participant_factory, 2, ticks=0)
    introduce(intake, participant_factory, 1, ticks=1)
    client.force_login(coordinator)
    html = client.get(u("overview")).content.decode()
    line = re.search(r'<li data-todo="checklist_idle"[^>]*>(.*?)</li>', html, re.S)
    assert line and "<strong>2</strong>" in line[1]
    assert f'{u("checklist", intake.pk)}?progress=idle' in line[1]
    assert "pairs have ticked nothing" in line[1]


def test_coordinators_edit_only_their_programmes_tasks(client, programme, home_page,
                                                       django_user_model):
    other = make_programme(home_page, "Lyon")
    codenames = [p.split(".")[1] for p in LEVELS[MANAGE] if p.startswith("wagtail_buddy.")]
    mine = make_coordinator(django_user_model, "mine", programme, codenames)
    client.force_login(mine)
    listing = client.get(reverse(f"{TASKS}:list")).content.decode()
    own = ChecklistTask.objects.filter(programme=programme).first()
    theirs = ChecklistTask.objects.filter(programme=other).first()
    assert reverse(f"{TASKS}:edit", args=[own.pk]) in listing
    assert reverse(f"{TASKS}:edit", args=[theirs.pk]) not in listing
    response = client.post(reverse(f"{TASKS}:edit", args=[own.pk]), {
        "programme": programme.pk, "name": "Coffee together", "sort_order": 5, "active": "on"})
    assert response.status_code == 302
    assert ChecklistTask.objects.get(pk=own.pk).name == "Coffee together"
    client.post(reverse(f"{TASKS}:edit", args=[theirs.pk]), {
        "programme": other.pk, "name": "Hacked", "sort_order": 1, "active": "on"})
    assert ChecklistTask.objects.get(pk=theirs.pk).name != "Hacked"
    assert checklist.tasks(programme.pk, "en")[0].name == "Coffee together"


@pytest.mark.parametrize("progress", ["idle", "all"])
def test_an_intake_without_pairs_shows_an_empty_list(client, coordinator, programme, progress):
    empty = Intake.objects.create(programme=programme, name="Empty",
                                  starts_on=timezone.now().date(), ends_on=timezone.now().date())
    client.force_login(coordinator)
    response = client.get(u("checklist", empty.pk), {"progress": progress})
    assert response.status_code == 200 and "No introduced pair here." in response.content.decode()
