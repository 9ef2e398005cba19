"""Benchmark: the monthly 三率 ranking of 2,000 units over 5,000,000 appeals.

Prints one JSON object. Target (issue 4): < 300 ms p95 server time; baseline in the same
run: the direct GROUP BY over the assessment facts of the month.

    .venv/bin/python bench/ranking.py                       # PostgreSQL, 5,000,000 appeals
    .venv/bin/python bench/ranking.py --appeals 200000 --sqlite

History rows are written with COPY (PostgreSQL) / executemany (SQLite) straight into the
appeals and facts tables — they exist only to make the tables city-sized; the per-unit
counters are then built with one INSERT … SELECT … GROUP BY, which is exactly what the
services maintain incrementally (the test suite proves the two agree on random data).
The measured ranking call is the production code path (`services.assessment.monthly_ranking`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "shegong_rank_bench"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def timed(fn, runs: int) -> dict[str, float]:
    fn()  # warm
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": pct(samples, 0.5),
        "p95_ms": pct(samples, 0.95),
        "mean_ms": round(statistics.mean(samples), 3),
    }


def setup_env(args: argparse.Namespace) -> str:
    data_dir = tempfile.mkdtemp(prefix="shegong-rank-")
    os.environ["SHEGONG_DATA_DIR"] = data_dir
    os.environ["SHEGONG_TASKS"] = "immediate"
    if args.sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{data_dir}/bench.sqlite3"
    else:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "root", "--if-exists", PG_DB], check=True
        )
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", PG_DB], check=True)
        os.environ["DATABASE_URL"] = f"postgres://root@127.0.0.1:5432/{PG_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return data_dir


def build(args: argparse.Namespace) -> dict[str, float]:
    from django.db import connection, transaction

    from shegong.appeals.models import Appeal, AppealPolicy, AssessmentFact, UnitMonthStat
    from shegong.regions.models import Region
    from shegong.units.models import Unit

    rng = random.Random(42)
    timings: dict[str, float] = {}
    start = time.monotonic()
    with transaction.atomic():
        city = Region.objects.create(
            code="339900", name="示范市", level=1, path="/339900/", depth=0, full_name="示范市"
        )
        districts = [
            Region.objects.create(
                code=f"3399{i:02d}",
                name=f"第{i}区",
                level=2,
                parent=city,
                path=f"/339900/3399{i:02d}/",
                depth=1,
                full_name=f"示范市第{i}区",
            )
            for i in range(1, 21)
        ]
        units = Unit.objects.bulk_create(
            Unit(
                code=f"B-{i:05d}",
                name=f"单位{i:04d}",
                kind="functional",
                region=districts[i % len(districts)],
                path="",
                depth=0,
            )
            for i in range(args.units)
        )
        if units[0].pk is None:
            units = list(Unit.objects.order_by("pk"))
        Unit.objects.bulk_update([_with_path(u) for u in units], ["path"], batch_size=2000)
    timings["setup_seconds"] = round(time.monotonic() - start, 1)
    policy = AppealPolicy.objects.filter(kind="hl_complaint").order_by("version").first()
    assert policy is not None
    appeal_fields = list(Appeal._meta.concrete_fields)
    appeal_cols = [f.column for f in appeal_fields]
    defaults = {
        "tracking_hash": "0" * 64,
        "kind": "hl_complaint",
        "stream": "hotline",
        "channel": "phone",
        "urgency": "normal",
        "title": "路灯不亮",
        "body": "基准测试数据",
        "address": "",
        "petitioner_id": None,
        "identity_confidential": False,
        "is_group": False,
        "headcount": 1,
        "proxied_by_id": None,
        "proxy_note": "",
        "registered_by_id": None,
        "status": "closed",
        "policy_id": policy.pk,
        "triage_due_at": None,
        "triage_provisional": False,
        "triage_breached_at": None,
        "decision_reason": "",
        "redirect_channel": "",
        "returns": 0,
        "round": 1,
        "revisit_due_at": None,
        "finality_at": None,
        "reply_text": "已办理",
        "merged_into_id": None,
        "split_from_id": None,
        "source_ref": "",
        "version": 1,
    }
    missing = (
        {f.column for f in appeal_fields}
        - set(defaults)
        - {
            "id",
            "number",
            "region_id",
            "registered_at",
            "accepted_at",
            "lead_unit_id",
            "replied_at",
            "closed_at",
            "updated_at",
        }
    )
    assert not missing, f"bench does not fill {missing}"
    fact_cols = [
        "appeal_id",
        "round",
        "unit_id",
        "region_path",
        "month",
        "replied_at",
        "due_at",
        "on_time",
        "revisited",
        "contacted",
        "resolved",
        "satisfaction",
        "exempt",
    ]
    unit_ids = [u.pk for u in units]
    # Unit sizes follow a skewed distribution, like real cities (a few departments get most).
    weights = [1 / (1 + i) ** 0.6 for i in range(len(unit_ids))]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    dropped = _drop_indexes(connection, [Appeal._meta.db_table, AssessmentFact._meta.db_table])
    start = time.monotonic()
    batch = 100_000
    written = 0
    next_id = 1
    while written < args.appeals:
        n = min(batch, args.appeals - written)
        appeal_lines = []
        fact_lines = []
        chosen = rng.choices(unit_ids, weights=weights, k=n)
        for i in range(n):
            pk = next_id + i
            district = districts[pk % len(districts)]
            registered = base + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
            replied = registered + timedelta(hours=rng.randrange(2, 400))
            due = registered + timedelta(days=7)
            values = dict(defaults)
            values.update(
                id=pk,
                number=f"RXB{pk:012d}",
                region_id=district.pk,
                registered_at=registered,
                accepted_at=registered,
                lead_unit_id=chosen[i],
                replied_at=replied,
                closed_at=replied,
                updated_at=replied,
            )
            appeal_lines.append("\t".join(_text(values[c]) for c in appeal_cols))
            revisited = rng.random() < 0.8
            sat = rng.choices(SAT, weights=SAT_W)[0] if revisited else ""
            month = (
                date(replied.year, replied.month, 1) if replied.year == 2026 else date(2026, 12, 1)
            )
            fact_lines.append(
                "\t".join(
                    (
                        str(pk),
                        "1",
                        str(chosen[i]),
                        district.path,
                        month.isoformat(),
                        replied.isoformat(),
                        due.isoformat(),
                        "t" if replied <= due else "f",
                        "t" if revisited else "f",
                        "t" if revisited and rng.random() < 0.9 else "f",
                        "t" if revisited and rng.random() < 0.75 else "f",
                        sat,
                        "f",
                    )
                )
            )
        _copy_lines(connection, Appeal._meta.db_table, appeal_cols, appeal_lines)
        _copy_lines(connection, AssessmentFact._meta.db_table, fact_cols, fact_lines)
        written += n
        next_id += n
    timings["history_load_seconds"] = round(time.monotonic() - start, 1)
    start = time.monotonic()
    with connection.cursor() as cursor:
        for statement in dropped:
            cursor.execute(statement)
    timings["index_rebuild_seconds"] = round(time.monotonic() - start, 1)
    start = time.monotonic()
    cols = "replied, on_time, revisited, contacted, resolved, satisfied, basic, dissatisfied"
    zeros = ", ".join("0" for _ in range(8))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {UnitMonthStat._meta.db_table} (unit_id, month, {cols}, "  # noqa: S608
            "ex_replied, ex_on_time, ex_revisited, ex_contacted, ex_resolved, ex_satisfied, "
            "ex_basic, ex_dissatisfied) "
            "SELECT unit_id, month, COUNT(*), "
            "SUM(CASE WHEN on_time THEN 1 ELSE 0 END), SUM(CASE WHEN revisited THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN revisited AND contacted THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN revisited AND resolved THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN satisfaction = 'satisfied' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN satisfaction = 'basic' THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN satisfaction = 'dissatisfied' THEN 1 ELSE 0 END), {zeros} "
            f"FROM {AssessmentFact._meta.db_table} GROUP BY unit_id, month"
        )
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{Appeal._meta.db_table}', 'id'), {next_id})"
            )
            cursor.execute("ANALYZE")
    timings["counters_build_seconds"] = round(time.monotonic() - start, 1)
    return timings


SAT = ["satisfied", "basic", "dissatisfied"]
SAT_W = [6, 3, 1]


def _drop_indexes(connection, tables: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Drop the plain (non-unique) indexes before the bulk load; returns CREATE statements."""
    if connection.vendor != "postgresql":
        return []
    statements = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
            [tables],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            statements.append(definition)
    return statements


