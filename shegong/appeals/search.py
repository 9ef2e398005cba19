"""Appeal search: exact look-ups by number and tracking code, and text search over the
*masked* title and body (issue 13).

One entry point for the filter sets, ``text_search_q(query, visible=…)``; the database
specifics stay in this module.

* **Numbers and tracking codes** are normalised as typed (``normalise_code``: full-width →
  half-width, spaces removed, upper case) and matched with ``=`` on an indexed column — never
  ``iexact``, which is ``UPPER(number) LIKE …`` and reads every row. A query shaped like an
  appeal number (``RX202603020000123``) is that look-up and nothing else.
* **Text** is searched in ``Appeal.masked_search_text`` (title and body with identifiers
  masked): only that column is indexed, so no personal data is ever held in an index in
  clear.

  - SQLite: an FTS5 table with the ``trigram`` tokenizer (SQLite ≥ 3.34), external content
    (the index only, read from ``appeals_appeal``), kept in sync by triggers created by
    migration 0014 and re-created after every ``migrate`` (``ensure_text_index``: a table
    rebuild by a later ``AlterField`` drops the triggers of the old table). Terms of 3
    characters or more go through ``MATCH``; shorter ones through ``LIKE`` on the masked
    column (a trigram index cannot answer them).
  - PostgreSQL: a ``pg_trgm`` GIN index on ``UPPER(masked_search_text)``, which is what
    Django's ``icontains`` compares, so the ordinary look-up uses it (3 characters or more;
    shorter terms go through the gram index of ``search_short``).

  Both fall back to the plain ``icontains`` where the index cannot exist (an old SQLite,
  a PostgreSQL without ``pg_trgm``): same rows, slower.
* **Identifiers** (a query with a digit, a Latin letter or ``@``): the masked text cannot
  confirm a masked digit, so a viewer who may not see the petitioner's identity only finds
  what the masked text shows. A viewer who may see it (``visible``) also matches the stored
  title and body — an unindexed scan, as before; to find a petitioner by a full phone number
  the search page has the 诉求人电话 field, which goes through the phone's blind index.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Q
from django.db.models.expressions import RawSQL

from .choices import STREAM_PREFIX
from .search_short import short_term_q

FTS_TABLE = "appeals_appeal_fts"
PG_TRGM_INDEX = "appeal_masked_trgm"
MIN_INDEXED_TERM = 3  # a trigram index answers terms of three characters or more
SQLITE_TRIGRAM = (3, 34, 0)

_SPACES = re.compile(r"\s+")
_IDENTIFIER_CHARS = re.compile(r"[0-9A-Za-z@]")
_NUMBER = re.compile("(?:" + "|".join(sorted(STREAM_PREFIX.values())) + r")\d{15}")


def normalise_code(value: str | None) -> str:
    """An appeal number or tracking code as typed → as stored: full-width characters folded
    to half-width (NFKC: ``ＲＸ２０２６…`` → ``RX2026…``), spaces removed, upper case."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value or "")).upper()


def looks_like_number(value: str | None) -> bool:
    """``value`` (normalised) has the shape of an appeal number (``XF``/``RX``/``JY`` +
    the registration date + seven digits)."""
    return bool(_NUMBER.fullmatch(normalise_code(value)))


def number_q(value: str | None) -> Q:
    """The appeal whose number is ``value`` as typed: an exact match on the unique index."""
    return Q(number=normalise_code(value))


def looks_like_identifier(query: str) -> bool:
    """A query with a digit, a Latin letter or ``@`` (after NFKC folding) could touch an
    identifier; one without cannot, so it cannot learn a masked digit."""
    return bool(_IDENTIFIER_CHARS.search(unicodedata.normalize("NFKC", query)))


# --- the text index ------------------------------------------------------------------------


def sqlite_has_trigram() -> bool:
    return sqlite3.sqlite_version_info >= SQLITE_TRIGRAM


def _fts_phrase(term: str) -> str:
    """``term`` as one FTS5 phrase: every character literal (double quotes doubled)."""
    return '"' + term.replace('"', '""') + '"'


_FTS_MATCH = 'SELECT rowid FROM "appeals_appeal_fts" WHERE "appeals_appeal_fts" MATCH %s'


def masked_text_q(term: str, *, using: str = "default") -> Q:
    """Appeals whose masked title or body contains ``term`` (case-insensitive for Latin
    letters), through the text index where the backend and the term's length allow."""
    connection = connections[using]
    if (
        connection.vendor == "sqlite"
        and len(term) >= MIN_INDEXED_TERM
        and sqlite_has_trigram()
        and sqlite_fts_installed(connection)
    ):
        return Q(
            # The term is a parameter (one quoted phrase); the SQL is a constant.
            pk__in=RawSQL(_FTS_MATCH, [_fts_phrase(term)])  # noqa: S611
        )
    if len(term) < MIN_INDEXED_TERM:
        short = short_term_q(term, using=using)
        if short is not None:
            return short
    return Q(masked_search_text__icontains=term)


