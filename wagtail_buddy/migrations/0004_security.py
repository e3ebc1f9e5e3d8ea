# Issue 14: pending re-sign-ups wait for the address owner; the buddy audit log is scoped
# per programme (its own Wagtail log model).
import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtail_buddy", "0003_uninstall_cleanup"),
        ("wagtailcore", "0094_alter_page_locale"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="pending_signup",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.CreateModel(
            name="BuddyLogEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("label", models.TextField()),
                ("action", models.CharField(blank=True, db_index=True, max_length=255)),
                ("data", models.JSONField(
                    blank=True, default=dict,
                    encoder=django.core.serializers.json.DjangoJSONEncoder)),
                ("timestamp", models.DateTimeField(db_index=True, verbose_name="timestamp (UTC)")),
                ("uuid", models.UUIDField(
                    blank=True, editable=False, null=True,
                    help_text="Log entries that happened as part of the same user action are "
                              "assigned the same UUID")),
                ("content_changed", models.BooleanField(db_index=True, default=False)),
                ("deleted", models.BooleanField(default=False)),
                ("object_id", models.CharField(db_index=True, max_length=255)),
                ("programme_id", models.IntegerField(blank=True, db_index=True, null=True)),
                ("content_type", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+", to="contenttypes.contenttype",
                    verbose_name="content type")),
                ("revision", models.ForeignKey(
                    blank=True, db_constraint=False, null=True,
                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                    to="wagtailcore.revision")),
                ("user", models.ForeignKey(
                    blank=True, db_constraint=False, null=True,
                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                    to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "buddy log entry",
                "verbose_name_plural": "buddy log entries",
                "ordering": ["-timestamp", "-id"],
                "abstract": False,
                "indexes": [models.Index(fields=["uuid", "action", "-timestamp"],
                                         name="wagtail_bud_uuid_9f5c6e_idx")],
            },
        ),
    ]
