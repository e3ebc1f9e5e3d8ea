"""The coordinators' feedback screen: figures and server-drawn charts, comments only to the
intake's own coordinators, an XLSX export (audited, text never a formula), constant queries."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import make_coordinator, make_programme
from tests.test_feedback import answer, make_pair
from wagtail_buddy.models import BuddyLogEntry
from wagtail_buddy.services import feedback

END = datetime(2027, 7, 1, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("buddy_cache")


def u(name, *args):
    return reverse(f"wagtail_buddy_admin:{name}", args=args)


@pytest.fixture
def answered(participant_factory):
    pairs = [make_pair(participant_factory) for _ in range(2)]
    feedback.send_due_feedback(END)
    answer(pairs[0], "mentee", overall=4, comment="=HYPERLINK(\"x\") <b>great</b>")
    answer(pairs[0], "mentor", recommend="maybe")
    answer(pairs[1], "mentee", met="no", overall=2, recommend="no")
    return pairs


def test_coordinator_sees_figures_charts_and_comments(client, coordinator, intake, answered):
    client.force_login(coordinator)
    response = client.get(u("feedback", intake.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="buddy-hbars"') == 5  # met, how often, overall, 2 x recommend
    assert "Did the pair meet?" in html and "Download the answers (XLSX)" in html
    # The comment is escaped, never markup.
    assert "&lt;b&gt;great&lt;/b&gt;" in html and "<b>great</b>" not in html
    assert "Ines" in html  # who wrote it
    assert u("feedback", intake.pk) in client.get(u("stats", intake.pk)).content.decode()


def test_no_answers_yet_says_so(client, coordinator, intake):
    client.force_login(coordinator)
    html = client.get(u("feedback", intake.pk)).content.decode()
    assert "No feedback answered yet." in html and "buddy-hbars" not in html


def test_export_holds_every_row_as_text_and_is_audited(client, coordinator, intake, answered):
    client.force_login(coordinator)
    response = client.get(u("feedback_export", intake.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Role", "First name", "Last name")
    assert len(rows) == 1 + 4  # two pairs, both sides, answered or not
    comment_cells = [c for c in sheet["L"] if c.value and "HYPERLINK" in str(c.value)]
    assert comment_cells and comment_cells[0].data_type == "s"  # text, not a formula
    assert sorted(r[9] for r in rows[1:] if r[9]) == [2, 4, 5]
    entry = BuddyLogEntry.objects.get(action="wagtail_buddy.feedback_export")
    assert entry.object_id == str(intake.pk) and entry.user_id == coordinator.pk


def test_another_section_sees_nothing(client, intake, answered, home_page, django_user_model):
    other = make_coordinator(django_user_model, "lyon", make_programme(home_page, "Lyon"))
    client.force_login(other)
    for url in (u("feedback", intake.pk), u("feedback_export", intake.pk)):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert b"HYPERLINK" not in response.content
    assert not BuddyLogEntry.objects.filter(action="wagtail_buddy.feedback_export").exists()
    client.logout()
    assert client.get(u("feedback", intake.pk)).status_code == 302  # to the login


def test_results_page_costs_the_same_queries_for_more_pairs(
        client, coordinator, intake, participant_factory, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)

    def measure() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(u("feedback", intake.pk)).status_code == 200
        return len(ctx.captured_queries)

    pairs = [make_pair(participant_factory) for _ in range(2)]
    feedback.send_due_feedback(END)
    for p in pairs:
        answer(p, "mentee", comment="ok")
    small = measure()
    more = [make_pair(participant_factory) for _ in range(8)]
    feedback.send_due_feedback(END + timedelta(seconds=1))
    for p in more:
        answer(p, "mentee", comment="fine")
        answer(p, "mentor", comment="good")
    assert measure() == small


def feedback_card(html: str, intake) -> str:
    card = html.split(f'data-intake="{intake.pk}"')[1].split("</section>")[0]
    assert "buddy-feedback-card" in card, "no feedback card on the overview"
    return card.split("buddy-feedback-card")[1].split("</div>")[0]


def test_the_overview_has_a_feedback_card_linking_to_the_results(client, coordinator, intake,
                                                                  participant_factory):
    client.force_login(coordinator)
    before = feedback_card(client.get(u("overview")).content.decode(), intake)
    assert 'data-feedback="before"' in before and "when the intake ends (July 1, 2027)" in before
    assert f'href="{u("feedback", intake.pk)}"' in before
    pairs = [make_pair(participant_factory) for _ in range(2)]
    feedback.send_due_feedback(END)
    answer(pairs[0], "mentee", overall=4)
    answer(pairs[0], "mentor")  # 5
    answer(pairs[1], "mentee", met="no", overall=2)
    card = feedback_card(client.get(u("overview")).content.decode(), intake)
    assert 'data-feedback="open"' in card
    assert f'<a href="{u("feedback", intake.pk)}"><strong>3</strong> of 4 students answered' \
        in card
    assert feedback.results(intake)["mean_overall"] == 11 / 3 and "overall 3.7 of 5" in card
    assert "Answers are taken until July 31, 2027." in card


def test_the_feedback_cards_cost_the_same_queries_for_any_number_of_intakes(
        client, coordinator, programme, intake, participant_factory):
    from wagtail_buddy.models import Intake
    client.force_login(coordinator)
    make_pair(participant_factory)
    feedback.send_due_feedback(END)

    def measure() -> int:
        client.get(u("overview"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(u("overview")).status_code == 200
        return len(queries.captured_queries)

    one = measure()
    for n in range(3):
        other = Intake.objects.create(programme=programme, name=f"Other {n}",
                                      starts_on=intake.starts_on, ends_on=intake.ends_on)
        make_pair(lambda role, other=other, **kw: participant_factory(role, intake=other, **kw))
    feedback.send_due_feedback(END)
    assert measure() == one