def text_search_q(query: str, *, visible: Q | None, using: str = "default") -> Q:
    """The filter for the 关键词 box of the appeal lists, the export and the API.

    ``visible``: the appeals whose petitioner the viewer may identify
    (``services.identity.identity_visible_q``), ``None`` when there are none. Empty query:
    every row (``Q()``)."""
    query = query.strip()
    if not query:
        return Q()
    if looks_like_number(query):
        return number_q(query)
    if not looks_like_identifier(query):
        # no digit or Latin letter: neither a number nor inside an identifier
        return masked_text_q(query, using=using)
    readable = masked_text_q(query, using=using) | number_q(query)
    if visible is None:
        return readable
    stored = Q(title__icontains=query) | Q(body__icontains=query)
    return (visible & stored) | readable


# --- keeping the SQLite index (migration 0014 and every migrate) ------------------------------

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS "appeals_appeal_fts_ai" AFTER INSERT ON "appeals_appeal"
    BEGIN
        INSERT INTO "appeals_appeal_fts" (rowid, masked_search_text)
        VALUES (new.id, new.masked_search_text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS "appeals_appeal_fts_ad" AFTER DELETE ON "appeals_appeal"
    BEGIN
        INSERT INTO "appeals_appeal_fts" ("appeals_appeal_fts", rowid, masked_search_text)
        VALUES ('delete', old.id, old.masked_search_text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS "appeals_appeal_fts_au"
    AFTER UPDATE OF masked_search_text ON "appeals_appeal"
    BEGIN
        INSERT INTO "appeals_appeal_fts" ("appeals_appeal_fts", rowid, masked_search_text)
        VALUES ('delete', old.id, old.masked_search_text);
        INSERT INTO "appeals_appeal_fts" (rowid, masked_search_text)
        VALUES (new.id, new.masked_search_text);
    END""",
)


def _sqlite_table_exists(cursor: CursorWrapper, name: str) -> bool:
    cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [name])
    return cursor.fetchone() is not None


def sqlite_fts_installed(connection: BaseDatabaseWrapper) -> bool:
    """Whether the FTS5 table exists (a migration under an SQLite without the trigram
    tokenizer, or ``migrate appeals 0013``, leaves none): without it a search reads the
    masked column, never a 500. One look-up in ``sqlite_master`` per search."""
    with connection.cursor() as cursor:
        return _sqlite_table_exists(cursor, FTS_TABLE)


def _sqlite_triggers_missing(cursor: CursorWrapper) -> bool:
    cursor.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s, %s)",
        ["appeals_appeal_fts_ai", "appeals_appeal_fts_ad", "appeals_appeal_fts_au"],
    )
    row = cursor.fetchone()
    return row is None or row[0] < 3


def install_sqlite_fts(connection: BaseDatabaseWrapper, *, create: bool = True) -> bool:
    """Create the FTS5 table and its triggers if missing, filling the table when it is new
    (``create=False``: only the triggers of an existing table). False (nothing done) on
    another backend or an SQLite without the trigram tokenizer."""
    if connection.vendor != "sqlite" or not sqlite_has_trigram():
        return False
    with connection.cursor() as cursor:
        if not _sqlite_table_exists(cursor, "appeals_appeal"):
            return False
        if not _sqlite_table_exists(cursor, FTS_TABLE):
            if not create:
                return False
            cursor.execute(
                'CREATE VIRTUAL TABLE "appeals_appeal_fts" USING fts5(masked_search_text, '
                "content='appeals_appeal', content_rowid='id', tokenize='trigram')"
            )
            cursor.execute(
                """INSERT INTO "appeals_appeal_fts" ("appeals_appeal_fts") VALUES ('rebuild')"""
            )
        elif _sqlite_triggers_missing(cursor):
            # Rows written while the triggers were gone are missing or stale in the index
            # (and a stale row breaks the external-content delete): rebuild it whole.
            for sql in _SQLITE_TRIGGERS:
                cursor.execute(sql)
            cursor.execute(
                """INSERT INTO "appeals_appeal_fts" ("appeals_appeal_fts") VALUES ('rebuild')"""
            )
        for sql in _SQLITE_TRIGGERS:
            cursor.execute(sql)
    return True


def uninstall_sqlite_fts(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for trigger in ("appeals_appeal_fts_ai", "appeals_appeal_fts_ad", "appeals_appeal_fts_au"):
            cursor.execute("DROP TRIGGER IF EXISTS " + connection.ops.quote_name(trigger))
        cursor.execute('DROP TABLE IF EXISTS "appeals_appeal_fts"')


def install_pg_trgm_index(connection: BaseDatabaseWrapper) -> bool:
    """The GIN trigram index on ``UPPER(masked_search_text)``; False when ``pg_trgm`` is not
    installed (migration 0014 installs it where the server offers it)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            return False
        cursor.execute(
            'CREATE INDEX IF NOT EXISTS "appeal_masked_trgm" ON "appeals_appeal" '
            'USING gin (UPPER("masked_search_text") gin_trgm_ops)'
        )
    return True


def ensure_text_index(using: str = "default", **_kwargs: object) -> None:
    """``post_migrate``: re-create what a table rebuild may have dropped (the SQLite
    triggers live and die with the table ``AlterField`` copies on SQLite)."""
    install_sqlite_fts(connections[using], create=False)
