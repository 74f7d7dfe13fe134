"""On PostgreSQL, a trigram index makes the list's accent-free search (LIKE '%word%') fast on millions of files.

SQLite has no such index: there the search scans the territory's files, which stays quick at one territory's size.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS household_search_trgm ON prospects_household USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS household_search_trgm"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("prospects", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
