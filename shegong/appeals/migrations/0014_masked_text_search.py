"""Text search over the masked title and body (issue 13): the only text indexed is
``masked_search_text``, so no personal data sits in an index in clear.

SQLite (≥ 3.34): an FTS5 table with the trigram tokenizer over ``masked_search_text``,
external content, kept by triggers. PostgreSQL: the ``pg_trgm`` extension and a GIN index
on ``UPPER(masked_search_text)`` (what ``icontains`` compares). The SQL is in
``shegong.appeals.search`` (``install_sqlite_fts``, ``install_pg_trgm_index``).
"""

import logging

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

log = logging.getLogger(__name__)


def forwards(apps, schema_editor):
    from shegong.appeals import search

    connection = schema_editor.connection
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
        TrigramExtension(),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
