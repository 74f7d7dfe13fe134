"""On SQLite, a full-text index of the files' search text (FTS5, trigram tokenizer: any part of a word of three
letters or more is found through the index), kept in step with the households' table by triggers. PostgreSQL has its
trigram index (0002). An SQLite built without FTS5 keeps searching by scanning (prospects.search_index)."""

from django.db import migrations
from django.db.utils import OperationalError

FTS = "prospects_household_fts"
HOUSEHOLD = "prospects_household"

CREATE = [
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5(search_text, content='{HOUSEHOLD}', content_rowid='id',
    tokenize='trigram')""",
    f"""CREATE TRIGGER household_fts_insert AFTER INSERT ON {HOUSEHOLD} BEGIN
        INSERT INTO {FTS} (rowid, search_text) VALUES (NEW.id, NEW.search_text);
    END""",
    f"""CREATE TRIGGER household_fts_delete AFTER DELETE ON {HOUSEHOLD} BEGIN
        INSERT INTO {FTS} ({FTS}, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text);
    END""",
    f"""CREATE TRIGGER household_fts_update AFTER UPDATE OF search_text ON {HOUSEHOLD} BEGIN
        INSERT INTO {FTS} ({FTS}, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text);
        INSERT INTO {FTS} (rowid, search_text) VALUES (NEW.id, NEW.search_text);
    END""",
    f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')",
]
DROP = [
    *(f"DROP TRIGGER IF EXISTS household_fts_{name}" for name in ("insert", "delete", "update")),
    f"DROP TABLE IF EXISTS {FTS}",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        try:
            cursor.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x, tokenize='trigram')")
            cursor.execute("DROP TABLE temp.fts5_probe")
        except OperationalError:
            return  # no FTS5 (or no trigram tokenizer) in this SQLite: the search scans
    for statement in CREATE:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("prospects", "0015_stage_tally")]

    operations = [migrations.RunPython(forwards, backwards)]
