"""Sign-up pages: the forms, validation, double opt-in emails, duplicates, closed/full, abuse."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.core import mail
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from wagtail_buddy import ratelimit
from wagtail_buddy.models import Intake, OutboundEmail, Participant
from wagtail_buddy.services import signup as signup_service

from .conftest import aria_references

pytestmark = pytest.mark.usefixtures("buddy_cache")


def url(programme, role="international"):
    return programme.url + programme.reverse_subpage("signup", kwargs={"role": role})


def sent_url(programme, role=None):
    """The 'check your inbox' page; after a sign-up it names the form's role."""
    return programme.url + programme.reverse_subpage("sent") + (f"?role={role}" if role else "")


def post(client, capture, target, data):
    with capture(execute=True):
        return client.post(target, data)


def links_in(message) -> list[str]:
    return re.findall(r"https?://localhost(/[^\s\"'<>]+)", message.body)


def test_programme_page_offers_both_roles(client, programme, intake):
    response = client.get(programme.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert url(programme, "local") in html and url(programme, "international") in html
    assert "Become a buddy" in html and "Get a buddy" in html
    assert intake.name in html


def test_programme_page_query_count(client, programme, intake,
                                    django_assert_max_num_queries):
    client.get(programme.url)
    with django_assert_max_num_queries(10):
        assert client.get(programme.url).status_code == 200


def test_programme_page_says_when_signup_is_closed(client, programme):
    response = client.get(programme.url)
    assert response.status_code == 200
    assert url(programme, "local") not in response.content.decode()
    assert "closed" in response.content.decode()


@pytest.mark.parametrize("role", ["local", "international"])
def test_form_renders_role_fields_with_labels(client, programme, intake, interests, role):
    response = client.get(url(programme, role))
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("first_name", "email", "birth_year", "nationality", "languages", "consent",
                 "charter", "preferred_language", "website"):
        assert f'name="{name}"' in html, name
    local_only = ('name="capacity"', 'name="available_from"', 'name="exchange_country"')
    intl_only = ('name="arrival_date"', 'name="home_university"')
    for marker in local_only:
        assert (marker in html) == (role == "local")
    for marker in intl_only:
        assert (marker in html) == (role == "international")
    assert 'type="date"' in html
    assert '<label class="buddy-label" for="id_first_name">' in html
    assert "<legend" in html and 'value="hiking"' not in html  # interests by pk
    assert 'aria-describedby="id_birth_year_helptext"' in html
    assert "We store your data." in html and "Be kind." in html


def test_form_page_query_count(client, programme, intake, interests,
                               django_assert_max_num_queries):
    client.get(url(programme))  # warm caches (site root, locales)
    with django_assert_max_num_queries(12):
        response = client.get(url(programme))
    assert response.status_code == 200


def test_valid_signup_creates_unconfirmed_participant_and_emails_link(
        client, programme, intake, interests, signup_payload,
        django_capture_on_commit_callbacks):
    data = signup_payload("local", interests=[str(interests[0].pk), str(interests[2].pk)])
    response = post(client, django_capture_on_commit_callbacks, url(programme, "local"), data)
    assert response.status_code == 302
    assert response["Location"] == sent_url(programme, "local")
    p = Participant.objects.get()
    assert (p.status, p.role, p.intake, p.email) == ("unconfirmed", "local", intake,
                                                       "ana.local@example.org")
    assert p.capacity == 2 and p.exchange_country.code == "DE"
    assert sorted(p.languages.values_list("code", flat=True)) == ["en", "es"]
    assert set(p.interests.all()) == {interests[0], interests[2]}
    assert p.consent_version == programme.consent_version() and p.consent_at
    assert p.charter_accepted_at is not None and p.confirmed_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana.local@example.org"]
    assert "Confirm" in message.subject
    assert any("/confirm/" in link for link in links_in(message))
    assert message.alternatives and "Confirm my sign-up" in message.alternatives[0][0]


def test_check_your_inbox_page(client, programme, intake):
    response = client.get(sent_url(programme))
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()


def test_invalid_post_keeps_input_and_explains_each_field(client, programme, intake,
                                                           signup_payload):
    data = signup_payload(first_name="", email="not-an-email", birth_year="1850",
                          languages=["xx"], consent=None, gender="",
                          gender_preference="same", arrival_date="2027-02-30",
                          faculty="Keep this text")
    response = client.post(url(programme), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert Participant.objects.count() == 0
    assert 'id="buddy-error-summary"' in html and 'href="#id_first_name"' in html
    assert 'id="id_email_error"' in html and 'aria-invalid="true"' in html
    assert "Enter a valid email address." in html
    assert "Enter a year between" in html
    assert "Choose languages from the list." in html
    assert "We need your consent" in html
    assert "Tell us your gender" in html
    assert "Enter a valid date." in html
    # Nothing typed is lost.
    assert 'value="not-an-email"' in html and "Keep this text" in html
    assert 'value="Universidad de Sevilla"' in html


def test_local_availability_must_be_ordered(client, programme, intake, signup_payload):
    data = signup_payload("local", available_from="2027-05-01", available_until="2027-04-01")
    response = client.post(url(programme, "local"), data)
    assert "on or after" in response.content.decode()
    assert not Participant.objects.exists()


def test_control_characters_get_a_message_not_a_crash(client, programme, intake,
                                                      signup_payload):
    response = client.post(url(programme), signup_payload(first_name="Ana\x00\x1b"))
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    assert not Participant.objects.exists()


def test_duplicate_signup_resends_confirmation_without_second_row(
        client, programme, intake, signup_payload, django_capture_on_commit_callbacks):
    data = signup_payload()
    post(client, django_capture_on_commit_callbacks, url(programme), data)
    again = post(client, django_capture_on_commit_callbacks, url(programme),
                 {**data, "email": "ANA.International@Example.org", "first_name": "Other"})
    assert again.status_code == 302 and again["Location"] == sent_url(programme, "international")
    assert Participant.objects.count() == 1
    assert Participant.objects.get().first_name == "Ana"  # not overwritten by a stranger
    assert len(mail.outbox) == 2
    assert all("/confirm/" in " ".join(links_in(m)) for m in mail.outbox)
    # A third attempt within the quarter-hour window sends nothing more.
    post(client, django_capture_on_commit_callbacks, url(programme), data)
    assert len(mail.outbox) == 2


def test_duplicate_of_confirmed_participant_gets_private_link(
        client, programme, intake, signup_payload, participant_factory,
        django_capture_on_commit_callbacks):
    existing = participant_factory(email="ana.international@example.org")
    response = post(client, django_capture_on_commit_callbacks, url(programme),
                    signup_payload())
    assert response.status_code == 302
    assert Participant.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [existing.email]
    assert "/me/" in " ".join(links_in(mail.outbox[0]))


def test_same_email_other_role_is_a_new_participant(client, programme, intake,
                                                    signup_payload,
                                                    django_capture_on_commit_callbacks):
    post(client, django_capture_on_commit_callbacks, url(programme), signup_payload())
    post(client, django_capture_on_commit_callbacks, url(programme, "local"),
         signup_payload("local", email="ana.international@example.org"))
    assert sorted(Participant.objects.values_list("role", flat=True)) == ["international",
                                                                           "local"]


def test_withdrawn_participant_can_sign_up_again(client, programme, intake, signup_payload,
                                                 participant_factory,
                                                 django_capture_on_commit_callbacks):
    """The new answers wait for the address owner: until they press the button, the row is
    as it was (anyone can type a withdrawn student's address), and the purge of
    unconfirmed sign-ups leaves it alone."""
    old = participant_factory(email="ana.international@example.org", first_name="Ana",
                              phone="+34 600 000 000", status=Participant.Status.WITHDRAWN)
    before = Participant.objects.filter(pk=old.pk).values().get()
    post(client, django_capture_on_commit_callbacks, url(programme),
         signup_payload(first_name="Ana-Maria", phone="+33 6 00 00 00 00"))
    after = Participant.objects.filter(pk=old.pk).values().get()
    assert Participant.objects.count() == 1
    assert {k: v for k, v in after.items() if k not in ("pending_signup", "updated_at")} == \
        {k: v for k, v in before.items() if k not in ("pending_signup", "updated_at")}
    from wagtail_buddy.services import maintenance

    maintenance.purge_unconfirmed(now=timezone.now() + datetime.timedelta(days=3650))
    assert Participant.objects.filter(pk=old.pk).exists()
    confirm_link = next(link for link in links_in(mail.outbox[-1]) if "/confirm/" in link)
    assert client.get(confirm_link).status_code == 200
    assert Participant.objects.get(pk=old.pk).first_name == "Ana"  # opening changes nothing
    post(client, django_capture_on_commit_callbacks, confirm_link, {})
    old.refresh_from_db()
    # The sign-up form's answers replace the old ones; the phone is asked on the private page
    # after confirmation, so the one they gave before stays until they change it there.
    assert (old.status, old.first_name, old.phone, old.withdrawn_at, old.pending_signup) == \
        ("waiting", "Ana-Maria", "+34 600 000 000", None, None)
    assert old.confirmed_at is not None


def test_honeypot_stores_nothing_but_looks_the_same(client, programme, intake, signup_payload,
                                                    django_capture_on_commit_callbacks):
    response = post(client, django_capture_on_commit_callbacks, url(programme),
                    signup_payload(website="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == sent_url(programme,
                                                                           "international")
    assert not Participant.objects.exists() and not mail.outbox


def test_signup_closed_is_a_friendly_page(client, programme, intake, signup_payload):
    Intake.objects.filter(pk=intake.pk).update(signup_open=False)
    for response in (client.get(url(programme)), client.post(url(programme),
                                                              signup_payload())):
        assert response.status_code == 200
        assert "Sign-up is closed" in response.content.decode()
    assert not Participant.objects.exists()


def test_full_intake_is_a_friendly_page(client, programme, intake, signup_payload,
                                        participant_factory):
    intake.max_internationals = 1
    intake.save()
    participant_factory()
    response = client.get(url(programme))
    assert response.status_code == 200 and "All places are taken" in response.content.decode()
    assert client.get(url(programme, "local")).status_code == 200
    assert 'name="capacity"' in client.get(url(programme, "local")).content.decode()


def test_rate_limit_per_ip_keeps_the_input(client, programme, intake, signup_payload,
                                           settings, django_capture_on_commit_callbacks):
    settings.WAGTAIL_BUDDY_SIGNUP_RATE_LIMIT = 2
    for n in range(2):
        response = post(client, django_capture_on_commit_callbacks, url(programme),
                        signup_payload(email=f"s{n}@example.org"))
        assert response.status_code == 302
    response = client.post(url(programme), signup_payload(email="third@example.org"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many sign-ups" in html and 'value="third@example.org"' in html
    assert Participant.objects.count() == 2
    # Another address (another network) is not affected.
    other = client.post(url(programme), signup_payload(email="fourth@example.org"),
                        REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


def test_request_link_is_rate_limited_and_silent(client, programme, intake, settings,
                                                 participant_factory,
                                                 django_capture_on_commit_callbacks):
    settings.WAGTAIL_BUDDY_SIGNUP_RATE_LIMIT = 2
    p = participant_factory(email="known@example.org")
    target = programme.url + programme.reverse_subpage("request_link")
    unknown = post(client, django_capture_on_commit_callbacks, target,
                   {"email": "nobody@example.org", "role": "international"})
    known = post(client, django_capture_on_commit_callbacks, target,
                 {"email": "KNOWN@example.org", "role": "international"})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == sent_url(programme)
    assert [m.to for m in mail.outbox] == [[p.email]]
    assert "/me/" in " ".join(links_in(mail.outbox[0]))
    assert client.post(target, {"email": "x@example.org", "role": "local"}).status_code == 429
    bad = client.post(target, {"email": "nope", "role": "alien"})
    assert bad.status_code == 200 and "Enter a valid email address." in bad.content.decode()


def test_preferred_language_follows_the_active_language(client, programme, intake,
                                                        signup_payload,
                                                        django_capture_on_commit_callbacks):
    from wagtail_buddy.forms import ParticipantForm

    with translation.override("fr"):
        form = ParticipantForm(programme=programme, role="international")
        assert form.fields["preferred_language"].initial == "fr"
        names = dict(form.fields["languages"].choices)
        assert names["de"] == "allemand"
    post(client, django_capture_on_commit_callbacks, url(programme),
         signup_payload(preferred_language="de"))
    p = Participant.objects.get()
    assert p.preferred_language == "de"
    assert mail.outbox[0].to == ["ana.international@example.org"]


def test_extra_questions_are_asked_and_stored(client, programme, intake, signup_payload,
                                              django_capture_on_commit_callbacks):
    block = programme.extra_questions.stream_block.child_blocks["question"]
    value = block.to_python({"key": "diet", "label": "Any diet?", "kind": "choice",
                             "choices": ["Vegan", "None"], "required": True,
                             "roles": "international", "help_text": ""})
    programme.extra_questions = [("question", value)]
    programme.save()
    html = client.get(url(programme)).content.decode()
    assert "Any diet?" in html and 'name="extra_diet"' in html
    assert 'name="extra_diet"' not in client.get(url(programme, "local")).content.decode()
    missing = client.post(url(programme), signup_payload())
    assert "This field is required." in missing.content.decode()
    made_up = client.post(url(programme), signup_payload(extra_diet="Pizza"))
    assert made_up.status_code == 200 and not Participant.objects.exists()
    assert "Select a valid choice." in made_up.content.decode()
    post(client, django_capture_on_commit_callbacks, url(programme),
         signup_payload(extra_diet="Vegan"))
    assert Participant.objects.get().extra_answers == {"diet": "Vegan"}


def test_signup_is_csrf_protected(programme, intake, signup_payload):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(url(programme), signup_payload())
    assert response.status_code == 403
    assert not Participant.objects.exists()


def test_translated_copy_signs_up_into_the_same_intake(client, programme, intake,
                                                       signup_payload,
                                                       django_capture_on_commit_callbacks):
    from wagtail.models import Locale

    french = Locale.objects.get_or_create(language_code="fr")[0]
    copy = programme.copy_for_translation(french, copy_parents=True)
    copy.save_revision().publish()
    copy.refresh_from_db()
    target = copy.url + copy.reverse_subpage("signup", kwargs={"role": "international"})
    assert target.startswith("/fr/")
    response = post(client, django_capture_on_commit_callbacks, target,
                    signup_payload(preferred_language="fr"))
    assert response.status_code == 302 and response["Location"].startswith("/fr/")
    p = Participant.objects.get()
    assert p.intake == intake
    # The French participant's links point at the French copy.
    assert all(link.startswith("/fr/") for link in links_in(mail.outbox[0]))


def test_register_service_reports_outcomes(programme, intake, signup_payload):
    from wagtail_buddy.forms import ParticipantForm

    form = ParticipantForm(signup_payload(), programme=programme, role="international")
    assert form.is_valid(), form.errors
    first = signup_service.register(programme, intake, "international", form)
    second = signup_service.register(programme, intake, "international", form)
    assert (first.kind, second.kind) == ("created", "duplicate")
    assert second.participant == first.participant
    assert OutboundEmail.objects.filter(purpose="confirm").count() == 2


def test_rate_limit_counter_lives_for_the_whole_window_on_the_database_cache(db, rf, settings,
                                                                            monkeypatch):
    """BaseCache.incr would re-set the key with the 5-minute default timeout."""
    settings.CACHES = {**settings.CACHES, "db": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "buddy_cache"}}
    call_command("createcachetable", "buddy_cache", database="default")
    cache = DatabaseCache("buddy_cache", {})  # a real database cache in the test database
    monkeypatch.setattr(ratelimit, "caches", {"default": cache})
    request = rf.post("/", REMOTE_ADDR="203.0.113.9")
    assert ratelimit.hit(request, "window-test", limit=5)
    assert ratelimit.hit(request, "window-test", limit=5)
    key = cache.make_and_validate_key(
        ratelimit._key("window-test", "203.0.113.9", int(time.time() // ratelimit.WINDOW)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM buddy_cache WHERE cache_key = %s", [key])
        (expires,) = cursor.fetchone()
    if isinstance(expires, str):
        expires = parse_datetime(expires)
    if timezone.is_naive(expires):
        expires = timezone.make_aware(expires, datetime.UTC)
    assert expires - timezone.now() > datetime.timedelta(seconds=3000)
    assert cache.get(ratelimit._key("window-test", "203.0.113.9",
                                    int(time.time() // ratelimit.WINDOW))) == 2


def test_full_intake_still_sends_a_registered_address_its_link(programme, intake,
                                                             signup_payload):
    from wagtail_buddy.forms import ParticipantForm

    def form(**overrides):
        bound = ParticipantForm(signup_payload(**overrides), programme=programme,
                                role="international")
        assert bound.is_valid(), bound.errors
        return bound

    first = signup_service.register(programme, intake, "international", form())
    intake.max_internationals = 1
    intake.save()
    again = signup_service.register(programme, intake, "international",
                                    form(email="ANA.International@Example.org"))
    newcomer = signup_service.register(programme, intake, "international",
                                       form(email="late@example.org"))
    assert (first.kind, again.kind, newcomer.kind) == ("created", "duplicate", "full")
    assert again.participant == first.participant
    assert Participant.objects.count() == 1
    assert OutboundEmail.objects.filter(purpose="confirm").count() == 2  # sent, then re-sent


@pytest.mark.parametrize("role", ["local", "international"])
def test_every_aria_reference_points_at_an_element(client, programme, intake, interests,
                                                   signup_payload, role):
    """Screen readers read help and errors through aria-describedby: no dangling ids."""
    pages = [
        client.get(url(programme, role)),
        client.post(url(programme, role), signup_payload(role, email="not-an-email",
                                                         birth_year="1800", languages=None)),
        client.get(programme.url + programme.reverse_subpage("request_link")),
    ]
    for response in pages:
        references, dangling = aria_references(response.content.decode())
        assert references, "the page describes no field"
        assert not dangling, response.request["PATH_INFO"]
    assert 'aria-invalid="true"' in pages[1].content.decode()


@pytest.mark.parametrize("role", ["local", "international"])
def test_signup_post_is_one_write_transaction_with_nothing_read_first(
        client, programme, intake, interests, signup_payload, role):
    """The semester-start path: Wagtail's routing, then inserts. The open intake and the
    offered interests come from the cache, which the form page's visit filled."""
    from django.test.utils import CaptureQueriesContext

    client.get(url(programme, role))  # warm caches (site root, locales)
    data = signup_payload(role, interests=[str(interests[0].pk)])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url(programme, role), data)
    assert response.status_code == 302
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) <= (11 if connection.vendor == "postgresql" else 12), \
        "\n".join(statements)
    assert not [s for s in statements if '"wagtailcore_locale"' in s and "WHERE" in s
                and '"id" =' in s], "the page's locale comes from the process's cache"
    assert not [s for s in statements if "wagtail_buddy_participant\"" in s.split("FROM")[-1]
                and s.startswith("SELECT")], "a sign-up must not read participants first"
    assert not [s for s in statements if s.startswith("SELECT") and (
        '"wagtail_buddy_intake"' in s or '"wagtail_buddy_interest"' in s)], "cached reads"
    # one savepoint: the sign-up's transaction, nested in the test's
    assert len([s for s in statements if s.startswith("SAVEPOINT")]) == 1
    tables = re.findall(r'INSERT INTO "(\w+)"', "\n".join(statements))
    assert tables[:4] == ["wagtail_buddy_participant", "wagtail_buddy_participant_languages",
                          "wagtail_buddy_participant_interests", "wagtail_buddy_outboundemail"]
    if connection.vendor == "postgresql":  # languages, interests and email: one round trip
        assert len([s for s in statements if s.startswith("INSERT")]) == 2
