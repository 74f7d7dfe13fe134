"""The audit log moved to sohosolo.audit; its table stays (privacy_actionlog)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
        ('privacy', '0004_rights_retention_access_log'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The model now lives in sohosolo.audit (same table): nothing changes in the database.
            state_operations=[
                migrations.RemoveIndex(
                    model_name='actionlog',
                    name='actionlog_object_idx',
                ),
                migrations.RemoveIndex(
                    model_name='actionlog',
                    name='actionlog_territory_idx',
                ),
                migrations.RemoveIndex(
                    model_name='actionlog',
                    name='actionlog_actor_idx',
                ),
                migrations.RemoveIndex(
                    model_name='actionlog',
                    name='actionlog_action_idx',
                ),
                migrations.DeleteModel(
                    name='ActionLog',
                ),
            ],
        ),
    ]
