"""Benchmark: the volunteer hours ledger at scale — totals, star levels, certificates.

Prints one JSON object (progress on stderr). In a fresh SHEGONG_DATA_DIR (SQLite) or, with
``--postgres``, a scratch PostgreSQL database dropped at the end:

1. a demo region tree (``regions.services.import_regions``) with ``--communities``
   communities;
2. volunteers through ``volunteers.services.import_volunteers`` (the XLSX import path:
   every row validated — ID check digit, phone, age, duplicates — then the batched
   ``bulk_create`` with SM4 encryption and blind indexes), in files of ``--file-rows``;
3. ledger entries through ``volunteers.services.import_hours`` (the XLSX hours import:
   rows validated, then ``append_entries`` in batches — SM3 hash per entry, per-volunteer
   chain, row lock on the volunteers, maintained totals and star levels), about
   ``--entries / --volunteers`` entries per volunteer (uniform 0..2×avg).

Generation runs in rounds (volunteers, then their entries) until the target size or the
``--time-box`` (seconds) is reached; the measured size is reported as ``measured`` next to
the ``target``. Then it measures, on random volunteers:

* ``total_and_star``: one volunteer's total and star level (``Volunteer.objects.only(...)
  .get(pk=…)``, the maintained row) — target < 5 ms; ``total_and_star_api``: the same
  through ``GET /api/volunteers/{id}`` (session auth, scoping, schema);
* ``ledger_sum_baseline``: the same total computed as ``SUM(hours)`` over the ledger —
  what the maintained total saves — and a check that both agree;
* ``certificate_issue``: ``issue_certificate`` (re-walks the volunteer's hash chain,
  lists the records, signs, writes the row and its audit event) and ``certificate_pdf``
  (A4 PDF with QR code) and ``certificate_verify`` (the public page's check) — target
  < 200 ms for issue + PDF.

    .venv/bin/python bench/volunteer_ledger.py                      # metro target, SQLite
    .venv/bin/python bench/volunteer_ledger.py --time-box 1800
    .venv/bin/python bench/volunteer_ledger.py --postgres --volunteers 100000 --entries 2000000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn: Any, args: list[Any]) -> dict[str, float]:
    samples = []
    for arg in args:
        start = time.perf_counter()
        fn(arg)
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "runs": len(samples),
        "p50_ms": round(percentile(samples, 0.5), 3),
        "p95_ms": round(percentile(samples, 0.95), 3),
        "max_ms": round(max(samples), 3),
    }


def region_rows(communities: int) -> list[tuple[int, dict[str, str]]]:
    rows = [{"区划代码": "339900", "名称": "示范市", "层级": "市", "上级区划代码": ""}]
    streets_per_district, per_street = 10, 10
    n_streets = max(1, -(-communities // per_street))
    n_districts = max(1, -(-n_streets // streets_per_district))
    made = 0
    for d in range(n_districts):
        dcode = f"3399{d + 1:02d}"
        rows.append(
            {"区划代码": dcode, "名称": f"第{d + 1}区", "层级": "区县", "上级区划代码": "339900"}
        )
        for s in range(streets_per_district):
            if made >= communities:
                break
            scode = f"{dcode}{s + 1:03d}"
            rows.append(
                {"区划代码": scode, "名称": f"第{s + 1}街道", "层级": "街道", "上级区划代码": dcode}
            )
            for c in range(per_street):
                if made >= communities:
                    break
                rows.append(
                    {
                        "区划代码": f"{scode}{c + 1:03d}",
                        "名称": f"第{c + 1}社区",
                        "层级": "社区",
                        "上级区划代码": scode,
                    }
                )
                made += 1
    return [(i + 2, r) for i, r in enumerate(rows)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=20_000_000)
    parser.add_argument("--communities", type=int, default=400)
    parser.add_argument("--round-volunteers", type=int, default=50_000)
    parser.add_argument("--file-rows", type=int, default=20_000)
    parser.add_argument("--time-box", type=float, default=0, help="seconds; 0 = no limit")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="shegong-bench-vol-")
    os.environ["SHEGONG_DATA_DIR"] = data_dir
    os.environ["SHEGONG_TASKS"] = "immediate"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    scratch_db = ""
    if args.postgres:
        import psycopg

        base = os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
        scratch_db = f"bench_vol_{os.getpid()}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{scratch_db}"')
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + f"/{scratch_db}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{data_dir}/bench.sqlite3"
    sys.path.insert(0, str(ROOT))
    try:
        result = run(args, data_dir)
    finally:
        if scratch_db:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch_db}"')
        shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))


def run(args: Any, data_dir: str) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum
    from django.test import Client
    from django.utils import timezone

    from shegong.accounts.models import User
    from shegong.lib.validators import id_check_digit
    from shegong.regions import services as region_services
    from shegong.regions.models import Region
    from shegong.volunteers import services
    from shegong.volunteers.models import Certificate, HoursEntry, Volunteer
    from shegong.volunteers.services.transfer import HOURS_COLUMNS

    rng = random.Random(args.seed)
    log(f"migrate ({connection.vendor}) in {data_dir}")
    call_command("migrate", verbosity=0)
    root = User.objects.create_superuser("bench", password=None)
    report = region_services.import_regions(
        actor=root, rows=region_rows(args.communities), commit=True
    )
    assert report.ok, report.errors[:3]
    communities = list(Region.objects.filter(level=4).values_list("code", flat=True))
    today = timezone.localdate()
    avg = args.entries / args.volunteers
    started = time.monotonic()
    vol_seconds = entry_seconds = 0.0
    made_volunteers = made_entries = 0
    serial = 0
    timed_out = False
    while made_volunteers < args.volunteers:
        n = min(args.round_volunteers, args.volunteers - made_volunteers)
        # volunteers: XLSX-shaped rows through import_volunteers, one "file" at a time
        t0 = time.monotonic()
        for start in range(0, n, args.file_rows):
            rows = []
            for i in range(min(args.file_rows, n - start)):
                serial += 1
                code = communities[serial % len(communities)]
                birth = date(1950, 1, 1) + timedelta(days=serial % 20000)  # unique to 20M
                body = f"{code[:6]}{birth:%Y%m%d}{serial // 20000 % 1000:03d}"
                rows.append(
                    (
                        i + 2,
                        {
                            "姓名": "志愿者" + str(serial),
                            "身份证号": body + id_check_digit(body),
                            "手机号码": f"1{3 + serial // 10**9 % 7}{serial % 10**9:09d}",
                            "居住区域代码": code,
                        },
                    )
                )
            report = services.import_volunteers(actor=root, rows=rows, commit=True)
            if not report.committed:
                raise SystemExit(f"volunteer import failed: {report.errors[:3]}")
        vol_seconds += time.monotonic() - t0
        made_volunteers += n
        # their ledger entries: hours rows through import_hours, one "file" at a time
        t0 = time.monotonic()
        numbers = list(Volunteer.objects.order_by("-pk").values_list("number", "region__code")[:n])
        numbers.reverse()
        rows = []
        for number, code in numbers:
            for _ in range(rng.randint(0, int(2 * avg))):
                day = today - timedelta(days=rng.randint(1, 2000))
                rows.append(
                    dict(
                        zip(
                            HOURS_COLUMNS,
                            [
                                number,
                                day.isoformat(),
                                "社区志愿服务",
                                "",
                                str(rng.choice([1, 2, 2.5, 3, 4])),
                                code,
                                "社区志愿服务队",
                                "补录",
                                "",
                            ],
                            strict=True,
                        )
                    )
                )
                if len(rows) >= args.file_rows:
                    services.import_hours(
                        actor=root, rows=list(enumerate(rows, start=2)), commit=True
                    )
                    made_entries += len(rows)
                    rows = []
        if rows:
            services.import_hours(actor=root, rows=list(enumerate(rows, start=2)), commit=True)
            made_entries += len(rows)
        entry_seconds += time.monotonic() - t0
        elapsed = time.monotonic() - started
        log(
            f"{made_volunteers:,} volunteers ({made_volunteers / vol_seconds:,.0f}/s), "
            f"{made_entries:,} entries ({made_entries / max(entry_seconds, 1e-9):,.0f}/s), "
            f"{elapsed:,.0f}s"
        )
        if args.time_box and elapsed > args.time_box:
            timed_out = True
            break
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    log("measuring")
    max_pk = Volunteer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    min_pk = Volunteer.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    sample = [rng.randint(min_pk, max_pk) for _ in range(args.samples)]

    def total_and_star(pk: int) -> Any:
        return Volunteer.objects.only("total_hours", "star_level").get(pk=pk)

    def ledger_sum(pk: int) -> Any:
        return HoursEntry.objects.filter(volunteer_id=pk).aggregate(s=Sum("hours"))["s"]

    mismatches = sum(
        1 for pk in sample[:100] if (ledger_sum(pk) or 0) != total_and_star(pk).total_hours
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(root)

    def api(pk: int) -> None:
        response = client.get(f"/api/volunteers/{pk}")
        assert response.status_code == 200, response.status_code

    with_hours = [pk for pk in sample if total_and_star(pk).total_hours > 0][:50]
    certs: list[Any] = []

    def issue(pk: int) -> None:
        certs.append(services.issue_certificate(volunteer_id=pk, actor=root))

    issue_timing = timed(issue, with_hours)
    pdf_timing = timed(
        lambda c: services.certificate_pdf(c, verify_url="https://example.invalid/v/x/"), certs
    )
    verify_timing = timed(lambda c: services.verify_certificate(c.verify_code), certs)
    # The daily full check: every chain re-walked and compared with its audit anchor.
    started = time.perf_counter()
    ledger_report = services.verify_ledger(save=False)
    verify_ledger_seconds = time.perf_counter() - started
    per_cert_entries = [c.entry_count for c in Certificate.objects.all()]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    measured_entries = HoursEntry.objects.count()
    measured_volunteers = Volunteer.objects.count()
    result = {
        "benchmark": "volunteer_ledger",
        "database": connection.vendor,
        "target": {"volunteers": args.volunteers, "entries": args.entries},
        "measured": {"volunteers": measured_volunteers, "entries": measured_entries},
        "time_boxed": timed_out,
        "generation": {
            "volunteer_rows_per_s": round(made_volunteers / vol_seconds, 1),
            "entry_rows_per_s": round(made_entries / max(entry_seconds, 1e-9), 1),
            "volunteer_seconds": round(vol_seconds, 1),
            "entry_seconds": round(entry_seconds, 1),
            "extrapolated_full_hours": round(
                (
                    args.volunteers / (made_volunteers / vol_seconds)
                    + args.entries / (made_entries / max(entry_seconds, 1e-9))
                )
                / 3600,
                2,
            ),
        },
        "total_and_star": {**timed(total_and_star, sample), "target_ms": 5},
        "total_and_star_api": timed(api, sample[:100]),
        "ledger_sum_baseline": timed(ledger_sum, sample[:100]),
        "maintained_total_mismatches": mismatches,
        "certificate_issue": {**issue_timing, "target_ms": 200},
        "certificate_pdf": pdf_timing,
        "certificate_issue_plus_pdf_p95_ms": round(
            issue_timing["p95_ms"] + pdf_timing["p95_ms"], 3
        ),
        "certificate_verify": verify_timing,
        "verify_ledger_full": {
            "seconds": round(verify_ledger_seconds, 2),
            "ok": ledger_report.ok,
            "entries_per_s": round(ledger_report.entries / max(verify_ledger_seconds, 1e-9), 1),
        },
        "entries_per_certificate_avg": round(
            sum(per_cert_entries) / max(1, len(per_cert_entries)), 1
        ),
        "peak_rss_mb": round(rss, 1),
        "machine": {"cpus": os.cpu_count(), "loadavg_before_measure": os.getloadavg()},
    }
    return result


if __name__ == "__main__":
    main()
