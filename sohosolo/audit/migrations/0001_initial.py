"""The audit log moves from the privacy app to its own app, at the bottom of the project; its table stays."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('privacy', '0004_rights_retention_access_log'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('territory', '0002_territory_retention_years'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The table stays where the privacy app made it (privacy_actionlog): only the model moves.
            state_operations=[
                migrations.CreateModel(
                    name='ActionLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='when')),
                        ('action', models.CharField(max_length=80, verbose_name='action')),
                        ('object_id', models.CharField(blank=True, max_length=64, verbose_name='record')),
                        ('object_repr', models.CharField(blank=True, max_length=200, verbose_name='record name')),
                        ('data', models.JSONField(blank=True, default=dict, verbose_name='details')),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('content_type', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to='contenttypes.contenttype', verbose_name='type')),
                        ('territory', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='territory.territory', verbose_name='territory')),
                    ],
                    options={
                        'verbose_name': 'logged action',
                        'verbose_name_plural': 'logged actions',
                        'db_table': 'privacy_actionlog',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['content_type', 'object_id', '-created_at'], name='actionlog_object_idx'), models.Index(fields=['territory', '-created_at'], name='actionlog_territory_idx'), models.Index(fields=['territory', 'actor', '-created_at'], name='actionlog_actor_idx'), models.Index(fields=['territory', 'action', '-created_at'], name='actionlog_action_idx')],
                    },
                ),
            ],
        ),
    ]
