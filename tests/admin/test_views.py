"""The coordinator workspace through the Django test client."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.urls import reverse
from django_q.conf import Conf

from tests.conftest import aria_references, make_coordinator
from wagtail_buddy.admin.modeladmin import participant_url
from wagtail_buddy.matching import DEFAULT_WEIGHTS
from wagtail_buddy.models import BuddyLogEntry, Match, MatchingRun, OutboundEmail, Participant
from wagtail_buddy.services import decisions, runs


def u(name, *args):
    return reverse(f"wagtail_buddy_admin:{name}", args=args)


@pytest.fixture
def logged_in(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def proposed(small_pool, intake, coordinator, run_matching):
    run = run_matching(intake, coordinator)
    return run, list(Match.objects.filter(run=run).select_related("mentee", "mentor")
                     .order_by("pk"))


def test_menu_and_home_panel(logged_in, intake, small_pool):
    response = logged_in.get(reverse("wagtailadmin_home"))
    body = response.content.decode()
    assert "Buddy System" in body
    assert u("proposals", intake.pk) in body  # the home panel links the intake


def test_overview_lists_intakes(logged_in, intake, small_pool):
    response = logged_in.get(u("overview"))
    assert response.status_code == 200
    assert intake.name in response.content.decode()


def test_go_redirects_to_latest_intake(logged_in, intake):
    response = logged_in.get(u("go", "proposals"))
    assert response.status_code == 302 and response["Location"] == u("proposals", intake.pk)


def test_start_run_from_the_matching_page(logged_in, intake, small_pool,
                                          django_capture_on_commit_callbacks):
    page = logged_in.get(u("matching", intake.pk))
    assert page.status_code == 200 and "Shared languages" in page.content.decode()
    data = {f"w_{k}": v for k, v in DEFAULT_WEIGHTS.items()}
    data |= {"w_interests": "4", "save_as_default": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(u("matching", intake.pk), data)
    run = MatchingRun.objects.get(intake=intake)
    assert response.status_code == 302 and response["Location"] == u("run", run.pk)
    assert run.config["weights"]["interests"] == 4.0
    intake.programme.refresh_from_db()
    assert intake.programme.matching_weights["interests"] == 4.0
    run_page = logged_in.get(u("run", run.pk)).content.decode()
    assert "Review the proposals" in run_page and "Load per buddy" in run_page
    status = logged_in.get(u("run_status", run.pk)).json()
    assert status["status"] == "succeeded" and status["progress"] == 100
    assert logged_in.get(u("intake_progress", intake.pk)).json()["run"] == run.pk
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.run_started").exists()


def test_bad_weight_shows_message_and_keeps_input(logged_in, intake):
    data = {f"w_{k}": v for k, v in DEFAULT_WEIGHTS.items()}
    data |= {"w_age": "-2", "w_interests": "3.5"}
    response = logged_in.post(u("matching", intake.pk), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Weights cannot be negative." in body
    assert 'value="3.5"' in body  # nothing typed is lost
    assert not MatchingRun.objects.exists()


def test_second_run_gets_a_message_not_a_500(logged_in, intake, coordinator, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    runs.start_run(intake.programme, intake, coordinator, {})
    data = {f"w_{k}": v for k, v in DEFAULT_WEIGHTS.items()}
    response = logged_in.post(u("matching", intake.pk), data)
    assert response.status_code == 409
    assert "already in progress" in response.content.decode()
    assert MatchingRun.objects.count() == 1


def test_review_page_and_row_actions(logged_in, proposed, intake):
    _run, pairs = proposed
    page = logged_in.get(u("proposals", intake.pk))
    body = page.content.decode()
    assert page.status_code == 200
    assert pairs[0].mentee.first_name in body and "Shared interests" in body
    assert logged_in.post(u("match_action", pairs[0].pk, "confirm")).status_code == 302
    assert logged_in.post(u("match_action", pairs[1].pk, "reject")).status_code == 302
    assert logged_in.post(u("match_action", pairs[2].pk, "lock")).status_code == 302
    statuses = dict(Match.objects.filter(pk__in=[p.pk for p in pairs[:3]])
                    .values_list("pk", "status"))
    assert statuses[pairs[0].pk] == "confirmed" and statuses[pairs[1].pk] == "rejected"
    assert Match.objects.get(pk=pairs[2].pk).locked
    assert Participant.objects.get(pk=pairs[0].mentee_id).status == "matched"
    assert Participant.objects.get(pk=pairs[1].mentee_id).status == "waiting"
    entry = BuddyLogEntry.objects.filter(action="wagtail_buddy.match_confirm",
                                         content_type__model="match",
                                         object_id=str(pairs[0].pk)).get()
    assert entry.user.username == "coordinator"
    # GET on an action URL does nothing
    assert logged_in.get(u("match_action", pairs[3].pk, "confirm")).status_code == 405


def test_bulk_confirm(logged_in, proposed, intake):
    _run, pairs = proposed
    ids = [p.pk for p in pairs[:4]]
    response = logged_in.post(u("proposals", intake.pk), {"action": "confirm", "ids": ids})
    assert response.status_code == 302
    assert Match.objects.filter(pk__in=ids, status="confirmed").count() == 4
    empty = logged_in.post(u("proposals", intake.pk), {"action": "confirm"}, follow=True)
    assert "Select at least one pair." in empty.content.decode()


def test_filters_low_score_first(logged_in, proposed, intake):
    _run, pairs = proposed
    Match.objects.filter(pk=pairs[3].pk).update(score=0.01)
    body = logged_in.get(u("proposals", intake.pk), {"ordering": "score"}).content.decode()
    first_row = body.index('data-match="')
    assert body[first_row:first_row + 30].startswith(f'data-match="{pairs[3].pk}"')


def test_swap_to_a_ranked_alternative(logged_in, proposed, participant_factory):
    _run, pairs = proposed
    match = pairs[0]
    spare = participant_factory("local", languages=("en", "es"), capacity=1)
    page = logged_in.get(u("swap", match.pk))
    assert page.status_code == 200 and f'value="{spare.pk}"' in page.content.decode()
    response = logged_in.post(u("swap", match.pk), {"mentor": spare.pk})
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.mentor_id == spare.pk and match.source == "manual"
    bad = logged_in.post(u("swap", match.pk), {"mentor": "999999"}, follow=True)
    assert "not among the available alternatives" in bad.content.decode()


def test_manual_pairing_from_suggestions(logged_in, participant_factory, intake):
    mentee = participant_factory("international", languages=("en",))
    mentor = participant_factory("local", languages=("en",))
    waiting = logged_in.get(u("waiting", intake.pk)).content.decode()
    assert mentee.first_name in waiting
    page = logged_in.get(u("pair", mentee.pk)).content.decode()
    assert f'value="{mentor.pk}"' in page
    response = logged_in.post(u("pair", mentee.pk), {"mentor": mentor.pk})
    match = Match.objects.get(mentee=mentee)
    assert response.status_code == 302 and response["Location"] == u("match", match.pk)
    assert match.status == "confirmed" and match.source == "manual"
    mentee.refresh_from_db()
    assert mentee.status == "matched"


def test_introductions_are_sent_once_in_each_language(logged_in, intake, participant_factory,
                                                      coordinator,
                                                      django_capture_on_commit_callbacks):
    mentee = participant_factory("international", preferred_language="fr", phone="+33 6 12")
    mentor = participant_factory("local", preferred_language="en", phone="@lea_insta")
    match = decisions.pair_manually(mentee, mentor, coordinator)
    logged_in.post(u("match", match.pk), {"note": "Meet at the welcome party!"})
    detail = logged_in.get(u("match", match.pk)).content.decode()
    assert "Email preview" in detail and "Meet at the welcome party!" in detail
    assert not mail.outbox  # preview sends nothing
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            logged_in.post(u("introductions", intake.pk), {"scope": "all"})
    assert len(mail.outbox) == 2
    by_to = {m.to[0]: m for m in mail.outbox}
    to_mentee, to_mentor = by_to[mentee.email], by_to[mentor.email]
    assert mentor.email in to_mentee.body and "@lea_insta" in to_mentee.body
    assert mentee.email in to_mentor.body and "+33 6 12" in to_mentor.body
    assert "Meet at the welcome party!" in to_mentee.body
    assert mentor.first_name in to_mentee.subject
    assert to_mentee.alternatives and mentor.email in to_mentee.alternatives[0][0]
    match.refresh_from_db()
    assert match.introduced_at
    page = logged_in.get(u("introductions", intake.pk), {"show": "sent"}).content.decode()
    assert "Introduced" in page and "sent" in page


def test_cancel_needs_a_reason_and_notifies(logged_in, intake, participant_factory, coordinator,
                                            django_capture_on_commit_callbacks):
    mentee = participant_factory("international")
    mentor = participant_factory("local")
    match = decisions.pair_manually(mentee, mentor, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(u("introductions", intake.pk), {"scope": "all"})
    missing = logged_in.post(u("cancel", match.pk), {"reason": "", "notify": "on",
                                                      "message": "<b>We are sorry</b>"})
    page = missing.content.decode()
    assert missing.status_code == 400 and "Please give a reason." in page
    # The form shows what will be sent, with the typed message (escaped) in place.
    assert "data-buddy-cancel-preview" in page and "&lt;b&gt;We are sorry&lt;/b&gt;" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = logged_in.post(u("cancel", match.pk), {
            "reason": "Moved away", "message": "We will find you a new buddy.",
            "notify": "on"})
    assert done.status_code == 302
    match.refresh_from_db()
    mentee.refresh_from_db()
    assert match.status == "cancelled" and match.end_reason == "Moved away"
    assert mentee.status == "waiting"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([mentee.email, mentor.email])
    assert all("We will find you a new buddy." in m.body for m in mail.outbox)
    assert not any("Moved away" in m.body for m in mail.outbox)  # the internal note stays in
    assert OutboundEmail.objects.filter(purpose="cancelled").count() == 2


def test_stats_page_draws_svg(logged_in, intake, small_pool, proposed):
    response = logged_in.get(u("stats", intake.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<svg") >= 3 and "Spain" in body


def test_participant_list_filters_search_inspect(logged_in, participant_factory, intake):
    anna = participant_factory("international", first_name="Anna", nationality="IT",
                               extra_answers={"diet": "vegan"})
    participant_factory("local", first_name="Bruno")
    participant_factory("international", first_name="Carla", nationality="DE")  # no answers
    index = participant_url()
    listing = logged_in.get(index, {"q": "Anna"}).content.decode()
    assert "Anna" in listing and "Bruno" not in listing
    filtered = logged_in.get(index, {"role": "local"}).content.decode()
    assert "Bruno" in filtered and anna.email not in filtered
    assert "Carla" in logged_in.get(index).content.decode()
    for params in ({"extra": "yes"}, {"nationality": "IT"}):  # each filter drops Carla
        filtered = logged_in.get(index, params).content.decode()
        assert "Anna" in filtered and "Carla" not in filtered, params
    inspect = logged_in.get(participant_url(anna.pk)).content.decode()
    assert anna.email in inspect and "vegan" in inspect and "History" in inspect


def test_exports_follow_the_filter(logged_in, participant_factory):
    participant_factory("international", first_name="=HYPERLINK(1)")
    participant_factory("local", first_name="Localo")
    index = participant_url()
    csv_response = logged_in.get(index, {"role": "international", "export": "csv"})
    text = csv_response.content.decode("utf-8-sig")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in text and "Localo" not in text
    xlsx = logged_in.get(index, {"export": "xlsx"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [row[3] for row in sheet.iter_rows(min_row=2)]
    # XLSX: typed string cells, the text as typed (no formula, no guard apostrophe).
    assert {c.value for c in cells} == {"=HYPERLINK(1)", "Localo"}
    assert {c.data_type for c in cells} == {"s"}


def test_participant_bulk_actions(logged_in, participant_factory, intake, programme, coordinator):
    from datetime import date

    from wagtail_buddy.models import Intake

    new = participant_factory("international", status=Participant.Status.UNCONFIRMED,
                              confirmed_at=None)
    leaving = participant_factory("international")
    mentor = participant_factory("local")
    match = decisions.pair_manually(leaving, mentor, coordinator)
    logged_in.post(u("participants_bulk"), {"action": "confirm_email", "ids": [new.pk]})
    logged_in.post(u("participants_bulk"), {"action": "withdraw", "ids": [leaving.pk]})
    new.refresh_from_db()
    leaving.refresh_from_db()
    match.refresh_from_db()
    assert new.status == "waiting" and new.confirmed_at
    assert leaving.status == "withdrawn" and match.status == "cancelled"
    autumn = Intake.objects.create(programme=programme, name="Autumn", starts_on=date(2027, 9, 1),
                                   ends_on=date(2028, 1, 31))
    missing = logged_in.post(u("participants_bulk"), {"action": "move", "ids": [new.pk]},
                             follow=True)
    assert "Choose the intake to move them to." in missing.content.decode()
    logged_in.post(u("participants_bulk"), {"action": "move", "ids": [new.pk],
                                            "intake": autumn.pk})
    new.refresh_from_db()
    assert new.intake_id == autumn.pk
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.participant_move",
                                        object_id=str(new.pk)).exists()


def test_view_only_coordinator_cannot_change(client, django_user_model, programme, proposed,
                                             intake):
    _run, pairs = proposed
    viewer = make_coordinator(django_user_model, "viewer", programme,
                              codenames=("view_participant",))
    client.force_login(viewer)
    assert client.get(u("proposals", intake.pk)).status_code == 200
    denied = [
        client.post(u("match_action", pairs[0].pk, "confirm")),
        client.get(u("matching", intake.pk)),
        client.post(u("proposals", intake.pk), {"action": "confirm", "ids": [pairs[0].pk]}),
    ]
    # Wagtail turns PermissionDenied into a redirect to the dashboard with a message.
    assert all(r.status_code in (302, 403) for r in denied)
    assert all(r.get("Location", "/admin/") == "/admin/" for r in denied)
    assert Match.objects.get(pk=pairs[0].pk).status == "proposed"


def test_admin_form_aria_references_resolve(logged_in, intake, participant_factory,
                                            coordinator):
    """Django links help texts and errors by id; the admin field template must carry them."""
    match = decisions.pair_manually(participant_factory("international"),
                                    participant_factory("local"), coordinator)
    pages = [logged_in.get(u("matching", intake.pk)),
             logged_in.post(u("cancel", match.pk), {"reason": "", "notify": "on"})]
    assert pages[1].status_code == 400
    for response in pages:
        references, dangling = aria_references(response.content.decode())
        assert references
        assert not dangling
    assert 'id="id_reason_error"' in pages[1].content.decode()
