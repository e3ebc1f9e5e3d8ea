"""The buddy certificate: only for a buddy whose pair met, in their language, as a PDF with
the ``pdf`` extra and as a printable page without it; every hand-out audited."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.pdf_text import pdf_text
from wagtail_buddy.models import BuddyLogEntry, CheckIn, Feedback, Match
from wagtail_buddy.services import certificate, tokens

pytestmark = pytest.mark.usefixtures("buddy_cache")


def pair(participant_factory, mentor=None, **mentor_fields):
    mentee = participant_factory("international", status="matched")
    mentor = mentor or participant_factory("local", status="matched", **mentor_fields)
    return Match.objects.create(intake=mentee.intake, mentee=mentee, mentor=mentor,
                                status=Match.Status.CONFIRMED, confirmed_at=timezone.now(),
                                introduced_at=timezone.now())


def route(programme, name, participant):
    return programme.url + programme.reverse_subpage(
        name, kwargs={"token": tokens.make_token(participant, tokens.ACCESS)})


@pytest.fixture
def buddy(participant_factory):
    """A Greek buddy with two students: met one (check-in), met the other (feedback), and a
    third pair that never met."""
    first = pair(participant_factory, first_name="Γιώργος", last_name="Παπαδόπουλος")
    mentor = first.mentor
    CheckIn.objects.create(match=first, participant=first.mentee, answer="met")
    second = pair(participant_factory, mentor)
    Feedback.objects.create(match=second, participant=mentor, met="yes", overall=5,
                            recommend="yes", answered_at=timezone.now())
    third = pair(participant_factory, mentor)
    CheckIn.objects.create(match=third, participant=mentor, answer="no_contact")
    Feedback.objects.create(match=third, participant=third.mentee, met="no", overall=2,
                            recommend="no", answered_at=timezone.now())
    return mentor


def test_counts_only_students_the_buddy_met(buddy, participant_factory):
    assert certificate.students_welcomed(buddy) == 2
    cancelled = pair(participant_factory, buddy)
    CheckIn.objects.create(match=cancelled, participant=buddy, answer="met")
    Match.objects.filter(pk=cancelled.pk).update(status=Match.Status.CANCELLED)
    assert certificate.students_welcomed(buddy) == 2
    student = Match.objects.filter(mentor=buddy).first().mentee
    assert certificate.students_welcomed(student) == 0 and certificate.for_participant(
        student) is None


def test_pdf_names_the_buddy_and_the_count_in_any_script(client, programme, buddy):
    assert certificate.pdf_available()
    page = client.get(route(programme, "participant", buddy)).content.decode()
    assert "/certificate/pdf/" in page
    response = client.get(route(programme, "certificate_pdf", buddy))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store, private"
    body = response.content
    assert body.startswith(b"%PDF") and body.count(b"/Type /Page\n") == 1
    text = pdf_text(body)
    assert "Γιώργος Παπαδόπουλος" in text
    assert "welcomed 2 international students" in text.replace("\n", " ")
    assert "ESN Buddy Programme" in text and "buddy@example.org" in text
    assert "Spring 2027" in text.replace("\n", " ")
    entry = BuddyLogEntry.objects.get(action="wagtail_buddy.certificate")
    assert entry.object_id == str(buddy.pk) and entry.data == {"format": "pdf"}


def test_pdf_is_in_the_buddys_language(client, programme, participant_factory):
    match = pair(participant_factory, first_name="Юлия", preferred_language="fr")
    CheckIn.objects.create(match=match, participant=match.mentor, answer="met")
    text = pdf_text(client.get(route(programme, "certificate_pdf", match.mentor)).content)
    flat = text.replace("\n", " ")
    assert "Certificat de buddy" in flat and "Юлия" in flat
    assert "a accueilli 1 étudiant international." in flat


def test_without_the_extra_the_same_certificate_is_a_printable_page(
        client, programme, buddy, monkeypatch):
    monkeypatch.setattr(certificate, "pdf_available", lambda: False)
    page = client.get(route(programme, "participant", buddy)).content.decode()
    assert "/certificate/pdf/" not in page and "/certificate/" in page
    url = route(programme, "certificate_pdf", buddy)
    pdf = client.get(url)
    assert pdf.status_code == 302 and pdf["Location"] == url[:-len("pdf/")]
    response = client.get(route(programme, "certificate", buddy))
    html = response.content.decode()
    assert response.status_code == 200 and "data-certificate" in html
    assert "Γιώργος Παπαδόπουλος" in html and "welcomed 2 international students" in html
    assert "print dialog" in html and "certificate/pdf" not in html
    assert BuddyLogEntry.objects.filter(action="wagtail_buddy.certificate",
                                        data__format="html").count() == 1


def test_the_page_and_the_pdf_say_the_same(client, programme, buddy):
    lines = certificate.for_participant(buddy).lines()
    html = client.get(route(programme, "certificate", buddy)).content.decode()
    text = pdf_text(client.get(route(programme, "certificate_pdf", buddy)).content)
    for key in ("title", "name", "thanks", "issued"):
        assert lines[key] in html and lines[key] in text.replace("\n", " ")


def test_a_buddy_whose_pair_did_not_meet_gets_a_message_not_a_certificate(
        client, programme, participant_factory):
    match = pair(participant_factory)
    CheckIn.objects.create(match=match, participant=match.mentor, answer="in_contact")
    page = client.get(route(programme, "participant", match.mentor)).content.decode()
    assert "data-certificate-offer" in page and "certificate/pdf" not in page
    response = client.get(route(programme, "certificate", match.mentor))
    html = response.content.decode()
    assert response.status_code == 403 and "No certificate yet" in html
    assert "data-certificate>" not in html
    pdf = client.get(route(programme, "certificate_pdf", match.mentor))
    assert pdf.status_code == 302 and pdf["Content-Type"] != "application/pdf"
    assert not BuddyLogEntry.objects.filter(action="wagtail_buddy.certificate").exists()


def test_students_and_unmatched_buddies_see_no_certificate_box(client, programme,
                                                              participant_factory, buddy):
    student = Match.objects.filter(mentor=buddy).first().mentee
    assert "data-certificate-offer" not in client.get(
        route(programme, "participant", student)).content.decode()
    assert client.get(route(programme, "certificate", student)).status_code == 403
    waiting = participant_factory("local")
    assert "data-certificate-offer" not in client.get(
        route(programme, "participant", waiting)).content.decode()


def test_forged_and_wrong_purpose_links_get_no_certificate(client, programme, buddy):
    url = route(programme, "certificate_pdf", buddy)
    assert client.get(url.rstrip("/")[:-len("/pdf")][:-3] + "abc/pdf/").status_code == 404
    wrong = programme.url + programme.reverse_subpage(
        "certificate_pdf", kwargs={"token": tokens.make_token(buddy, tokens.CHECKIN)})
    assert client.get(wrong).status_code == 404
    assert client.post(url).status_code == 405
    assert not BuddyLogEntry.objects.filter(action="wagtail_buddy.certificate").exists()


def test_a_name_in_a_script_the_font_lacks_still_gives_one_page():
    from datetime import date

    made = certificate.Certificate("en", "王小明 " + "Longname " * 40, "ESN X", "Spring 2027", 3,
                                   "", date(2027, 1, 1))
    body = certificate.render_pdf(made)
    assert body.count(b"/Type /Page\n") == 1
    text = pdf_text(body).replace("\n", " ")
    assert "Longname Longname" in text and "welcomed 3 international students." in text
