from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("wagtail_buddy", "0007_interest_programme"),
    ]

    operations = [
        migrations.AddField(
            model_name="match",
            name="evidence",
            field=models.JSONField(blank=True, default=dict, verbose_name="evidence"),
        ),
    ]
