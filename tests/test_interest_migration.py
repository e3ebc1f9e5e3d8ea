"""Migration 0007 moves the one site-wide interest list to the programmes that use it, and
turns spread load on where no coordinator chose otherwise."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import make_participant, make_programme
from tests.e2e.conftest import wagtail_site  # noqa: F401 - a fixture
from wagtail_buddy.models import BuddyProgrammePage, Intake, Interest, Participant

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
TARGET = ("wagtail_buddy", "0007_interest_programme")


@pytest.fixture
def home_page(wagtail_site):  # noqa: F811 - a transactional test may follow a flush
    return wagtail_site


def migrate(target: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_existing_interests_go_to_the_programmes_that_use_them(home_page):
    from datetime import date

    lyon, ghent = make_programme(home_page, "Lyon"), make_programme(home_page, "Ghent")
    people = {}
    for page in (lyon, ghent):
        intake = Intake.objects.create(programme=page, name="S", starts_on=date(2027, 2, 1),
                                       ends_on=date(2027, 7, 1))
        people[page.pk] = make_participant(intake)
    BuddyProgrammePage.objects.filter(pk=lyon.pk).update(spread_load=False)  # old default
    BuddyProgrammePage.objects.filter(pk=ghent.pk).update(   # saved by its coordinators
        spread_load=False, matching_weights={"languages": 2.0})
    before = MigrationExecutor(connection).loader.get_migration(*TARGET).dependencies
    old = migrate([dep for dep in before if dep[0] == "wagtail_buddy"])
    OldInterest = old.get_model("wagtail_buddy", "Interest")
    chosen = old.get_model("wagtail_buddy", "Participant").interests.through
    shared = OldInterest.objects.create(name="Hiking", slug="hiking")
    lyon_only = OldInterest.objects.create(name="Wine", slug="wine")
    unused = OldInterest.objects.create(name="Chess", slug="chess")
    chosen.objects.bulk_create([
        chosen(participant_id=people[lyon.pk].pk, interest_id=shared.pk),
        chosen(participant_id=people[ghent.pk].pk, interest_id=shared.pk),
        chosen(participant_id=people[lyon.pk].pk, interest_id=lyon_only.pk),
    ])

    migrate([TARGET])
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    rows = {(i.programme_id, i.name) for i in Interest.objects.all()}
    assert rows == {(lyon.pk, "Hiking"), (ghent.pk, "Hiking"), (lyon.pk, "Wine"),
                    (lyon.pk, "Chess"), (ghent.pk, "Chess")}
    for page in (lyon, ghent):
        person = Participant.objects.get(pk=people[page.pk].pk)
        assert {i.programme_id for i in person.interests.all()} == {page.pk}
    assert {i.name for i in people[lyon.pk].interests.all()} == {"Hiking", "Wine"}
    assert Interest.objects.get(pk=unused.pk).programme_id in (lyon.pk, ghent.pk)
    spread = dict(BuddyProgrammePage.objects.values_list("pk", "spread_load"))
    assert spread[lyon.pk] is True and spread[ghent.pk] is False


def test_existing_interests_become_translatable_in_their_programmes_language(home_page):
    """Migration 0010 keeps every interest and participant choice, in its programme page's
    locale, each with a translation key of its own."""
    from datetime import date

    from wagtail.models import Locale

    lyon = make_programme(home_page, "Lyon")
    person = make_participant(Intake.objects.create(
        programme=lyon, name="S", starts_on=date(2027, 2, 1), ends_on=date(2027, 7, 1)))
    target = ("wagtail_buddy", "0010_translations")
    before = MigrationExecutor(connection).loader.get_migration(*target).dependencies
    old = migrate([dep for dep in before if dep[0] == "wagtail_buddy"])
    OldInterest = old.get_model("wagtail_buddy", "Interest")
    chosen = old.get_model("wagtail_buddy", "Participant").interests.through
    rows = [OldInterest.objects.create(programme_id=lyon.pk, name=name, slug=name.lower())
            for name in ("Hiking", "Wine")]
    chosen.objects.create(participant_id=person.pk, interest_id=rows[0].pk)

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    after = list(Interest.objects.order_by("pk"))
    assert [(i.pk, i.name, i.slug) for i in after] == [(r.pk, r.name, r.slug) for r in rows]
    assert {i.locale_id for i in after} == {Locale.objects.get(language_code="en").pk}
    assert len({i.translation_key for i in after}) == 2
    assert [i.name for i in Participant.objects.get(pk=person.pk).interests.all()] == ["Hiking"]
