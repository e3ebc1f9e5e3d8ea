# Related names that say what they return: a participant's matches as mentee and as mentor.
# State only: related_name changes no column, so `sqlmigrate` prints no SQL.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('wagtail_buddy', '0008_match_evidence'),
    ]

    operations = [
        migrations.AlterField(
            model_name='match',
            name='mentee',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='matches_as_mentee', to='wagtail_buddy.participant', verbose_name='international student'),
        ),
        migrations.AlterField(
            model_name='match',
            name='mentor',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='matches_as_mentor', to='wagtail_buddy.participant', verbose_name='local buddy'),
        ),
    ]
