"""Benchmark: sustained appeal intake over HTTP with concurrent clients.

Prints one JSON object. A real server (``shegong serve --no-worker``: waitress, 8 threads) runs
on a free 127.0.0.1 port in a fresh SHEGONG_DATA_DIR, on SQLite or (``--postgres``) on a
scratch PostgreSQL database that is dropped afterwards. ``--clients`` threads (default 16)
post citizen appeals to the Open311 endpoint ``POST /open311/v2/requests.json`` (form fields
service_code, description, attribute[region_code], first_name, phone; a unique
Idempotency-Key per request) for ``--warmup`` + ``--duration`` seconds; requests/s, p50/p90/
p99 latency, errors, server RSS and CPU per request are measured in the duration window.

Baseline in the same run: the same kind of appeal rows written with a bare ``executemany``
INSERT into a scratch table with the same columns and indexes as ``appeals_appeal``;
``ratio`` = http requests/s ÷ baseline rows/s.

``--history N`` pre-loads N earlier appeals (plus one timeline event each) before measuring.
History rows bypass the services — they only exist to make the tables big — and are built
from the model's own field list and defaults, with numbers and tracking hashes made the way
intake makes them, written with COPY (PostgreSQL) or executemany (SQLite). The measured
intake always goes through HTTP and ``submit_appeal``.

With py-spy installed (``.venv/bin/pip install py-spy``) a second, shorter load phase is
profiled and summarised (``profile``); the measured phase itself runs without a profiler.

    .venv/bin/python bench/appeals_intake.py                       # SQLite
    .venv/bin/python bench/appeals_intake.py --postgres --history 1000000
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import enum
import http.client
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENDPOINT = "/open311/v2/requests.json"
SERVICE_CODES = [  # hotline kinds dominate, as at a real 12345 centre
    ("hl_complaint", 45),
    ("hl_help", 15),
    ("hl_consult", 15),
    ("hl_suggest", 8),
    ("hl_report", 7),
    ("people_suggestion", 4),
    ("xf_claim", 6),
]
PG_DEFAULT = "postgres://root@127.0.0.1:5432"


# --- helpers used by both phases -------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def proc_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def tree_pids(pid: int) -> list[int]:
    """``pid`` and its descendants (``shegong serve --processes N`` forks web processes)."""
    parents: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents[ppid].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def tree_rss_mb(pid: int) -> float:
    return sum(proc_rss_mb(p) for p in tree_pids(pid))


def tree_cpu_seconds(pid: int) -> float:
    return sum(proc_cpu_seconds(p) for p in tree_pids(pid))


def postgres_cpu_seconds() -> float:
    """CPU of every local postgres process (the benchmark's backends are among them)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += proc_cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


# --- setup phase (runs in a subprocess with Django) -----------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _plain(value: Any) -> Any:
    """Choices members (str/int enums) as their plain values."""
    return value.value if isinstance(value, enum.Enum) else value


class RowFactory:
    """Realistic appeal (and timeline event) rows from the model's own field list/defaults.

    ``copy=True`` gives lines in COPY's text format (PostgreSQL bulk load); otherwise tuples
    of database values for ``executemany``.
    """

    def __init__(
        self, rng: random.Random, *, copy: bool = False, categories: tuple[str, ...] = ()
    ) -> None:
        from django.db import connection

        from shegong.appeals.choices import KIND_STREAM, STREAM_PREFIX
        from shegong.appeals.models import Appeal, AppealEvent, AppealPolicy, masked_copy
        from shegong.appeals.services.intake import TRACKING_ALPHABET, tracking_hash
        from shegong.demo.appeals import load_messages, localise
        from shegong.regions.models import Region
        from shegong.units.models import Unit

        self.rng = rng
        self.copy = copy
        self.kind_stream = {str(k.value): str(v.value) for k, v in KIND_STREAM.items()}
        self.prefix = {str(k.value): v for k, v in STREAM_PREFIX.items()}
        self.alphabet = TRACKING_ALPHABET
        self.tracking_hash = tracking_hash
        self.localise = localise
        self.masked_copy = masked_copy
        self.messages, self.source = load_messages()
        encode: Any = _copy_value if copy else (lambda v: v)
        self.encode = encode
        self.categories = [encode(c) for c in categories]
        if copy:
            self.when: Any = datetime.isoformat
            self.flag: Any = {True: "t", False: "f"}.__getitem__
        elif connection.vendor == "sqlite":
            self.when = connection.ops.adapt_datetimefield_value
            self.flag = bool
        else:
            self.when = lambda value: value
            self.flag = bool
        places = Region.objects.filter(level=4).values_list("pk", "name", "path")
        names = dict(Region.objects.filter(level=2).values_list("code", "name"))
        self.places = [(encode(pk), name, names[path.split("/")[2]]) for pk, name, path in places]
        self.units = [
            encode(pk)
            for pk in Unit.objects.filter(is_handling_unit=True, is_active=True)
            .exclude(kind__in=["department", "community"])
            .values_list("pk", flat=True)
        ]
        self.policies = {
            p.kind: encode(p.pk)
            for p in AppealPolicy.objects.filter(region=None).order_by("version")
        }
        self.kinds = [code for code, _ in SERVICE_CODES]
        self.kind_weights = list(itertools.accumulate(w for _, w in SERVICE_CODES))
        fields = Appeal._meta.concrete_fields
        self.columns = [f.column for f in fields]
        self.template = [encode(_plain(f.get_default())) for f in fields]
        self.index = {f.attname: i for i, f in enumerate(fields)}
        event_fields = AppealEvent._meta.concrete_fields
        self.event_columns = [f.column for f in event_fields]
        self.event_template = [encode(_plain(f.get_default())) for f in event_fields]
        self.event_index = {f.attname: i for i, f in enumerate(event_fields)}
        self.petitioners: list[Any] = [encode(None)]
        self._texts: dict[tuple[int, str], tuple[str, str, str]] = {}
        self.reply = encode("经核查，已督促相关单位整改到位，并已回访诉求人。")
        self.redirect_reason = encode("属于民事纠纷，请依法向人民法院提起诉讼")
        self.reject_reason = encode("诉求内容不明确，经联系诉求人仍无法补充具体事实")

    def add_petitioners(self, ids: list[int]) -> None:
        self.petitioners += [self.encode(pk) for pk in ids]

    def text(self, message: int, district: str) -> tuple[str, str, str]:
        key = (message, district)
        if key not in self._texts:
            m = self.messages[message]
            title = self.localise(m.title, "示范市", district)[:200] or "群众诉求"
            body = self.localise(m.body, "示范市", district)
            # masked_search_text as the model's save writes it (masked_copy), computed
            # once per text like the escaping: history rows are found by search.
            masked = self.masked_copy(title, body)
            self._texts[key] = (self.encode(title), self.encode(body), self.encode(masked))
        return self._texts[key]

    def appeal(
        self, pk: int, registered: datetime, *, closed: bool, event_pk: int = 0
    ) -> tuple[Any, Any]:
        """(appeal row, its 'registered' event row), as tuples or COPY lines."""
        rng, i, when = self.rng, self.index, self.when
        num = str if self.copy else int
        kind = rng.choices(self.kinds, cum_weights=self.kind_weights)[0]
        stream = self.kind_stream[kind]
        region_id, place, district = rng.choice(self.places)
        title, body, masked = self.text(rng.randrange(len(self.messages)), district)
        number = f"{self.prefix[stream]}{registered:%Y%m%d}{pk:07d}"
        code = "".join(rng.choices(self.alphabet, k=8))
        row = self.template.copy()
        row[i["id"]] = num(pk)
        row[i["number"]] = number
        row[i["tracking_hash"]] = self.tracking_hash(number, code)
        row[i["kind"]] = kind
        row[i["stream"]] = stream
        row[i["channel"]] = rng.choice(["phone", "phone", "portal", "api", "visit", "letter"])
        row[i["title"]] = title
        row[i["body"]] = body
        row[i["masked_search_text"]] = masked
        row[i["region_id"]] = region_id
        if self.categories:  # 一级 category by id, as an UPDATE … CASE id % n would give
            row[i["category_l1"]] = self.categories[pk % len(self.categories)]
        row[i["address"]] = f"{place}{rng.randint(1, 40)}号楼附近"
        row[i["petitioner_id"]] = rng.choice(self.petitioners)
        row[i["identity_confidential"]] = self.flag(rng.random() < 0.05)
        row[i["registered_at"]] = when(registered)
        row[i["policy_id"]] = self.policies[kind]
        row[i["triage_due_at"]] = when(registered + timedelta(hours=2))
        status, end = "registered", registered
        if closed:
            accepted = registered + timedelta(minutes=rng.randint(5, 120))
            replied = accepted + timedelta(hours=rng.randint(2, 24 * 12))
            end = replied + timedelta(hours=rng.randint(2, 72))
            row[i["accepted_at"]] = when(accepted)
            r = rng.random()
            if r < 0.94:
                status = "closed"
                row[i["lead_unit_id"]] = rng.choice(self.units)
                row[i["reply_text"]] = self.reply
                row[i["replied_at"]] = when(replied)
            elif r < 0.97:
                status = "redirected"
                row[i["redirect_channel"]] = "litigation"
                row[i["decision_reason"]] = self.redirect_reason
            else:
                status = "rejected"
                row[i["decision_reason"]] = self.reject_reason
            row[i["closed_at"]] = when(end)
        row[i["status"]] = status
        row[i["updated_at"]] = when(end)
        e, ei = self.event_template.copy(), self.event_index
        e[ei["id"]] = num(event_pk or pk)
        e[ei["appeal_id"]] = num(pk)
        e[ei["kind"]] = "registered"
        e[ei["at"]] = when(registered)
        e[ei["actor_label"]] = "系统"
        e[ei["note"]] = "接口登记"
        e[ei["public"]] = self.flag(True)
        e[ei["public_note"]] = f"您的诉求已登记，编号 {number}"
        if self.copy:
            return "\t".join(row) + "\n", "\t".join(e) + "\n"
        return tuple(row), tuple(e)


def _write_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        cols = ", ".join(f'"{c}"' for c in columns)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy,
        ):
            for i in range(0, len(rows), 1000):  # stream: the server parses while we build
                copy.write("".join(rows[i : i + 1000]).encode())
    else:
        _write_rows_insert(table, columns, rows)


