"""Interests belong to a programme (its canonical copy); spread load is on by default
(also for programmes that never saved their matching settings).

Existing interests go to the programmes whose students chose them: the first such programme
keeps the row, every other one gets its own copy, and its students' choices move to the
copy. An interest nobody chose was offered on every sign-up form, so every programme gets
it. Without any programme there is nowhere to offer an interest, so they are dropped.
"""

import django.db.models.deletion
from django.db import migrations, models


def canonical_programme_ids(apps) -> list[int]:
    """The first-created copy of each programme's translations (intakes point at it)."""
    pages = apps.get_model("wagtail_buddy", "BuddyProgrammePage")
    first: dict = {}
    for pk, key in pages.objects.order_by("pk").values_list("pk", "translation_key"):
        first.setdefault(key, pk)
    return sorted(first.values())


def spread_load_on(apps, schema_editor):
    """Programmes that never saved matching settings get the new default; a programme
    whose coordinators saved their settings keeps its choice."""
    pages = apps.get_model("wagtail_buddy", "BuddyProgrammePage")
    pages.objects.filter(matching_weights={}).update(spread_load=True)


def interests_to_programmes(apps, schema_editor):
    Interest = apps.get_model("wagtail_buddy", "Interest")
    Participant = apps.get_model("wagtail_buddy", "Participant")
    chosen = Participant.interests.through
    everywhere = canonical_programme_ids(apps)
    if not everywhere:
        Interest.objects.all().delete()
        return
    for interest in list(Interest.objects.order_by("pk")):
        used = sorted(set(chosen.objects.filter(interest_id=interest.pk).values_list(
            "participant__intake__programme_id", flat=True)))
        first, *others = used or everywhere
        interest.programme_id = first
        interest.save(update_fields=["programme"])
        for programme_id in others:
            copy = Interest.objects.create(programme_id=programme_id, name=interest.name,
                                           slug=interest.slug, active=interest.active)
            chosen.objects.filter(interest_id=interest.pk,
                                  participant__intake__programme_id=programme_id).update(
                interest_id=copy.pk)
    if schema_editor.connection.vendor == "postgresql":
        # The rows changed above leave deferred foreign-key checks that would block the
        # ALTER TABLE below in the same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_buddy", "0005_email_attempts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="buddyprogrammepage",
            name="spread_load",
            field=models.BooleanField(default=True, help_text="Prefer giving every buddy one student before anyone gets a second.", verbose_name="spread load across buddies"),
        ),
        migrations.RunPython(spread_load_on, migrations.RunPython.noop),
        migrations.AddField(
            model_name="interest",
            name="programme",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="interests", to="wagtail_buddy.buddyprogrammepage", verbose_name="programme"),
        ),
        migrations.AlterField(
            model_name="interest",
            name="name",
            field=models.CharField(max_length=80, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="interest",
            name="slug",
            field=models.SlugField(blank=True, help_text="Filled in from the name if left empty.", max_length=80, verbose_name="slug"),
        ),
        migrations.RunPython(interests_to_programmes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="interest",
            name="programme",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="interests", to="wagtail_buddy.buddyprogrammepage", verbose_name="programme"),
        ),
        migrations.AddConstraint(
            model_name="interest",
            constraint=models.UniqueConstraint(fields=("programme", "name"), name="wagtail_buddy_interest_name_per_programme"),
        ),
        migrations.AddConstraint(
            model_name="interest",
            constraint=models.UniqueConstraint(fields=("programme", "slug"), name="wagtail_buddy_interest_slug_per_programme"),
        ),
    ]
