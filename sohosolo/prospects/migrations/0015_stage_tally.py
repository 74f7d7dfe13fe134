"""Counts of the files in the work per territory and stage, kept by triggers on the households' table.

Every insert, delete, or change of stage, territory or anonymisation of a household writes +1/-1 rows into
prospects_stagetally in the same transaction (inserts only: no row is a lock that two changes wait on). A bulk
insert or a raw UPDATE is counted as well as a form's save. The existing files are counted once here.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "prospects_stagetally"
HOUSEHOLD = "prospects_household"

SQLITE = [
    f"""CREATE TRIGGER household_tally_insert AFTER INSERT ON {HOUSEHOLD}
    WHEN NEW.anonymised_at IS NULL BEGIN
        INSERT INTO {TABLE} (territory_id, stage, n) VALUES (NEW.territory_id, NEW.stage, 1);
    END""",
    f"""CREATE TRIGGER household_tally_delete AFTER DELETE ON {HOUSEHOLD}
    WHEN OLD.anonymised_at IS NULL BEGIN
        INSERT INTO {TABLE} (territory_id, stage, n) VALUES (OLD.territory_id, OLD.stage, -1);
    END""",
    f"""CREATE TRIGGER household_tally_update_old AFTER UPDATE OF stage, territory_id, anonymised_at ON {HOUSEHOLD}
    WHEN OLD.anonymised_at IS NULL AND (NEW.anonymised_at IS NOT NULL OR NEW.stage IS NOT OLD.stage
        OR NEW.territory_id IS NOT OLD.territory_id) BEGIN
        INSERT INTO {TABLE} (territory_id, stage, n) VALUES (OLD.territory_id, OLD.stage, -1);
    END""",
    f"""CREATE TRIGGER household_tally_update_new AFTER UPDATE OF stage, territory_id, anonymised_at ON {HOUSEHOLD}
    WHEN NEW.anonymised_at IS NULL AND (OLD.anonymised_at IS NOT NULL OR NEW.stage IS NOT OLD.stage
        OR NEW.territory_id IS NOT OLD.territory_id) BEGIN
        INSERT INTO {TABLE} (territory_id, stage, n) VALUES (NEW.territory_id, NEW.stage, 1);
    END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS household_tally_{name}" for name in ("insert", "delete", "update_old", "update_new")
]

POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION household_tally() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.anonymised_at IS NULL AND (TG_OP = 'DELETE'
                OR NEW.anonymised_at IS NOT NULL OR NEW.stage IS DISTINCT FROM OLD.stage
                OR NEW.territory_id IS DISTINCT FROM OLD.territory_id) THEN
            INSERT INTO {TABLE} (territory_id, stage, n) VALUES (OLD.territory_id, OLD.stage, -1);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.anonymised_at IS NULL AND (TG_OP = 'INSERT'
                OR OLD.anonymised_at IS NOT NULL OR NEW.stage IS DISTINCT FROM OLD.stage
                OR NEW.territory_id IS DISTINCT FROM OLD.territory_id) THEN
            INSERT INTO {TABLE} (territory_id, stage, n) VALUES (NEW.territory_id, NEW.stage, 1);
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER household_tally AFTER INSERT OR DELETE OR UPDATE OF stage, territory_id, anonymised_at
    ON {HOUSEHOLD} FOR EACH ROW EXECUTE FUNCTION household_tally()""",
]
POSTGRESQL_DROP = [f"DROP TRIGGER IF EXISTS household_tally ON {HOUSEHOLD}", "DROP FUNCTION IF EXISTS household_tally()"]

COUNT_EXISTING = f"""INSERT INTO {TABLE} (territory_id, stage, n)
    SELECT territory_id, stage, COUNT(*) FROM {HOUSEHOLD} WHERE anonymised_at IS NULL GROUP BY territory_id, stage"""


def forwards(apps, schema_editor):
    statements = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in [*statements, COUNT_EXISTING]:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    statements = POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in [*statements, f"DELETE FROM {TABLE}"]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("prospects", "0014_household_version"),
        ("territory", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="StageTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("new", "New"),
                            ("first_interview", "First interview"),
                            ("follow_up", "Active follow-up"),
                            ("visit", "Visit or discovery stay"),
                            ("settled", "Settled"),
                            ("on_hold", "On hold"),
                            ("dropped", "Dropped"),
                        ],
                        max_length=20,
                        verbose_name="stage",
                    ),
                ),
                ("n", models.IntegerField(verbose_name="files")),
                (
                    "territory",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="territory.territory",
                        verbose_name="territory",
                    ),
                ),
            ],
            options={
                "verbose_name": "count of files by stage",
                "verbose_name_plural": "counts of files by stage",
                "indexes": [models.Index(fields=["territory", "stage"], name="stagetally_territory_idx")],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
