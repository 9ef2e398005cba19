"""Search by 1–2 characters through an index of the masked text's character unigrams and
bigrams (issue 13): SQLite a second FTS5 table kept by triggers, PostgreSQL a GIN index on
an immutable function of the text. Only ``masked_search_text`` is indexed. The SQL is in
``shegong.appeals.search_short``."""

from django.db import migrations


def forwards(apps, schema_editor):
    from shegong.appeals import search_short

    connection = schema_editor.connection
    search_short.install_sqlite_grams(connection)
    search_short.install_pg_grams(connection)


def backwards(apps, schema_editor):
    from shegong.appeals import search_short

    connection = schema_editor.connection
    search_short.uninstall_sqlite_grams(connection)
    search_short.uninstall_pg_grams(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0017_queue_order_indexes"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
