"""Benchmark: generate a demo city (``metro`` by default) and time scoped queries on it.

Prints one JSON object: wall time and peak RSS of ``shegong demo --size <size>`` (run in a
fresh data directory; SQLite by default, or PostgreSQL with ``--postgres``, in a scratch
database it creates and drops), the phases of the run as the command logged them (seconds
since start), the database size on disk, row counts, and p50/p95 of ``visible_to(user)``
on the region tree and the appeals for a street user and a city user, against a bare
``path LIKE 'prefix%'`` query over the same rows as the baseline.

    .venv/bin/python bench/demo_metro.py                         # metro: 1,000,000 appeals
    .venv/bin/python bench/demo_metro.py --appeals 100000        # metro city, fewer appeals
    .venv/bin/python bench/demo_metro.py --size city --postgres  # the city demo on PostgreSQL
    .venv/bin/python bench/demo_metro.py --keep /tmp/metro       # keep the data directory

Texts: ``SHEGONG_DEMO_TEXTS`` (default ``../shared/data/appeals``) as for ``shegong demo``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn, runs: int = 50) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(percentile(samples, 0.5), 3),
        "p95_ms": round(percentile(samples, 0.95), 3),
    }


def run_demo(args: argparse.Namespace, env: dict[str, str]) -> tuple[float, list[list]]:
    """Run the command, echo its log to stderr, keep (seconds, line) of each phase."""
    command = [sys.executable, "-m", "shegong.cli", "demo", "--size", args.size]
    if args.appeals is not None:
        command += ["--appeals", str(args.appeals)]
    started = time.monotonic()
    phases: list[list] = []
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert process.stdout is not None

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip()
            print(line, file=sys.stderr)
            if line and not line.startswith(" " * 4):
                phases.append([round(time.monotonic() - started, 1), line.strip()])

    reader = threading.Thread(target=read)
    reader.start()
    process.wait()
    reader.join()
    if process.returncode:
        raise SystemExit(f"shegong demo failed ({process.returncode})")
    return time.monotonic() - started, phases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="metro")
    parser.add_argument("--appeals", type=int, default=None, help="override the size's count")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-url", default="postgres://root@127.0.0.1:5432")
    parser.add_argument("--keep", default="")
    args = parser.parse_args()
    data_dir = args.keep or tempfile.mkdtemp(prefix="shegong-bench-")
    env = {**os.environ, "SHEGONG_DATA_DIR": data_dir}
    database = ""
    if args.postgres:
        database = f"shegong_bench_{os.getpid()}"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", database], check=True)
        env["DATABASE_URL"] = f"{args.pg_url}/{database}"
    try:
        result = measure(args, env, data_dir)
    finally:
        if database:
            from django.db import connections

            connections.close_all()
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "root", database], check=False)
    print(json.dumps(result, ensure_ascii=False))


def measure(args: argparse.Namespace, env: dict[str, str], data_dir: str) -> dict:
    loadavg_before = os.getloadavg()
    generate_seconds, phases = run_demo(args, env)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from shegong.accounts.models import User
    from shegong.appeals.models import Appeal, AppealEvent, WorkOrder
    from shegong.core.models import AuditEvent
    from shegong.regions.models import Region
    from shegong.units.models import Unit

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            db_bytes = cursor.fetchone()[0]
    else:
        db_bytes = sum(p.stat().st_size for p in Path(data_dir).glob("shegong.sqlite3*"))
    street_user = User.objects.get(username="street")
    city_user = User.objects.get(username="dept_admin")
    prefix = street_user.region.path
    return {
        "benchmark": "demo_metro",
        "size": args.size,
        "appeals_requested": args.appeals,
        "database": connection.vendor,
        "loadavg_before": [round(x, 2) for x in loadavg_before],
        "generate_seconds": round(generate_seconds, 1),
        "generate_peak_rss_mb": round(peak_rss_mb, 1),
        "phases": phases,
        "database_mb": round(db_bytes / 2**20, 1),
        "regions": Region.objects.count(),
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "appeals": Appeal.objects.count(),
        "work_orders": WorkOrder.objects.count(),
        "appeal_events": AppealEvent.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "street_scope_count": {
            **timed(lambda: Region.objects.visible_to(street_user).count()),
            "rows": Region.objects.visible_to(street_user).count(),
        },
        "street_scope_count_baseline_like": timed(
            lambda: Region.objects.filter(path__startswith=prefix).count()
        ),
        "street_scope_first_page": timed(
            lambda: list(Region.objects.visible_to(street_user).order_by("code")[:50])
        ),
        "city_scope_first_page": timed(
            lambda: list(Region.objects.visible_to(city_user).order_by("code")[:50])
        ),
        "street_appeals_first_page": timed(
            lambda: list(Appeal.objects.visible_to(street_user).order_by("-registered_at")[:50]),
            runs=20,
        ),
    }


if __name__ == "__main__":
    main()