def _escape(text: str) -> str:
    """Escape for COPY's text format (str.translate is slow on CJK text: test first)."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


def _copy_value(value: Any) -> str:
    """One value in COPY's text format (psycopg's per-value write_row is much slower)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return _escape(value)
    return str(value)


def _drop_secondary_indexes(tables: list[str]) -> list[str]:
    """PostgreSQL bulk-load practice: plain (non-unique) indexes are dropped before COPY and
    rebuilt after; returns the statements that rebuild them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.tablename = ANY(%s) AND NOT x.indisunique",
            [tables],
        )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


LoadJob = tuple[int, int, int, int, int, datetime, timedelta, list[int], tuple[str, ...]]


# The SQLite search indexes' triggers on appeals_appeal (migrations 0014 and 0018) and what
# re-creates each set with its index rebuilt in one pass over the table.
SQLITE_SEARCH_TRIGGERS = {
    "appeals_appeal_fts_ai": "fts",
    "appeals_appeal_fts_ad": "fts",
    "appeals_appeal_fts_au": "fts",
    "appeals_appeal_grams_ai": "grams",
    "appeals_appeal_grams_ad": "grams",
    "appeals_appeal_grams_au": "grams",
}


def _drop_sqlite_search_triggers() -> set[str]:
    """SQLite bulk-load practice: the per-row triggers that keep the two FTS5 indexes
    (trigram, and grams through the Python function ``shegong_grams``) cost two thirds of
    the load (bench/README.md); drop them, load, then ``_rebuild_sqlite_search`` indexes
    every row in one pass and re-creates them. Returns the index kinds dropped."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            ["appeals_appeal"],
        )
        names = [name for (name,) in cursor.fetchall() if name in SQLITE_SEARCH_TRIGGERS]
        for name in names:
            cursor.execute(f'DROP TRIGGER "{name}"')  # a name from the constant above
    return {SQLITE_SEARCH_TRIGGERS[name] for name in names}