def _copy_lines(connection, table: str, columns: list[str], lines: list[str]) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        rows = [[None if v == "\\N" else v for v in line.split("\t")] for line in lines]
        _copy(connection, table, columns, rows)
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(("\n".join(lines) + "\n").encode())
        cursor.execute("SET session_replication_role = DEFAULT")


def _with_path(unit):  # type: ignore[no-untyped-def]
    unit.path = f"/{unit.pk}/"
    return unit


def _text(value: object) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _copy(connection, table: str, columns: list[str], rows: list[list]) -> None:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Text COPY in one buffer; FK triggers off for the load (history only).
            cursor.execute("SET session_replication_role = replica")
            payload = "".join("\t".join(_text(v) for v in row) + "\n" for row in rows)
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(payload.encode())
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608


def measure(args: argparse.Namespace) -> dict[str, object]:
    from shegong.appeals.models import AssessmentFact, UnitMonthStat
    from shegong.appeals.services import assessment

    month = date(2026, 6, 1)
    cfg = assessment.config()

    def ranking() -> None:
        rows = assessment.monthly_ranking(month=month, cfg=cfg)
        assert len(rows) > 0

    def baseline() -> None:
        """The direct query: GROUP BY unit over the month's facts, same eight counters."""
        from django.db.models import Count, Q

        seen = Q(revisited=True)
        list(
            AssessmentFact.objects.filter(month=month)
            .values("unit_id")
            .annotate(
                n_replied=Count("pk"),
                n_on_time=Count("pk", filter=Q(on_time=True)),
                n_revisited=Count("pk", filter=seen),
                n_contacted=Count("pk", filter=seen & Q(contacted=True)),
                n_resolved=Count("pk", filter=seen & Q(resolved=True)),
                n_satisfied=Count("pk", filter=seen & Q(satisfaction="satisfied")),
                n_basic=Count("pk", filter=seen & Q(satisfaction="basic")),
                n_dissatisfied=Count("pk", filter=seen & Q(satisfaction="dissatisfied")),
            )
        )

    # Consistency on this data: counters == direct GROUP BY for a few units.
    sample = list(UnitMonthStat.objects.filter(month=month).order_by("?")[:20])
    for stat in sample:
        direct = assessment.figures_counts(
            AssessmentFact.objects.filter(unit_id=stat.unit_id, month=month)
        )
        assert direct == {k: getattr(stat, k) for k in assessment.COUNTERS}, stat.unit_id
    ranking_t = timed(ranking, args.runs)
    baseline_t = timed(baseline, max(5, args.runs // 5))
    return {
        "month_facts": AssessmentFact.objects.filter(month=month).count(),
        "ranked_units": len(assessment.monthly_ranking(month=month, cfg=cfg)),
        "ranking": ranking_t,
        "baseline_group_by": baseline_t,
        "speedup_p95": round(baseline_t["p95_ms"] / ranking_t["p95_ms"], 1)
        if ranking_t["p95_ms"]
        else None,
        "target_p95_ms": 300,
        "meets_target": ranking_t["p95_ms"] < 300,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appeals", type=int, default=5_000_000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    setup_env(args)
    from django.db import connection

    result: dict[str, object] = {
        "benchmark": "ranking",
        "appeals": args.appeals,
        "units": args.units,
    }
    result.update(build(args))
    result["database"] = connection.vendor
    result.update(measure(args))
    print(json.dumps(result, ensure_ascii=False))
    if not args.sqlite and not args.keep:
        connection.close()
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "root", "--if-exists", PG_DB], check=False
        )


if __name__ == "__main__":
    main()
