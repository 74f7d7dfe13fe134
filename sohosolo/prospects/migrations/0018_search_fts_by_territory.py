"""SQLite's full-text index of the files' search text also holds each file's territory, as a marker word
("⟦12⟧"): a search in one territory intersects the marker's entries with the words' in the index, instead of reading
every matching file of every territory to keep those of one. Contentless (the marker is not a column of the
households' table), kept in step by triggers on the search text and the territory."""

import importlib

from django.db import migrations

FTS = "prospects_household_fts"
HOUSEHOLD = "prospects_household"


def text(row: str) -> str:
    return f"{row}.search_text || ' ⟦' || {row}.territory_id || '⟧'"


REMOVE = [
    *(f"DROP TRIGGER IF EXISTS household_fts_{name}" for name in ("insert", "delete", "update")),
    f"DROP TABLE IF EXISTS {FTS}",
]
CREATE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(search_text, content='', tokenize='trigram')",
    f"""CREATE TRIGGER household_fts_insert AFTER INSERT ON {HOUSEHOLD} BEGIN
        INSERT INTO {FTS} (rowid, search_text) VALUES (NEW.id, {text("NEW")});
    END""",
    f"""CREATE TRIGGER household_fts_delete AFTER DELETE ON {HOUSEHOLD} BEGIN
        INSERT INTO {FTS} ({FTS}, rowid, search_text) VALUES ('delete', OLD.id, {text("OLD")});
    END""",
    f"""CREATE TRIGGER household_fts_update AFTER UPDATE OF search_text, territory_id ON {HOUSEHOLD}
    WHEN NEW.search_text IS NOT OLD.search_text OR NEW.territory_id IS NOT OLD.territory_id BEGIN
        INSERT INTO {FTS} ({FTS}, rowid, search_text) VALUES ('delete', OLD.id, {text("OLD")});
        INSERT INTO {FTS} (rowid, search_text) VALUES (NEW.id, {text("NEW")});
    END""",
    f"INSERT INTO {FTS} (rowid, search_text) SELECT id, {text(HOUSEHOLD)} FROM {HOUSEHOLD}",
]
# 0016's table, for going back.
PREVIOUS = importlib.import_module("sohosolo.prospects.migrations.0016_search_fts").CREATE


def has_fts(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS])
        return cursor.fetchone() is not None


def forwards(apps, schema_editor):
    # Only where 0016 could make its table (SQLite with FTS5 and its trigram tokenizer).
    if schema_editor.connection.vendor == "sqlite" and has_fts(schema_editor.connection):
        for statement in [*REMOVE, *CREATE]:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite" and has_fts(schema_editor.connection):
        for statement in [*REMOVE, *PREVIOUS]:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("prospects", "0017_list_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