def _rebuild_sqlite_search(kinds: set[str]) -> None:
    """Re-create the dropped triggers; with them missing, the products' installers rebuild
    the index from every row first (FTS5 'rebuild'; the grams refilled by one INSERT …
    SELECT shegong_grams(...)) — what the triggers would have written row by row."""
    from django.db import connection

    from shegong.appeals import search, search_short

    if "fts" in kinds:
        search.install_sqlite_fts(connection, create=False)
    if "grams" in kinds:
        search_short.install_sqlite_grams(connection, create=False)


def _load_range(job: LoadJob) -> int:
    """Write history rows ``lo``..``hi``-1 (runs in a worker process on PostgreSQL)."""
    from django.db import connection, transaction

    from shegong.appeals.models import Appeal, AppealEvent

    lo, hi, count, start_id, start_event, first, span, petitioners, categories = job
    rng = random.Random(lo)
    factory = RowFactory(rng, copy=connection.vendor == "postgresql", categories=categories)
    factory.add_petitioners(petitioners)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Rows reference existing regions/units/policies; skip the per-row FK triggers
            # during the load, as pg_restore --disable-triggers does.
            cursor.execute("SET session_replication_role = replica")
    for batch_lo in range(lo, hi, 20_000):
        rows, events = [], []
        for k in range(batch_lo, min(batch_lo + 20_000, hi)):
            registered = first + span * (k / count) + timedelta(seconds=rng.randrange(600))
            row, event = factory.appeal(
                start_id + k, registered, closed=rng.random() < 0.995, event_pk=start_event + k
            )
            rows.append(row)
            events.append(event)
        with transaction.atomic():
            _write_rows(Appeal._meta.db_table, factory.columns, rows)
            _write_rows(AppealEvent._meta.db_table, factory.event_columns, events)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    return hi - lo


