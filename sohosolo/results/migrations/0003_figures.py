"""The dashboard's figures per territory and day (DayFigure), what each household adds to them (HouseholdFigures)
and the households to count again (PendingFigure), written by triggers in the same transaction as a change of a
household's counted fields, of its stage history or of its villages of interest, however it is made (a form, an
import, a raw UPDATE). Every existing household is queued here: the worker (or the first dashboard) counts them.
"""

import django.db.models.deletion
from django.db import migrations, models

PENDING = "results_pendingfigure"
HOUSEHOLD = "prospects_household"
INTERACTION = "prospects_interaction"
VILLAGES = "prospects_household_villages_of_interest"
# The household's fields the figures read (sohosolo/results/figures.py: contribution).
COUNTED = [
    "territory_id", "stage", "first_contact_on", "settled_on", "settled_commune_id", "settled_people",
    "source", "activity", "current_country", "current_town", "residence_region",
]  # fmt: skip
CHANGED_SQLITE = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COUNTED)
CHANGED_PG = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in COUNTED)
STAGE_CHANGED_SQLITE = "NEW.household_id IS NOT OLD.household_id OR NEW.kind IS NOT OLD.kind " + (
    "OR NEW.occurred_at IS NOT OLD.occurred_at OR NEW.data IS NOT OLD.data"
)


def queue(row: str) -> str:
    return f"INSERT INTO {PENDING} (household_id) VALUES ({row}.household_id)"


SQLITE = [
    f"""CREATE TRIGGER figures_household_insert AFTER INSERT ON {HOUSEHOLD} BEGIN
        INSERT INTO {PENDING} (household_id) VALUES (NEW.id); END""",
    f"""CREATE TRIGGER figures_household_delete AFTER DELETE ON {HOUSEHOLD} BEGIN
        INSERT INTO {PENDING} (household_id) VALUES (OLD.id); END""",
    f"""CREATE TRIGGER figures_household_update AFTER UPDATE OF {", ".join(COUNTED)} ON {HOUSEHOLD}
        WHEN {CHANGED_SQLITE} BEGIN INSERT INTO {PENDING} (household_id) VALUES (NEW.id); END""",
    f"""CREATE TRIGGER figures_stage_insert AFTER INSERT ON {INTERACTION} WHEN NEW.kind = 'stage' BEGIN
        {queue("NEW")}; END""",
    f"""CREATE TRIGGER figures_stage_delete AFTER DELETE ON {INTERACTION} WHEN OLD.kind = 'stage' BEGIN
        {queue("OLD")}; END""",
    f"""CREATE TRIGGER figures_stage_update AFTER UPDATE OF household_id, kind, occurred_at, data ON {INTERACTION}
        WHEN (OLD.kind = 'stage' OR NEW.kind = 'stage') AND ({STAGE_CHANGED_SQLITE}) BEGIN
        {queue("OLD")}; {queue("NEW")}; END""",
    f"""CREATE TRIGGER figures_villages_insert AFTER INSERT ON {VILLAGES} BEGIN {queue("NEW")}; END""",
    f"""CREATE TRIGGER figures_villages_delete AFTER DELETE ON {VILLAGES} BEGIN {queue("OLD")}; END""",
    f"""CREATE TRIGGER figures_villages_update AFTER UPDATE ON {VILLAGES} BEGIN
        {queue("OLD")}; {queue("NEW")}; END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS figures_{name}"
    for name in ("household_insert", "household_delete", "household_update", "stage_insert", "stage_delete",
                 "stage_update", "villages_insert", "villages_delete", "villages_update")
]  # fmt: skip

POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION figures_household() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            INSERT INTO {PENDING} (household_id) VALUES (OLD.id);
        ELSIF TG_OP = 'INSERT' OR {CHANGED_PG} THEN
            INSERT INTO {PENDING} (household_id) VALUES (NEW.id);
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER figures_household AFTER INSERT OR DELETE OR UPDATE OF {", ".join(COUNTED)}
    ON {HOUSEHOLD} FOR EACH ROW EXECUTE FUNCTION figures_household()""",
    f"""CREATE OR REPLACE FUNCTION figures_stage() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind = 'stage' THEN
            {queue("OLD")};
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.kind = 'stage' THEN
            {queue("NEW")};
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER figures_stage AFTER INSERT OR DELETE OR UPDATE OF household_id, kind, occurred_at, data
    ON {INTERACTION} FOR EACH ROW EXECUTE FUNCTION figures_stage()""",
    f"""CREATE OR REPLACE FUNCTION figures_villages() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {queue("OLD")};
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            {queue("NEW")};
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER figures_villages AFTER INSERT OR DELETE OR UPDATE ON {VILLAGES}
    FOR EACH ROW EXECUTE FUNCTION figures_villages()""",
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS figures_household ON {HOUSEHOLD}",
    "DROP FUNCTION IF EXISTS figures_household()",
    f"DROP TRIGGER IF EXISTS figures_stage ON {INTERACTION}",
    "DROP FUNCTION IF EXISTS figures_stage()",
    f"DROP TRIGGER IF EXISTS figures_villages ON {VILLAGES}",
    "DROP FUNCTION IF EXISTS figures_villages()",
]

QUEUE_EXISTING = f"INSERT INTO {PENDING} (household_id) SELECT id FROM {HOUSEHOLD} ORDER BY id"


def forwards(apps, schema_editor):
    statements = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in [*statements, QUEUE_EXISTING]:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    statements = POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0002_private_files"),
        ("prospects", "0017_list_indexes"),
        ("territory", "0003_applications_per_hour"),
    ]

    operations = [
        migrations.CreateModel(
            name="HouseholdFigures",
            fields=[
                ("household_id", models.BigIntegerField(primary_key=True, serialize=False, verbose_name="household")),
                ("rows", models.JSONField(default=list, verbose_name="rows")),
            ],
            options={
                "verbose_name": "figures of a household",
                "verbose_name_plural": "figures of households",
            },
        ),
        migrations.CreateModel(
            name="PendingFigure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("household_id", models.BigIntegerField(verbose_name="household")),
            ],
            options={
                "verbose_name": "household to count again",
                "verbose_name_plural": "households to count again",
            },
        ),
        migrations.CreateModel(
            name="DayFigure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "measure",
                    models.CharField(
                        choices=[
                            ("contact", "first contacts"),
                            ("source", "first contacts by source"),
                            ("activity", "first contacts by activity"),
                            ("country", "first contacts by country"),
                            ("region", "first contacts in France by region or town"),
                            ("village", "first contacts by village of interest"),
                            ("reach", "first contacts by furthest stage reached"),
                            ("settled", "settlements by commune"),
                            ("days", "settlements by days since the first contact"),
                            ("followed", "files starting (+1) or ending (-1) being followed"),
                        ],
                        max_length=10,
                        verbose_name="measure",
                    ),
                ),
                ("day", models.DateField(verbose_name="day")),
                ("key", models.CharField(blank=True, max_length=200, verbose_name="key")),
                ("n", models.IntegerField(default=0, verbose_name="households")),
                ("people", models.IntegerField(default=0, verbose_name="people")),
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
                "verbose_name": "figure of a day",
                "verbose_name_plural": "figures of days",
                "constraints": [
                    models.UniqueConstraint(fields=("territory", "measure", "day", "key"), name="dayfigure_unique")
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
