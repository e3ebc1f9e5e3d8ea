from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("wagtail_buddy", "0002_participant_fewer_indexes")]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="pending_signup",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
    ]
