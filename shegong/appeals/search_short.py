"""Search by one or two characters (``区``, ``噪音``) through an index (issue 13).

A trigram index (SQLite FTS5 ``trigram``, PostgreSQL ``pg_trgm``) cannot answer a term
shorter than three characters, so such a search used to read every row's masked text
(494 ms p95 at 1,000,000 appeals on PostgreSQL). Here the masked text is also indexed by
its **character unigrams and bigrams**; the index finds the candidate rows holding the
term's gram, and the same ``icontains`` as before confirms each candidate, so the rows are
exactly those of the ``LIKE`` (the index only has to hold every row that matches: a
superset). Only ``masked_search_text`` is indexed, as for the trigram index.

* **SQLite**: a second FTS5 table, ``appeals_appeal_grams`` (external content on
  ``appeals_appeal``, tokenizer ``unicode61 remove_diacritics 0``), whose text is the
  space-separated grams of the masked text (``short_grams``: every character and every
  pair of neighbouring characters inside a run of letters and digits). The triggers that
  keep it write ``shegong_grams(masked_search_text)``, a function every Django connection
  registers (``register_sqlite_function``, on ``connection_created``). A connection
  outside Django (the ``sqlite3`` shell) that writes an appeal's text fails with "no such
  function": write appeals through the platform.
* **PostgreSQL**: a GIN index on ``appeal_short_grams(masked_search_text)``, an immutable
  SQL function giving the distinct unigrams and bigrams of ``UPPER(text)`` (what
  ``icontains`` compares), queried with ``@> ARRAY[UPPER(term)]``.

The index is used for terms of 1–2 characters that are Chinese characters (CJK unified
ideographs, basic block and extension A) or ASCII letters and digits: characters both
databases' tokenizers and case rules treat alike. Any other short term (punctuation,
full-width letters, kana) reads the masked text as before — same rows, unindexed.
"""

from __future__ import annotations

import re
import sqlite3

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.db.models.expressions import RawSQL

GRAMS_TABLE = "appeals_appeal_grams"
PG_FUNCTION = "appeal_short_grams"
PG_INDEX = "appeal_short_grams_gin"
SQLITE_FUNCTION = "shegong_grams"

_INDEXABLE = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]{1,2}")
_RUNS = re.compile(r"[^\W_]+")  # letters and digits (Unicode L* and N*)


def indexable_short_term(term: str) -> bool:
    """A term of 1–2 characters the gram index can answer (see the module docstring)."""
    return bool(_INDEXABLE.fullmatch(term))


def short_grams(text: str | None) -> str:
    """The grams of ``text`` as FTS5 reads them: each letter or digit and each pair of
    neighbouring ones, distinct, separated by spaces (``"区噪音"`` → ``"区 区噪 噪 噪音 音"``)."""
    grams: dict[str, None] = {}
    for run in _RUNS.findall(text or ""):
        for i, char in enumerate(run):
            grams[char] = None
            if i + 1 < len(run):
                grams[run[i : i + 2]] = None
    return " ".join(grams)


def short_term_q(term: str, *, using: str = "default") -> Q | None:
    """The appeals whose masked text contains ``term`` through the gram index, or None when
    the term or the database cannot use it (the caller then reads the masked text)."""
    if not indexable_short_term(term):
        return None
    connection = connections[using]
    confirm = Q(masked_search_text__icontains=term)
    if connection.vendor == "sqlite" and sqlite_grams_installed(connection):
        match = 'SELECT rowid FROM "appeals_appeal_grams" WHERE "appeals_appeal_grams" MATCH %s'
        phrase = '"' + term + '"'  # letters and digits only: nothing to quote
        # The term is a parameter; the SQL is a constant.
        return Q(pk__in=RawSQL(match, [phrase])) & confirm  # noqa: S611
    if connection.vendor == "postgresql" and pg_grams_installed(connection):
        contains = (
            'SELECT "id" FROM "appeals_appeal" '
            'WHERE appeal_short_grams("masked_search_text") @> ARRAY[UPPER(%s)]::text[]'
        )
        return Q(pk__in=RawSQL(contains, [term])) & confirm  # noqa: S611
    return None


# --- SQLite -----------------------------------------------------------------------------------


