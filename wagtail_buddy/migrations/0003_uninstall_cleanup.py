"""Uninstalling leaves nothing broken behind: ``migrate wagtail_buddy zero`` passes here.

Forwards it does nothing. Backwards (on the way to zero, before the tables are dropped) it
deletes the programme pages with their subtrees, which would otherwise stay in the page tree
without their table and fail with PageClassNotFoundError, and the app's django-q2 schedules,
which would otherwise keep firing at functions that are gone. Historical models only, so it
works whatever later migrations did.
"""

from django.db import migrations
from django.db.models import F

STEPLEN = 4  # treebeard's path step in Wagtail's page tree


def delete_programme_pages(apps, schema_editor):
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    content_type = ContentType.objects.using(db).filter(
        app_label="wagtail_buddy", model="buddyprogrammepage").first()
    if content_type is None:
        return
    pages = Page._base_manager.using(db)
    for path in pages.filter(content_type=content_type).order_by("path").values_list(
            "path", flat=True):
        subtree = pages.filter(path__startswith=path)
        if not subtree.exists():  # already gone with an ancestor programme page
            continue
        subtree.delete()
        pages.filter(path=path[:-STEPLEN]).update(numchild=F("numchild") - 1)


def delete_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.using(schema_editor.connection.alias).filter(
        func__startswith="wagtail_buddy.").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_buddy", "0002_participant_fewer_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_q", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, delete_programme_pages),
        migrations.RunPython(migrations.RunPython.noop, delete_schedules),
    ]
