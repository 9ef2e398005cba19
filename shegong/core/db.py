"""Small database helpers the ORM does not offer, for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from django.db import connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper


def reserve_ids(model: type[models.Model], count: int, using: str = "default") -> list[int]:
    """``count`` primary keys for rows about to be inserted with explicit ids.

    Lets a writer derive values from the id (registration numbers) before the INSERT
    instead of updating every row after it. PostgreSQL: ``nextval`` of the id sequence
    (never handed out twice, even across servers). SQLite: the AUTOINCREMENT counter,
    which the caller's transaction holds the write lock for (Shegong runs SQLite
    transactions IMMEDIATE), so no other writer can take the same ids; inserting them
    advances the counter. Must be called inside the transaction that inserts the rows.
    """
    if count <= 0:
        return []
    connection = connections[using]
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("reserve_ids must run inside the inserting transaction")
    table = model._meta.db_table
    pk_column = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk_column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            counter = row[0] if row else 0
            # Rows inserted with explicit ids above the counter also advance it; take the
            # larger of both so an id is never reused.
            cursor.execute(f'SELECT MAX("{pk_column}") FROM "{table}"')  # noqa: S608
            highest = cursor.fetchone()[0] or 0
            start = max(counter, highest) + 1
            return list(range(start, start + count))
    raise NotImplementedError(f"reserve_ids: unsupported database {connection.vendor}")


# Any model field (a column of a bulk write).
Column = models.Field[Any, Any]

# A value ready for the driver (what ``get_db_prep_save`` returns for Shegong's columns).
DbValue = int | float | Decimal | str | bytes | date | UUID | None


def bulk_insert(
    model: type[models.Model], objs: Sequence[models.Model], using: str = "default"
) -> None:
    """INSERT ``objs`` in one multi-row statement — ``bulk_create`` without its per-value
    expression machinery, for hot write paths (public intake). Same values as
    ``bulk_create``: every concrete field's ``pre_save`` (auto_now_add, …) and
    ``get_db_prep_save`` (encryption of EncryptedField, JSON, time zones). Rows must carry
    their primary keys already (see ``reserve_ids``) unless nothing refers to them; no
    signals are sent (Shegong uses none for writes)."""
    if not objs:
        return
    connection = connections[using]
    meta = model._meta
    with_pk = objs[0].pk is not None
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
    plain = [(f.attname, _plain_type(f)) for f in fields]
    rows: list[list[DbValue]] = []
    for obj in objs:
        if (obj.pk is not None) != with_pk:
            raise ValueError("bulk_insert: either every row has its primary key or none has")
        values = obj.__dict__
        row: list[DbValue] = []
        for f, (attname, kind) in zip(fields, plain, strict=True):
            value = values.get(attname, _MISSING) if kind is not None else _MISSING
            if value is None or (type(value) is kind and isinstance(value, str | int)):
                row.append(value)  # what get_db_prep_save returns for it, unchanged
            else:
                row.append(f.get_db_prep_save(f.pre_save(obj, True), connection=connection))
        rows.append(row)
        obj._state.adding = False
        obj._state.db = using
    insert_columns(model, [f.attname for f in fields], rows, using=using)


_MISSING = object()

# Field classes whose ``pre_save`` reads the attribute and whose ``get_db_prep_save``
# returns a value of this exact Python type unchanged (``to_python``/``int()`` of a str or
# an int, on both backends): ``bulk_insert`` skips the call chain for those values. Exact
# classes only — a subclass (an encrypted or path field) may prepare differently.
_PLAIN: dict[type, type] = {
    models.CharField: str,
    models.TextField: str,
    models.SlugField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
    models.BooleanField: bool,
}


def _plain_type(field: Column) -> type | None:
    """The Python type whose values ``field`` writes unchanged, or None (always prepare)."""
    if isinstance(field, models.ForeignKey):
        target = field.target_field
        return _PLAIN.get(type(target)) if not target.is_relation else None
    return _PLAIN.get(type(field))


def insert_columns(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[DbValue]],
    using: str = "default",
) -> None:
    """INSERT ``rows`` of values already prepared for the database (``get_db_prep_save``)
    into the columns of the fields named ``names`` (attnames), in one statement per chunk.

    ``bulk_insert`` without model instances, for rows by the million where building and
    preparing an instance per row is most of the cost (the demo's attendance rows); the
    caller prepares each distinct value once and must name every column without a database
    default."""
    if not rows:
        return
    connection = connections[using]
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    fields = [by_attname[name] for name in names]
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608 - names from the model
        quote(meta.db_table), ", ".join(quote(str(f.column)) for f in fields)
    )
    row_sql = "({})".format(", ".join(["%s"] * len(fields)))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array per column through unnest(): the statement text is the same for any
            # number of rows, so the driver parses it once (a multi-row VALUES list is a new,
            # long statement per batch size, parsed again in Python every time).
            casts = ", ".join(f"%s::{_array_type(f, connection)}" for f in fields)
            columns = [list(column) for column in zip(*rows, strict=True)]
            cursor.execute(
                f"{head.removesuffix(' VALUES ')} SELECT * FROM unnest({casts})",  # noqa: S608
                columns,
            )
            return
        # One multi-row statement per chunk (one round trip); SQLite allows 32,766
        # parameters.
        per_chunk = max(1, min(500, 30_000 // len(fields)))
        for start in range(0, len(rows), per_chunk):
            chunk = rows[start : start + per_chunk]
            cursor.execute(
                head + ", ".join([row_sql] * len(chunk)),
                [value for row in chunk for value in row],
            )


def _array_type(field: Column, connection: Any) -> str:
    """The PostgreSQL array type of a column, e.g. ``varchar(32)[]``, ``timestamptz[]``."""
    db_type = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
    if db_type is None:
        raise ValueError(f"bulk_insert: no column type for {field.name}")
    return f"{db_type}[]"


_PROTECTED: set[str] = set()


def protect_sqlite_files(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """``connection_created``: the embedded database holds encrypted personal data, password
    hashes and the audit chain; its files are readable by the server's account only (0600).
    SQLite creates the -wal and -shm files with the database file's permissions."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or name in _PROTECTED:
        return
    for suffix in ("", "-wal", "-shm"):
        path = Path(name + suffix)
        try:
            if path.exists() and path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except OSError:  # owned by another account: the operator's choice, left alone
            continue
    _PROTECTED.add(name)
