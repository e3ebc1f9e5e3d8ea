import django.db.models
from django.db import migrations

import wagtail_buddy.models.programme


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_buddy", "0013_pairing_answers"),
    ]

    operations = [
        migrations.AddField(
            model_name="buddyprogrammepage",
            name="rejoin_fields",
            field=django.db.models.JSONField(
                blank=True, default=wagtail_buddy.models.programme.default_rejoin_fields,
                help_text='The "join again" form shows these with last semester\'s answers to check; the rest of the buddy\'s profile is kept as it was.',
                verbose_name="asked again when a buddy joins again"),
        ),
    ]
