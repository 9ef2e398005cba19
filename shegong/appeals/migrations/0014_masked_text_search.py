"""Text search over the masked title and body (issue 13): the only text indexed is
``masked_search_text``, so no personal data sits in an index in clear.

SQLite (≥ 3.34): an FTS5 table with the trigram tokenizer over ``masked_search_text``,
external content, kept by triggers. PostgreSQL: the ``pg_trgm`` extension (``CREATE
EXTENSION IF NOT EXISTS``; left installed when this migration is reversed) and a GIN index on
``UPPER(masked_search_text)`` (what ``icontains`` compares). The SQL is in
``shegong.appeals.search`` (``install_sqlite_fts``, ``install_pg_trgm_index``).
"""

import logging

from django.db import DatabaseError, migrations, transaction

log = logging.getLogger(__name__)


def create_pg_trgm(connection):
    """``CREATE EXTENSION IF NOT EXISTS pg_trgm`` where the server offers it and the role may
    (it is a trusted extension: the database owner may). Not ``TrigramExtension``: its
    reverse queries ``pg_extension`` on SQLite too, and would drop the extension."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            log.warning("无法安装 pg_trgm（%s）", exc)


def forwards(apps, schema_editor):
    from shegong.appeals import search

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        create_pg_trgm(connection)
    if connection.vendor == "sqlite" and not search.install_sqlite_fts(connection):
        log.warning("SQLite 版本低于 3.34，不支持 trigram 全文索引：诉求全文检索将逐行匹配")
    if connection.vendor == "postgresql" and not search.install_pg_trgm_index(connection):
        log.warning("PostgreSQL 未安装 pg_trgm：诉求全文检索将逐行匹配")


def backwards(apps, schema_editor):
    from shegong.appeals import search

    connection = schema_editor.connection
    search.uninstall_sqlite_fts(connection)
    if connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{search.PG_TRGM_INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0013_partial_indexes"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