def preload_history(
    count: int,
    rng: random.Random,
    log: Any,
    workers: int,
    *,
    categories: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Bulk path for --history only: earlier appeals + one 'registered' event each.

    ``categories``: give each row the 一级 category ``categories[id % len]`` (default: none,
    as the model's default)."""
    import multiprocessing

    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    from shegong.appeals.models import Appeal, AppealEvent, Petitioner

    started = time.monotonic()
    # A pool of people (encrypted through the model, like intake does) the rows point to.
    people = [
        Petitioner(name=f"历史诉求人{i}", phone=f"139{rng.randrange(10**8):08d}")
        for i in range(min(20_000, max(count // 50, 1)))
    ]
    Petitioner.objects.bulk_create(people, batch_size=2000)
    petitioners = list(Petitioner.objects.values_list("pk", flat=True))
    start_id = (Appeal.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    start_event = (AppealEvent.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    span = timedelta(days=3 * 365)
    first = timezone.localtime() - timedelta(days=HISTORY_END_DAYS) - span
    tables = [Appeal._meta.db_table, AppealEvent._meta.db_table]
    postgres = connection.vendor == "postgresql"
    rebuild = _drop_secondary_indexes(tables) if postgres else []
    search_indexes = set() if postgres else _drop_sqlite_search_triggers()
    step = 250_000
    jobs = [
        (
            lo,
            min(lo + step, count),
            *(count, start_id, start_event, first, span, petitioners, categories),
        )
        for lo in range(0, count, step)
    ]
    written = 0
    if postgres and workers > 1:
        connection.close()  # each forked worker opens its own connection
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for n in pool.imap_unordered(_load_range, jobs):
                written += n
                rate = written / (time.monotonic() - started)
                log(f"history {written:,}/{count:,} ({rate:,.0f} rows/s)")
    else:
        for job in jobs:
            written += _load_range(job)
            rate = written / (time.monotonic() - started)
            log(f"history {written:,}/{count:,} ({rate:,.0f} rows/s)")
    load_seconds = time.monotonic() - started
    if search_indexes:
        _rebuild_sqlite_search(search_indexes)
        log(f"search indexes rebuilt ({time.monotonic() - started - load_seconds:.0f} s)")
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for statement in rebuild:
                cursor.execute(statement)
            for table in tables:
                sql = (  # table names from the model's metadata
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                    f'(SELECT MAX(id) FROM "{table}"))'
                )
                cursor.execute(sql)
            # what autovacuum does to a table after millions of inserts, done now: the
            # visibility map that lets the planner answer from an index only (the 人民建议
            # count, bench/README.md)
            for table in tables:
                cursor.execute(f'VACUUM "{table}"')
        cursor.execute("ANALYZE")
    seconds = time.monotonic() - started
    return {
        "rows": count,
        "events": count,
        "petitioner_pool": len(people),
        "method": "COPY" if postgres else "executemany",
        "workers": workers if postgres else 1,
        "indexes_rebuilt_after_load": len(rebuild) + len(search_indexes),
        "seconds": round(seconds, 1),
        "load_seconds": round(load_seconds, 1),
        "rows_per_s": round(count / max(seconds, 1e-9)),
    }


def add_closed_work_orders() -> int:
    """One closed lead work order per finished history appeal that has a lead unit, built
    from the appeal row in one INSERT … SELECT (defaults from the model's field list)."""
    from django.db import connection

    from shegong.appeals.models import Appeal, WorkOrder

    fields = [f for f in WorkOrder._meta.concrete_fields if f.attname != "id"]
    from_appeal = {
        "appeal_id": "a.id",
        "unit_id": "a.lead_unit_id",
        "dispatched_at": "a.accepted_at",
        "sign_due_at": "a.accepted_at",
        "signed_at": "a.accepted_at",
        "due_at": "a.replied_at",
        "replied_at": "a.replied_at",
        "closed_at": "a.closed_at",
        "reply_text": "a.reply_text",
    }
    fixed = {"role": "lead", "status": "closed"}
    columns, selects, params = [], [], []
    for f in fields:
        columns.append(f'"{f.column}"')
        if f.attname in from_appeal:
            selects.append(from_appeal[f.attname])
        elif f.attname in fixed:
            selects.append("%s")
            params.append(fixed[f.attname])
        else:
            default = f.get_default()
            if hasattr(default, "value"):
                default = default.value
            if isinstance(default, (dict, list)):
                default = json.dumps(default)
            selects.append("%s")
            params.append(default)
    table, source = WorkOrder._meta.db_table, Appeal._meta.db_table
    sql = (  # names from the models' metadata
        f'INSERT INTO "{table}" ({", ".join(columns)}) '  # noqa: S608
        f'SELECT {", ".join(selects)} FROM "{source}" a '
        "WHERE a.lead_unit_id IS NOT NULL AND a.status = 'closed' AND a.id > %s"
    )
    demo_max = WorkOrder.objects.order_by("-appeal_id").values_list("appeal_id", flat=True).first()
    postgres = connection.vendor == "postgresql"
    rebuild = _drop_secondary_indexes([table]) if postgres else []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, demo_max or 0])
        written = cursor.rowcount
        if postgres:
            cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in rebuild:
            cursor.execute(statement)
        if postgres:
            cursor.execute(f'VACUUM "{table}"')
    return written


HISTORY_END_DAYS = 130  # history ends before the demo's 120 days would start


def baseline_insert(rows: int, rng: random.Random) -> dict[str, Any]:
    """The same kind of rows through a bare executemany INSERT into a scratch table with
    the same columns and indexes as appeals_appeal (1,000 rows per transaction)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from shegong.appeals.models import Appeal

    factory = RowFactory(rng)
    table = Appeal._meta.db_table
    scratch = "bench_scratch_appeal"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'DROP TABLE IF EXISTS "{scratch}"')
            cursor.execute(f'CREATE TABLE "{scratch}" (LIKE "{table}" INCLUDING ALL)')
        else:
            cursor.execute(f'DROP TABLE IF EXISTS "{scratch}"')
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            ddl = sorted(cursor.fetchall(), key=lambda r: r[0] != "table")
            for _kind, name, sql in ddl:
                sql = sql.replace(f'"{table}"', f'"{scratch}"')
                sql = sql.replace(f'"{name}"', f'"bench_{name}"') if _kind == "index" else sql
                cursor.execute(sql)
    now = timezone.localtime()
    data = [factory.appeal(k + 1, now, closed=False)[0] for k in range(rows)]
    started = time.perf_counter()
    for i in range(0, rows, 1000):
        with transaction.atomic():
            _write_rows_insert(scratch, factory.columns, data[i : i + 1000])
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{scratch}"')
    return {
        "method": "executemany INSERT, scratch table with the same columns and indexes, "
        "1,000 rows per transaction",
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
    }


def _write_rows_insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    from django.db import connection

    marks = ", ".join(["%s"] * len(columns))
    cols = ", ".join(f'"{c}"' for c in columns)
    # Table and column names come from the model's metadata, never from input.
    sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def phase_setup(args: argparse.Namespace) -> None:
    _django()
    from django.core.management import call_command

    from shegong.demo import appeals as demo_appeals
    from shegong.demo.generator import generate
    from shegong.regions.models import Region

    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    demo_appeals.APPEAL_COUNTS[args.size] = 0  # the city only; intake is what we measure
    generate(args.size, log=lambda _m: None)
    rng = random.Random(args.seed)
    out: dict[str, Any] = {"city_seconds": round(time.monotonic() - started, 1)}
    if args.history:
        out["history"] = preload_history(args.history, rng, log, args.history_workers)
    out["baseline"] = baseline_insert(args.baseline_rows, rng)
    messages, source = demo_appeals.load_messages()
    sample = rng.sample(messages, min(3000, len(messages)))
    districts = list(Region.objects.filter(level=2).values_list("name", flat=True))
    out["texts"] = source
    out["messages"] = [
        [
            demo_appeals.localise(m.title, "示范市", district),
            demo_appeals.localise(m.body[:4000], "示范市", district),
        ]
        for m in sample
        for district in [rng.choice(districts)]
    ]
    out["regions"] = list(Region.objects.filter(level=4).values_list("code", flat=True))
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


def phase_count(args: argparse.Namespace) -> None:
    _django()
    from shegong.appeals.models import IdempotencyRecord
    from shegong.core.audit import verify_chain
    from shegong.core.models import AuditEvent

    report = verify_chain(save=False)
    print(
        json.dumps(
            {
                "open311_appeals": IdempotencyRecord.objects.filter(
                    key__startswith="open311:"
                ).count(),
                "audit_events": AuditEvent.objects.count(),
                "audit_chain_ok": report.ok,
                "scope_probe_ms": scope_probe(),
            }
        )
    )


def scope_probe() -> dict[str, float]:
    """Median time of the one-row scoped look-up every handling step starts with
    (``Appeal.objects.visible_to(user).filter(pk=…)``) at this table size, per persona."""
    from shegong.accounts.models import User
    from shegong.appeals.models import Appeal

    latest = Appeal.objects.order_by("-pk").values_list("pk", flat=True).first()
    out: dict[str, float] = {}
    for username in ("dispatcher", "handler", "street"):
        user = User.objects.filter(username=username).first()
        if user is None or latest is None:
            continue
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            Appeal.objects.visible_to(user).filter(pk=latest).exists()
            samples.append(1000 * (time.perf_counter() - started))
        out[username] = round(sorted(samples)[2], 1)
    return out


# --- load phase (no Django in this process) --------------------------------------------------


class Load:
    def __init__(self, port: int, messages: list[list[str]], regions: list[str], seed: int):
        self.port = port
        self.messages = messages
        self.regions = regions
        self.seed = seed
        self.results: list[tuple[float, float, int]] = []  # (end time, latency s, status)
        self.errors: collections.Counter[str] = collections.Counter()
        # Every answer other than 201: (end time, status, the first 300 bytes of its body).
        self.refusals: list[tuple[float, int, str]] = []
        # Every refusal and connection error of every run (warm-up, measured window,
        # profiled phases): (phase, end time, status, body); status 0 = connection error.
        self.every_refusal: list[tuple[str, float, int, str]] = []
        self.lock = threading.Lock()
        self.stop_at = 0.0
        self.created_total = 0  # 201s over every run (the measured one and the profiled one)

    def body(self, rng: random.Random) -> bytes:
        title, text = rng.choice(self.messages)
        code = rng.choices([c for c, _ in SERVICE_CODES], [w for _, w in SERVICE_CODES])[0]
        fields = {
            "service_code": code,
            "description": text,
            "attribute[region_code]": rng.choice(self.regions),
            # A title the platform accepts (2–200 characters once trimmed): one message of
            # the public data set is titled "）", and its 400 was the bench's own doing.
            "attribute[title]": title[:100] if len(title.strip()) >= 2 else text[:30],
            "first_name": rng.choice("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超") + rng.choice("华英平刚"),
            "last_name": rng.choice("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"),
            "phone": rng.choice(["138", "139", "150", "186", "177"])
            + f"{rng.randrange(10**8):08d}",
        }
        return urllib.parse.urlencode(fields).encode()

    def client(self, index: int) -> None:
        rng = random.Random(self.seed * 1000 + index)
        conn: http.client.HTTPConnection | None = None
        local: list[tuple[float, float, int]] = []
        errors: collections.Counter[str] = collections.Counter()
        refusals: list[tuple[float, int, str]] = []
        while time.perf_counter() < self.stop_at:
            body = self.body(rng)
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Idempotency-Key": uuid.uuid4().hex,
            }
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request("POST", ENDPOINT, body=body, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                status = response.status
                if status != 201:
                    refusals.append(
                        (time.perf_counter(), status, answer[:300].decode("utf-8", "replace"))
                    )
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                status = 0
                errors[type(exc).__name__] += 1
                if conn is not None:
                    conn.close()
                conn = None
            ended = time.perf_counter()
            local.append((ended, ended - started, status))
        if conn is not None:
            conn.close()
        with self.lock:
            self.results.extend(local)
            self.errors.update(errors)
            self.refusals.extend(refusals)

    def run(self, clients: int, seconds: float, phase: str = "measured") -> float:
        self.results, self.errors, self.refusals = [], collections.Counter(), []
        begin = time.perf_counter()
        self.stop_at = begin + seconds
        threads = [threading.Thread(target=self.client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.created_total += sum(1 for r in self.results if r[2] == 201)
        self.every_refusal.extend((phase, at, status, text) for at, status, text in self.refusals)
        self.every_refusal.extend(
            (phase, at, 0, "connection error") for at, _lat, status in self.results if status == 0
        )
        return begin


def summarise_profile(path: Path, top: int = 12) -> dict[str, Any]:
    """py-spy raw (collapsed) stacks → where the server's busy threads spend their time."""
    frame_re = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*):\d+\)$")
    inclusive: collections.Counter[str] = collections.Counter()
    areas: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [frame_re.match(f) for f in stack.split(";")]
        seen: set[str] = set()
        for m in frames:
            if m is None:
                continue
            key = f"{m['func']} ({m['file']})"
            if key not in seen and ("shegong/" in m["file"] or m["func"] in INTERESTING):
                inclusive[key] += n
                seen.add(key)
        last = frames[-1]
        areas[_area(last["file"] if last else "")] += n
    pct = lambda v: round(100 * v / max(total, 1), 1)  # noqa: E731
    return {
        "samples": total,
        "self_time_by_area_pct": {k: pct(v) for k, v in areas.most_common()},
        "inclusive_pct": {k: pct(v) for k, v in inclusive.most_common(top)},
    }


INTERESTING = {
    "SQLCompiler.as_sql",
    "SQLCompiler.execute_sql",
    "CursorWrapper.execute",
    "Client.request",
    "WSGIHandler.__call__",
}


def _area(file: str) -> str:
    if "django/db/models/sql" in file:
        return "Django ORM: building SQL"
    if "django/db/backends" in file or "sqlite3" in file or "psycopg" in file:
        return "database driver / waiting for the database"
    if "django/db" in file:
        return "Django ORM: models and querysets"
    if "django/" in file:
        return "Django request handling (middleware, sessions, http)"
    if "waitress" in file:
        return "waitress"
    if "shegong/" in file:
        return "Shegong code"
    if "cryptography" in file:
        return "cryptography (SM4/SM3)"
    if "threading" in file or "socket" in file or "selectors" in file:
        return "threads and sockets"
    return "Python stdlib / other"


def run_phase(args: argparse.Namespace, phase: str, env: dict[str, str], *extra: str) -> str:
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, *extra]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{phase} phase failed")
    sys.stderr.write(done.stderr[-2000:])
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--pg-url", default=PG_DEFAULT, help="server URL without a database")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--threads", type=int, default=32, help="waitress threads per process")
    parser.add_argument(
        "--processes", default="1", help="server processes (shegong serve --processes)"
    )
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--history", type=int, default=0, help="earlier appeals to pre-load")
    parser.add_argument("--history-workers", type=int, default=2, help="COPY processes (PG)")
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    parser.add_argument("--size", default="small", help="demo city size for the regions")
    parser.add_argument("--profile-seconds", type=float, default=8.0, help="0: no py-spy")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument(
        "--server-log", default="", help="copy the server's log here (always kept on errors)"
    )
    parser.add_argument("--phase", default="", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "setup":
        return phase_setup(args)
    if args.phase == "count":
        return phase_count(args)

    load_before = os.getloadavg()
    data_dir = Path(tempfile.mkdtemp(prefix="shegong-bench-intake-"))
    env = {
        **os.environ,
        "SHEGONG_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
        "SHEGONG_TASKS": "database",
        "DJANGO_SETTINGS_MODULE": "shegong.conf.settings",
    }
    env.pop("DATABASE_URL", None)
    database = "sqlite"
    pg_name = ""
    if args.postgres:
        pg_name = f"shegong_bench_{os.getpid()}"
        parts = urllib.parse.urlsplit(args.pg_url)
        pg_cli = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
        pg_cli += ["-U", parts.username or "root"]
        subprocess.run(["createdb", *pg_cli, pg_name], check=True)
        env["DATABASE_URL"] = f"{args.pg_url.rstrip('/')}/{pg_name}"
        database = "postgresql"
    result: dict[str, Any] = {
        "benchmark": "appeals_intake",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
        },
        "database": database,
        "endpoint": f"POST {ENDPOINT}",
        "clients": args.clients,
        "server_threads": args.threads,
        "server_processes": args.processes,
        "warmup_s": args.warmup,
        "duration_s": args.duration,
    }
    server: subprocess.Popen[bytes] | None = None
    load: Load | None = None
    window: tuple[float, float] | None = None
    try:
        setup_file = data_dir / "setup.json"
        started = time.monotonic()
        run_phase(
            args,
            "setup",
            env,
            "--out",
            str(setup_file),
            "--size",
            args.size,
            "--history",
            str(args.history),
            "--history-workers",
            str(args.history_workers),
            "--baseline-rows",
            str(args.baseline_rows),
            "--seed",
            str(args.seed),
        )
        setup = json.loads(setup_file.read_text(encoding="utf-8"))
        result["setup_seconds"] = round(time.monotonic() - started, 1)
        result["texts"] = setup["texts"]
        if args.history:
            result["history"] = setup["history"]
        result["baseline"] = setup["baseline"]
        if not (ROOT / "shegong" / "appeals" / "open311_urls.py").exists():
            result["http"] = "endpoint not available"
            return
        port = free_port()
        log_file = (data_dir / "server.log").open("wb")
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "shegong.cli", "serve", "--no-worker", "--no-migrate"),
                *("--host", "127.0.0.1", "--port", str(port), "--threads", str(args.threads)),
                *("--processes", str(args.processes)),
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/open311/v2/services.json")
                status = conn.getresponse().status
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("server did not start") from None
                time.sleep(0.3)
        if status != 200:
            result["http"] = f"endpoint not available (services.json answered {status})"
            return
        result["http"] = "ok"
        load = Load(port, setup["messages"], setup["regions"], args.seed)
        rss: list[float] = [tree_rss_mb(server.pid)]
        sampling = threading.Event()

        def sample_rss() -> None:
            while not sampling.wait(0.5):
                rss.append(tree_rss_mb(server.pid))

        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()
        cpu_marks: dict[str, float] = {}

        def mark(name: str) -> None:
            cpu_marks[f"{name}_server"] = tree_cpu_seconds(server.pid)
            cpu_marks[f"{name}_db"] = postgres_cpu_seconds() if args.postgres else 0.0
            cpu_marks[f"{name}_client"] = time.process_time()

        timer = threading.Timer(args.warmup, mark, args=("start",))
        timer.start()
        end_timer = threading.Timer(args.warmup + args.duration, mark, args=("end",))
        end_timer.start()
        begin = load.run(args.clients, args.warmup + args.duration)
        sampling.set()
        window = (begin + args.warmup, begin + args.warmup + args.duration)
        inside = [r for r in load.results if window[0] <= r[0] < window[1]]
        ok = sorted(lat * 1000 for _, lat, status in inside if status == 201)
        bad = collections.Counter(str(status) for _, _, status in inside if status != 201)
        bad.update(load.errors)
        rps = len(ok) / args.duration
        result.update(
            {
                "requests_ok": len(ok),
                "requests_total": len(load.results),
                "errors": sum(1 for r in inside if r[2] != 201),
                "error_kinds": dict(bad),
                # each refusal with its body (first 20), so a 400 explains itself
                "refusals": [
                    {"status": status, "body": text}
                    for at, status, text in load.refusals
                    if window[0] <= at < window[1]
                ][:20],
                "rps": round(rps, 1),
                "latency_ms": {
                    "p50": round(percentile(ok, 0.50), 1),
                    "p90": round(percentile(ok, 0.90), 1),
                    "p99": round(percentile(ok, 0.99), 1),
                    "max": round(ok[-1], 1) if ok else 0.0,
                },
                "server_rss_mb": {
                    "start": round(rss[0], 1),
                    "peak": round(max(rss), 1),
                    "end": round(rss[-1], 1),
                },
            }
        )
        served = max(len(ok), 1)
        if "end_server" in cpu_marks and "start_server" in cpu_marks:
            result["cpu_ms_per_request"] = {
                "server": round(
                    1000 * (cpu_marks["end_server"] - cpu_marks["start_server"]) / served, 2
                ),
                "postgres": round(1000 * (cpu_marks["end_db"] - cpu_marks["start_db"]) / served, 2)
                if args.postgres
                else None,
                "clients": round(
                    1000 * (cpu_marks["end_client"] - cpu_marks["start_client"]) / served, 2
                ),
            }
        result["ratio"] = round(rps / max(setup["baseline"]["rows_per_s"], 1), 5)
        p99 = result["latency_ms"]["p99"]
        result["targets"] = {
            "rps_at_least_300": rps >= 300,
            "p99_below_200ms": p99 < 200,
        }
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if args.profile_seconds > 0 and Path(spy).exists():
            # Two views of the same load: "wall" samples every busy server thread (waiting
            # in the database driver included); "cpu" samples only the thread holding the
            # GIL, i.e. where the Python CPU time that caps throughput goes.
            for view, flags in (("wall", ()), ("cpu", ("--gil",))):
                raw = data_dir / f"profile-{view}.raw"
                recorder = subprocess.Popen(
                    [
                        *(spy, "record", "--pid", str(server.pid), "--subprocesses"),
                        *("--rate", "100", *flags),
                        *("--duration", str(int(args.profile_seconds)), "--format", "raw"),
                        *("--nonblocking", "--output", str(raw)),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                load.run(args.clients, args.profile_seconds + 1, phase=f"profile_{view}")
                recorder.wait(timeout=60)
                if raw.exists():
                    result[f"profile_{view}"] = summarise_profile(raw)
        elif args.profile_seconds > 0:
            result["profile_wall"] = result["profile_cpu"] = "py-spy not installed"
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if load is not None:
            with contextlib.suppress(SystemExit):
                counted = json.loads(run_phase(args, "count", env).strip().splitlines()[-1])
                result["check"] = {
                    **counted,
                    "responses_201": load.created_total,
                    "every_201_created_one_appeal": counted["open311_appeals"]
                    == load.created_total,
                }
        outside: list[dict[str, Any]] = []
        if load is not None and window is not None:
            # Refusals outside the measured window (warm-up, profiled phases) are not in
            # ``errors`` but still need explaining: each with its phase and body.
            for phase, at, status, text in load.every_refusal:
                if phase == "measured" and window[0] <= at < window[1]:
                    continue
                if phase == "measured":
                    phase = "warmup" if at < window[0] else "after_window"
                outside.append({"phase": phase, "status": status, "body": text})
            result["refusals_outside_window"] = {
                "count": len(outside),
                "first": outside[:20],
            }
        log = data_dir / "server.log"
        if log.exists() and (args.server_log or result.get("errors") or outside):
            target = Path(args.server_log or f"appeals_intake-server-{os.getpid()}.log")
            shutil.copyfile(log, target)
            result["server_log"] = str(target.resolve())
            if result.get("errors") or outside:
                result["server_log_tail"] = log.read_text("utf-8", "replace").splitlines()[-40:]
        if pg_name:
            subprocess.run(["dropdb", *pg_cli, "--force", "--if-exists", pg_name], check=False)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            result["data_dir"] = str(data_dir)
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
