"""Migration 0017 gives every existing programme the default checklist, named in the
language of its canonical copy; translated copies get no list of their own."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from wagtail.models import Locale

from tests.conftest import make_programme
from tests.e2e.conftest import wagtail_site  # noqa: F401 - a fixture
from wagtail_buddy.models import ChecklistTask
from wagtail_buddy.models.checklist import DEFAULT_TASKS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
BEFORE = [("wagtail_buddy", "0013_pairing_answers")]
AFTER = [("wagtail_buddy", "0017_checklist")]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


@pytest.fixture(autouse=True)
def _back_to_the_leaves():
    """Later tests need every migration applied, whatever follows 0017 in the graph."""
    yield
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_existing_programmes_get_the_defaults_in_their_language(wagtail_site):  # noqa: F811
    lyon = make_programme(wagtail_site, "Lyon")
    french = Locale.objects.get_or_create(language_code="fr")[0]
    copy = lyon.copy_for_translation(french, copy_parents=True)
    ghent = make_programme(wagtail_site, "Ghent")
    migrate(BEFORE)  # the tables are gone: these programmes predate the checklist
    migrate(AFTER)
    rows = ChecklistTask.objects.order_by("pk")
    assert {r.programme_id for r in rows} == {lyon.pk, ghent.pk}  # the copy owns none
    assert not rows.filter(programme=copy).exists()
    for page in (lyon, ghent):
        mine = rows.filter(programme=page)
        assert [r.default_key for r in mine] == [key for key, _label in DEFAULT_TASKS]
        assert mine.first().name == "Meet in person" and mine.first().locale_id == \
            page.locale_id
    assert rows.values("translation_key").distinct().count() == 2 * len(DEFAULT_TASKS)
