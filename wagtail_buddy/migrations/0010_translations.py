"""Translations: interests become translatable (Wagtail's TranslatableMixin), and the
consent record keeps the language and page revision of the privacy notice accepted.

Every existing interest becomes the source of its own translations, in its programme
page's language, with a fresh translation key; nothing else about it changes.
"""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def interests_into_locales(apps, schema_editor):
    Interest = apps.get_model("wagtail_buddy", "Interest")
    Page = apps.get_model("wagtailcore", "Page")
    Locale = apps.get_model("wagtailcore", "Locale")
    interests = list(Interest.objects.filter(locale__isnull=True))
    if not interests:
        return
    page_locales = dict(Page.objects.filter(
        pk__in={i.programme_id for i in interests}).values_list("pk", "locale_id"))
    fallback = Locale.objects.order_by("pk").values_list("pk", flat=True).first()
    for interest in interests:
        interest.locale_id = page_locales.get(interest.programme_id, fallback)
        interest.translation_key = uuid.uuid4()
    Interest.objects.bulk_update(interests, ["locale", "translation_key"])
    if schema_editor.connection.vendor == "postgresql":
        # The rows changed above leave deferred foreign-key checks that would block the
        # ALTER TABLE below in the same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ("wagtailcore", "0094_alter_page_locale"),
        ("wagtail_buddy", "0009_match_related_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="consent_language",
            field=models.CharField(blank=True, max_length=16,
                                   verbose_name="privacy notice language"),
        ),
        migrations.AddField(
            model_name="participant",
            name="consent_revision",
            field=models.PositiveIntegerField(blank=True, null=True,
                                              verbose_name="privacy notice page revision"),
        ),
        migrations.RemoveConstraint(
            model_name="interest", name="wagtail_buddy_interest_name_per_programme"),
        migrations.RemoveConstraint(
            model_name="interest", name="wagtail_buddy_interest_slug_per_programme"),
        migrations.AddField(
            model_name="interest",
            name="locale",
            field=models.ForeignKey(editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="wagtailcore.locale",
                                    verbose_name="locale"),
        ),
        migrations.AddField(
            model_name="interest",
            name="translation_key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(interests_into_locales, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="interest",
            name="locale",
            field=models.ForeignKey(editable=False,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="wagtailcore.locale",
                                    verbose_name="locale"),
        ),
        migrations.AlterField(
            model_name="interest",
            name="translation_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.AlterUniqueTogether(
            name="interest", unique_together={("translation_key", "locale")}),
        migrations.AddConstraint(
            model_name="interest",
            constraint=models.UniqueConstraint(
                fields=("programme", "locale", "name"),
                name="wagtail_buddy_interest_name_per_programme"),
        ),
        migrations.AddConstraint(
            model_name="interest",
            constraint=models.UniqueConstraint(
                fields=("programme", "locale", "slug"),
                name="wagtail_buddy_interest_slug_per_programme"),
        ),
    ]