def register_sqlite_function(connection: BaseDatabaseWrapper, **_kwargs: object) -> None:
    """``connection_created``: the function the gram table's triggers call."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    if isinstance(raw, sqlite3.Connection):
        raw.create_function(SQLITE_FUNCTION, 1, short_grams, deterministic=True)


_SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS "appeals_appeal_grams_ai" AFTER INSERT ON "appeals_appeal"
    BEGIN
        INSERT INTO "appeals_appeal_grams" (rowid, masked_search_text)
        VALUES (new.id, shegong_grams(new.masked_search_text));
    END""",
    """CREATE TRIGGER IF NOT EXISTS "appeals_appeal_grams_ad" AFTER DELETE ON "appeals_appeal"
    BEGIN
        INSERT INTO "appeals_appeal_grams" ("appeals_appeal_grams", rowid, masked_search_text)
        VALUES ('delete', old.id, shegong_grams(old.masked_search_text));
    END""",
    """CREATE TRIGGER IF NOT EXISTS "appeals_appeal_grams_au"
    AFTER UPDATE OF masked_search_text ON "appeals_appeal"
    BEGIN
        INSERT INTO "appeals_appeal_grams" ("appeals_appeal_grams", rowid, masked_search_text)
        VALUES ('delete', old.id, shegong_grams(old.masked_search_text));
        INSERT INTO "appeals_appeal_grams" (rowid, masked_search_text)
        VALUES (new.id, shegong_grams(new.masked_search_text));
    END""",
)
_TRIGGER_NAMES = ("appeals_appeal_grams_ai", "appeals_appeal_grams_ad", "appeals_appeal_grams_au")
# External content: the table holds only the index. Its 'rebuild' would index the raw
# column, so it is refilled from the grams instead.
_REFILL = (
    """INSERT INTO "appeals_appeal_grams" ("appeals_appeal_grams") VALUES ('delete-all')""",
    'INSERT INTO "appeals_appeal_grams" (rowid, masked_search_text) '
    'SELECT id, shegong_grams(masked_search_text) FROM "appeals_appeal"',
)


def _exists(connection: BaseDatabaseWrapper, name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [name])
        return cursor.fetchone() is not None


def sqlite_grams_installed(connection: BaseDatabaseWrapper) -> bool:
    return _exists(connection, GRAMS_TABLE)


def install_sqlite_grams(connection: BaseDatabaseWrapper, *, create: bool = True) -> bool:
    """Create the gram table (filled) and its triggers if missing; ``create=False``: only
    re-create the triggers of an existing table (refilling it: rows written while they were
    gone are missing). False on another backend."""
    if connection.vendor != "sqlite" or not _exists(connection, "appeals_appeal"):
        return False
    connection.ensure_connection()
    register_sqlite_function(connection)
    with connection.cursor() as cursor:
        if not _exists(connection, GRAMS_TABLE):
            if not create:
                return False
            cursor.execute(
                'CREATE VIRTUAL TABLE "appeals_appeal_grams" USING fts5(masked_search_text, '
                "content='appeals_appeal', content_rowid='id', "
                "tokenize='unicode61 remove_diacritics 0')"
            )
            missing = True
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
                "(%s, %s, %s)",
                list(_TRIGGER_NAMES),
            )
            row = cursor.fetchone()
            missing = row is None or row[0] < len(_TRIGGER_NAMES)
        if missing:
            for sql in _REFILL:
                cursor.execute(sql)
        for sql in _SQLITE_TRIGGERS:
            cursor.execute(sql)
    return True


def uninstall_sqlite_grams(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for trigger in _TRIGGER_NAMES:
            cursor.execute("DROP TRIGGER IF EXISTS " + connection.ops.quote_name(trigger))
        cursor.execute('DROP TABLE IF EXISTS "appeals_appeal_grams"')


# --- PostgreSQL -------------------------------------------------------------------------------

PG_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION appeal_short_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT g), '{}'::text[])
    FROM (SELECT upper(t) AS u) AS x,
         generate_series(1, length(x.u)) AS i,
         LATERAL (VALUES (substr(x.u, i, 1)), (substr(x.u, i, 2))) AS v(g)
$$
"""


def pg_grams_installed(connection: BaseDatabaseWrapper) -> bool:
    """Whether the gram index exists (one catalogue look-up per short search)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'i'", [PG_INDEX])
        return cursor.fetchone() is not None


def install_pg_grams(connection: BaseDatabaseWrapper) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(PG_FUNCTION_SQL)
        cursor.execute(
            'CREATE INDEX IF NOT EXISTS "appeal_short_grams_gin" ON "appeals_appeal" '
            'USING gin (appeal_short_grams("masked_search_text"))'
        )
    return True


def uninstall_pg_grams(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX IF EXISTS "appeal_short_grams_gin"')
        cursor.execute("DROP FUNCTION IF EXISTS appeal_short_grams(text)")


def ensure_grams_index(using: str = "default", **_kwargs: object) -> None:
    """``post_migrate``: the triggers a table rebuild dropped (as ``search.ensure_text_index``)."""
    install_sqlite_grams(connections[using], create=False)
