"""Benchmark: the leaders' cockpit page and every panel's API at scale (issue 17).

Prints one JSON object. Target (issue 17): the cockpit page and every panel API < 300 ms p95
server time on SQLite and PostgreSQL with ≥ 5,000,000 appeals over 3 years; the baseline in
the same run is the direct query of the same appeal figures over the raw rows (what the
panel would cost without its daily rollup): ``ratio_p95`` = baseline p95 / page p95.

    .venv/bin/python bench/cockpit.py --appeals 200000                 # SQLite
    .venv/bin/python bench/cockpit.py --appeals 1000000 --postgres

In a fresh ``SHEGONG_DATA_DIR`` (SQLite) or a scratch PostgreSQL database (dropped after): the
demo city of ``--size`` (its regions, units, accounts, 两新 entities and volunteers through the
demo generator, its own appeals turned off; or, with ``--existing-city``, the city already in
``--data-dir``'s ``bench.sqlite3`` — a copy of a whole metro demo), then ``--appeals`` history
appeals bulk-loaded over three years exactly as ``appeals_intake.py --history`` does
(``preload_history``), given 一级 categories by one UPDATE (the history rows have none), then
``shegong appeals_rollup --rebuild`` (timed). Measured, ``--runs`` times after a warm-up, in
process through Django's test client (server time: request in to response out): ``GET
/cockpit/`` (the page, which loads each panel by its own request), ``GET /cockpit/?full=1``
(every panel counted in one request: what a browser without JavaScript waits for), ``GET
/cockpit/panel/{key}/`` and ``GET /api/cockpit/panels/{key}`` for every panel, as the city
leader and as a district leader, for the last 30 days and for a whole year; the baseline runs
the appeals panel's period figures (KPIs, by day with last year's days, by category, by region)
as ``GROUP BY``s over ``Appeal.objects.visible_to(user)`` in the same process, same filters.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shegong.accounts.models import User

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
PG_DB = "shegong_cockpit_bench"
CATEGORIES = [
    "城乡建设",
    "环境保护",
    "交通运输",
    "劳动和社会保障",
    "卫生计生",
    "市场监管",
    "公共安全",
]


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(fn: object, runs: int, budget_s: float = 0) -> dict[str, float]:
    """p50/p95/max of ``runs`` runs after a warm-up; with ``budget_s``, a warm-up slower
    than that is reported alone (``runs`` 1: the direct query over a year of millions of
    appeals takes minutes on SQLite)."""
    assert callable(fn)
    started = time.perf_counter()
    fn()  # warm-up
    first = (time.perf_counter() - started) * 1000
    if budget_s and first > budget_s * 1000:
        return {
            "p50_ms": round(first, 1),
            "p95_ms": round(first, 1),
            "max_ms": round(first, 1),
            "runs": 1,
        }
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(p95(samples), 1),
        "max_ms": round(max(samples), 1),
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, Sum
    from django.test import Client
    from django.utils import timezone

    from shegong.appeals import cockpit as appeals_cockpit
    from shegong.appeals.cockpit import direct, same_day_last_year
    from shegong.appeals.models import Appeal, AppealDayStat
    from shegong.cockpit.query import build_query, read_filters
    from shegong.core.panels import CockpitQuery, all_panels
    from shegong.regions.models import Region

    settings.ALLOWED_HOSTS = ["*"]
    # force_login cannot do the login steps (second factor): trust it, as the test settings do.
    settings.SHEGONG_TRUST_FORCED_LOGIN = True
    out: dict[str, object] = {"backend": connection.vendor, "appeals_target": args.appeals}
    call_command("migrate", interactive=False, verbosity=0)
    reused = (args.data_dir or args.keep_db) and Appeal.objects.count() >= args.appeals
    if reused:
        log("re-using the data in", args.data_dir or args.keep_db)
        out["reused"] = True
    else:
        _build(args, out)
    started = time.monotonic()
    rollup_args = ["--rebuild"] if args.rollup == "rebuild" or not reused else []
    call_command("appeals_rollup", *rollup_args, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if connection.vendor == "postgresql":  # what autovacuum does after the rewrite
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE appeals_appealdaystat")
            cursor.execute("VACUUM ANALYZE appeals_appealmonthstat")
    out["rollup_" + ("rebuild" if rollup_args else "sync") + "_seconds"] = round(
        time.monotonic() - started, 1
    )
    log("rollup", out)
    out["appeals"] = Appeal.objects.count()
    out["rollup_rows"] = AppealDayStat.objects.count()
    out["regions"] = Region.objects.count()

    city = Region.objects.get(parent__isnull=True)
    district = Region.objects.filter(parent=city).order_by("code").first()
    assert district is not None
    people = {}
    for name, region in (("bench_city_leader", city), ("bench_district_leader", district)):
        people[name] = bench_leader(name, region.pk)
    newest = timezone.localdate(Appeal.objects.order_by("-registered_at").first().registered_at)
    periods = {
        "30_days": {"start": (newest - timedelta(days=29)).isoformat(), "end": newest.isoformat()},
        "year": {"start": (newest - timedelta(days=364)).isoformat(), "end": newest.isoformat()},
    }
    results: dict[str, object] = {}
    for who, user in people.items():
        client = Client()
        client.force_login(user)
        for period_name, params in periods.items():
            key = f"{who}/{period_name}"
            row: dict[str, object] = {"loadavg_before": [round(x, 2) for x in os.getloadavg()]}
            row["page"] = timed(lambda p=params, c=client: _ok(c.get("/cockpit/", p)), args.runs)
            full = {**params, "full": "1"}
            row["page_all_panels_in_one_request"] = timed(
                lambda p=full, c=client: _ok(c.get("/cockpit/", p)), args.runs
            )
            for provider in all_panels():
                path = f"/api/cockpit/panels/{provider.key}"
                row[f"api_{provider.key}"] = timed(
                    lambda p=params, c=client, u=path: _ok(c.get(u, p)), args.runs
                )
                fragment = f"/cockpit/panel/{provider.key}/"
                row[f"panel_{provider.key}"] = timed(
                    lambda p=params, c=client, u=fragment: _ok(c.get(u, p)), args.runs
                )
            query = build_query(user, read_filters(user, params))

            def baseline(query: CockpitQuery = query) -> None:
                """The appeals panel's period figures straight from the raw rows."""
                lo, hi = appeals_cockpit.rollup.day_bounds(query.start, query.end)
                llo, lhi = appeals_cockpit.rollup.day_bounds(
                    same_day_last_year(query.start), same_day_last_year(query.end)
                )
                rows = direct(query).filter(registered_at__gte=lo, registered_at__lt=hi)
                list(appeals_cockpit.rollup.aggregate(rows))  # by day × region × category
                rows.aggregate(n=Count("pk"), g=Sum("headcount"))
                last = direct(query).filter(registered_at__gte=llo, registered_at__lt=lhi)
                list(appeals_cockpit.rollup.aggregate(last))

            if period_name in args.baseline_periods.split(","):
                row["baseline_direct_query"] = timed(
                    baseline, args.baseline_runs or args.runs, args.baseline_budget
                )
                page = row["page"]
                base = row["baseline_direct_query"]
                assert isinstance(page, dict)
                assert isinstance(base, dict)
                row["ratio_p95"] = round(base["p95_ms"] / max(page["p95_ms"], 0.1), 2)
            row["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
            results[key] = row
            log(key, json.dumps(row, ensure_ascii=False))
    out["results"] = results
    return out


def bench_leader(name: str, region_id: int) -> User:
    """The benchmark's leader account ``name`` of ``region_id`` (made once, re-used)."""
    from shegong.accounts import services as accounts
    from shegong.accounts.models import User
    from shegong.core.roles import Role

    root = User.objects.filter(is_superuser=True).first()
    return User.objects.filter(username=name).first() or accounts.create_user(
        actor=root,
        username=name,
        full_name=name,
        role=Role.LEADER,
        password="Bench@Pass2026",  # noqa: S106 — throwaway benchmark account
        region_id=region_id,
        must_change_password=False,
    )


def _build(args: argparse.Namespace, out: dict[str, object]) -> None:
    """The demo city without its appeals, then the bulk-loaded, categorised history and one
    closed lead work order per closed history appeal (what 三率 and the clocks count)."""
    from appeals_intake import add_closed_work_orders, preload_history
    from django.db import connection

    from shegong.demo import appeals as demo_appeals
    from shegong.demo.generator import generate
    from shegong.regions.models import Region

    started = time.monotonic()
    if args.existing_city:
        if not Region.objects.filter(parent__isnull=True).exists():
            raise SystemExit("--existing-city：数据库中没有演示城市")
        log("loading the history into the existing city")
    else:
        demo_appeals.APPEAL_COUNTS[args.size] = 0
        generate(args.size, log=lambda _m: None)
    out["city_seconds"] = round(time.monotonic() - started, 1)
    rng = random.Random(args.seed)
    # 一级 categories by id (CATEGORIES[id % 7]) written with the rows (was one UPDATE of
    # every row after the load: a second pass over millions of rows).
    out["history"] = preload_history(
        args.appeals, rng, log, args.workers, categories=tuple(CATEGORIES)
    )
    log("history", out["history"])
    started = time.monotonic()
    out["work_orders"] = add_closed_work_orders()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    out["work_orders_seconds"] = round(time.monotonic() - started, 1)
    log("work orders", out["work_orders"], out["work_orders_seconds"], "s")


def _ok(response: object) -> None:
    status = getattr(response, "status_code", 0)
    if status != 200:
        raise SystemExit(f"unexpected status {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=200_000)
    parser.add_argument("--size", default="small", help="demo city (regions, units, accounts)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--baseline-runs",
        type=int,
        default=0,
        help="runs of the direct-query baseline (default --runs; at millions of appeals one "
        "run over a year takes tens of seconds)",
    )
    parser.add_argument(
        "--baseline-budget",
        type=float,
        default=0,
        help="seconds: a baseline whose first (warm-up) run takes longer is reported as that "
        "one run",
    )
    parser.add_argument(
        "--baseline-periods",
        default="30_days,year",
        help="the periods the baseline runs for (comma-separated: 30_days, year)",
    )
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--workers", type=int, default=2, help="PostgreSQL load processes")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-url", default="postgres://root@127.0.0.1:5432/")
    parser.add_argument(
        "--data-dir",
        help="SQLite: keep the data in this directory and re-use it when it already holds "
        "--appeals appeals; with --keep-db: the directory of that database's keys (a kept "
        "PostgreSQL database is unreadable without the keys it was built with)",
    )
    parser.add_argument(
        "--keep-db",
        metavar="NAME",
        help="PostgreSQL: build into database NAME and keep it; a later run with the same "
        "NAME re-uses it when it already holds --appeals appeals",
    )
    parser.add_argument(
        "--rollup",
        choices=["rebuild", "sync"],
        default="rebuild",
        help="re-used data: rebuild the rollup (timed) or only sync it (a new build always "
        "rebuilds)",
    )
    parser.add_argument(
        "--existing-city",
        action="store_true",
        help="SQLite with --data-dir: its bench.sqlite3 already holds a demo city (e.g. a copy "
        "of a metro demo's database, with its keys.json and secret_key): load the --appeals "
        "history appeals into it instead of generating --size",
    )
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print(json.dumps(run(args), ensure_ascii=False))
        return
    if args.data_dir and args.postgres and not args.keep_db:
        raise SystemExit("--data-dir 只用于 SQLite，或与 --keep-db 同用（保存该库的密钥）")
    if args.keep_db and not args.postgres:
        raise SystemExit("--keep-db 只用于 PostgreSQL")
    with contextlib.ExitStack() as stack:
        if args.data_dir:
            Path(args.data_dir).mkdir(parents=True, exist_ok=True)
            data_dir = str(Path(args.data_dir).resolve())
        else:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="cockpit-bench-"))
        env = {**os.environ, "SHEGONG_DATA_DIR": data_dir, "SHEGONG_TASKS": "immediate"}
        env["DATABASE_URL"] = f"sqlite:///{data_dir}/bench.sqlite3"
        pg = ["-h", "127.0.0.1", "-U", "root"]
        db = args.keep_db or PG_DB
        if args.postgres and args.keep_db:
            names = subprocess.run(
                ["psql", *pg, "-d", "postgres", "-tAc", "SELECT datname FROM pg_database"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            if db not in names:
                subprocess.run(["createdb", *pg, db], check=True)
        elif args.postgres:
            subprocess.run(["dropdb", "--if-exists", *pg, db])
            subprocess.run(["createdb", *pg, db], check=True)
        if args.postgres:
            env["DATABASE_URL"] = args.pg_url.rstrip("/") + "/" + db
        command = [sys.executable, __file__, "--inner", *sys.argv[1:]]
        try:
            # the inner run's log goes straight through (a build takes an hour: watch it)
            result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)
        finally:
            if args.postgres and not args.keep_db:
                subprocess.run(["dropdb", "--if-exists", *pg, db])
        if result.returncode:
            raise SystemExit(result.returncode)
        print(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
