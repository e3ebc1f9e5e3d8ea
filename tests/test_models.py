"""The data model's database constraints and domain helpers."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from wagtail_buddy.models import Intake, Language, Match, MatchingRun, Participant
from wagtail_buddy.permissions import programmes_for_user

from .conftest import make_coordinator, make_participant, make_programme

pytestmark = pytest.mark.django_db


def test_languages_vocabulary_is_populated_after_migrate():
    codes = set(Language.objects.values_list("code", flat=True))
    assert {"en", "fr", "de", "es", "it", "pt", "pl", "tr"} <= codes
    assert all(len(code) == 2 for code in codes)


def test_email_unique_per_intake_and_role_case_insensitively(intake):
    make_participant(intake, "local", email="Anna@Example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_participant(intake, "local", email="anna@example.org")
    # The same person may be a buddy in one role and sign up in the other, or another intake.
    make_participant(intake, "international", email="anna@example.org")
    other = Intake.objects.create(programme=intake.programme, name="Autumn",
                                  starts_on=date(2027, 9, 1), ends_on=date(2028, 1, 31))
    make_participant(other, "local", email="anna@example.org")
    assert Participant.objects.filter(email="anna@example.org").count() == 3


def test_one_active_match_per_mentee(intake):
    mentee = make_participant(intake, "international")
    mentor_a, mentor_b = make_participant(intake, "local"), make_participant(intake, "local")
    Match.objects.create(intake=intake, mentee=mentee, mentor=mentor_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(intake=intake, mentee=mentee, mentor=mentor_b)
    # A rejected proposal does not block a new one.
    Match.objects.filter(mentee=mentee).update(status=Match.Status.REJECTED)
    Match.objects.create(intake=intake, mentee=mentee, mentor=mentor_b)
    assert Match.objects.active().filter(mentee=mentee).count() == 1


def test_one_active_run_per_intake(intake):
    MatchingRun.objects.create(programme=intake.programme, intake=intake)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchingRun.objects.create(programme=intake.programme, intake=intake)
    MatchingRun.objects.update(status=MatchingRun.Status.FAILED)
    MatchingRun.objects.create(programme=intake.programme, intake=intake)


def test_capacity_range_is_enforced_by_the_database(intake):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_participant(intake, "local", capacity=9)


def test_coordinators_see_only_their_programmes(django_user_model, home_page, programme):
    other = make_programme(home_page, "Other section")
    mine = make_coordinator(django_user_model, "mine", programme)
    theirs = make_coordinator(django_user_model, "theirs", other)
    assert list(programmes_for_user(mine)) == [programme]
    assert list(programmes_for_user(theirs)) == [other]


def test_translated_copies_share_the_canonical_programme(programme):
    from wagtail.models import Locale

    french = Locale.objects.create(language_code="fr")
    copy = programme.copy_for_translation(french, copy_parents=True)
    assert copy.pk != programme.pk
    assert copy.canonical.pk == programme.pk
    assert programme.canonical.pk == programme.pk


def test_current_intake_follows_the_canonical_copy_after_it_is_deleted(programme, intake):
    from wagtail.models import Locale

    from wagtail_buddy.models import BuddyProgrammePage

    french = Locale.objects.create(language_code="fr")
    copy = programme.copy_for_translation(french, copy_parents=True)
    assert BuddyProgrammePage.objects.get(pk=copy.pk).current_intake == intake  # remembered
    programme.delete()  # the canonical copy goes, and its intake with it
    autumn = Intake.objects.create(programme=copy, name="Autumn 2027", signup_open=True,
                                   starts_on=date(2027, 9, 1), ends_on=date(2028, 1, 31))
    fresh = BuddyProgrammePage.objects.get(pk=copy.pk)
    assert fresh.current_intake == autumn
    assert fresh.canonical.pk == copy.pk


def test_canonical_is_found_again_after_the_remembered_copy_is_deleted(programme):
    from wagtail.models import Locale

    from wagtail_buddy.models import BuddyProgrammePage

    french = Locale.objects.create(language_code="fr")
    copy = programme.copy_for_translation(french, copy_parents=True)
    assert BuddyProgrammePage.objects.get(pk=copy.pk).canonical.pk == programme.pk
    programme.delete()
    assert BuddyProgrammePage.objects.get(pk=copy.pk).canonical.pk == copy.pk


def test_consent_version_changes_with_the_privacy_text(programme):
    before = programme.consent_version()
    programme.privacy_notice = "<p>New text</p>"
    assert programme.consent_version() != before
