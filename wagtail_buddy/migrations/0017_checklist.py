"""The first weeks' checklist: each programme's tasks (translatable, like interests) and each
pair's ticks. Existing programmes get the default tasks, as a new programme does."""

import uuid

import django.db.models.deletion
from django.db import migrations, models
from django.utils import translation
from django.utils.translation import gettext

# As in models/checklist.py at the time of this migration (the msgids are the same).
DEFAULTS = [("meet", "Meet in person"), ("accommodation", "Find accommodation"),
            ("residence", "Register the residence"), ("bank", "Open a bank account"),
            ("transport", "Get a public transport pass"), ("sim", "Get a local SIM card"),
            ("city_tour", "Take a city tour together")]


def seed_defaults(apps, schema_editor):
    """Every canonical programme copy (the first-created of its translation key) without
    tasks gets the defaults, named in its locale's language."""
    Page = apps.get_model("wagtail_buddy", "BuddyProgrammePage")
    Task = apps.get_model("wagtail_buddy", "ChecklistTask")
    canonical = {}
    for pk, key, locale_id, language in Page.objects.order_by("pk").values_list(
            "pk", "translation_key", "locale_id", "locale__language_code"):
        canonical.setdefault(key, (pk, locale_id, language))
    rows = []
    for pk, locale_id, language in canonical.values():
        with translation.override(language):
            rows += [Task(programme_id=pk, locale_id=locale_id, translation_key=uuid.uuid4(),
                          default_key=key, sort_order=n * 10, name=gettext(label))
                     for n, (key, label) in enumerate(DEFAULTS, 1)]
    Task.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('wagtail_buddy', '0015_reask_fields'),
        ('wagtailcore', '0094_alter_page_locale'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChecklistTask',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('translation_key', models.UUIDField(default=uuid.uuid4, editable=False)),
                ('name', models.CharField(max_length=120, verbose_name='task')),
                ('default_key', models.CharField(blank=True, editable=False, max_length=24)),
                ('sort_order', models.PositiveSmallIntegerField(default=0, help_text='Tasks are listed from the lowest number.', verbose_name='position')),
                ('active', models.BooleanField(default=True, help_text='Hidden tasks keep their ticks but are no longer shown or counted.', verbose_name='shown to pairs')),
                ('locale', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='wagtailcore.locale', verbose_name='locale')),
                ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='checklist_tasks', to='wagtail_buddy.buddyprogrammepage', verbose_name='programme')),
            ],
            options={
                'verbose_name': 'checklist task',
                'verbose_name_plural': 'checklist tasks',
                'ordering': ['sort_order', 'pk'],
                'abstract': False,
                'unique_together': {('translation_key', 'locale')},
            },
        ),
        migrations.CreateModel(
            name='ChecklistTick',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('ticked_at', models.DateTimeField()),
                ('match', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='checklist_ticks', to='wagtail_buddy.match')),
                ('task', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ticks', to='wagtail_buddy.checklisttask')),
                ('ticked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtail_buddy.participant')),
            ],
            options={
                'verbose_name': 'checklist tick',
                'verbose_name_plural': 'checklist ticks',
                'constraints': [models.UniqueConstraint(fields=('match', 'task'), name='wagtail_buddy_one_tick_per_task')],
            },
        ),
        migrations.RunPython(seed_defaults, migrations.RunPython.noop),
    ]
