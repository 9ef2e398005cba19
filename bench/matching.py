"""Benchmark: suggesting people for one service order among 1,000,000 volunteers and
300,000 party members reported to their communities (issue 19; docs/service-orders.md).

Prints one JSON object (progress on stderr). In a fresh SHEGONG_DATA_DIR (SQLite) or, with
``--postgres``, a scratch PostgreSQL database dropped at the end:

1. a region tree of ``--communities`` communities (10 per street, 20 streets per district)
   through ``regions.services.import_regions``;
2. one volunteer through ``volunteers.services.register_volunteer`` and one party member
   and one 双报到 through the members/serving services — then **bulk-inserted copies** of
   their raw rows (``executemany``, 10,000 per transaction): ``--volunteers`` volunteers
   spread over the communities (each with one of 10 skills, a few with no-shows, every
   50th a minor with consent), ``--members`` members and as many 双报到 of the first
   volunteers to their home communities. The copies bypass the services (encryption of a
   million names would dominate the run); they share the template's ciphertexts and get
   unique blind indexes, numbers and ids;
3. ``ANALYZE``.

Then, for ``--samples`` service orders created through ``serving.services.create_need`` in
random communities (half needing a skill, a third flagged vulnerable), it times
``serving.services.rank(order)`` — the whole suggestion: reported members, the rings, the
skills, open claims, exclusions, scoring — target p95 < 100 ms; and, as the **baseline**
in the same run, the direct indexed query the first ring amounts to (volunteers of one
community subtree, active, ``LIMIT 150``, raw SQL).

    .venv/bin/python bench/matching.py                       # SQLite, 1,000,000 / 300,000
    .venv/bin/python bench/matching.py --postgres
    .venv/bin/python bench/matching.py --volunteers 100000 --members 30000   # quick
    .venv/bin/python bench/matching.py --data-dir /tmp/match   # SQLite kept; a second run
                                                               # reuses it (migrate, measure)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shegong.accounts.models import User

ROOT = Path(__file__).resolve().parent.parent
SKILLS = (
    "医疗护理",
    "法律咨询",
    "心理疏导",
    "家电维修",
    "水电维修",
    "助老陪护",
    "课业辅导",
    "理发",
    "保洁",
    "代购",
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "runs": len(samples),
        "p50_ms": round(percentile(samples, 0.5), 3),
        "p95_ms": round(percentile(samples, 0.95), 3),
        "max_ms": round(max(samples), 3),
    }


def region_rows(communities: int) -> list[tuple[int, dict[str, str]]]:
    rows = [{"区划代码": "339900", "名称": "示范市", "层级": "市", "上级区划代码": ""}]
    per_street, streets_per_district = 10, 20
    made, d = 0, 0
    while made < communities:
        d += 1
        dcode = f"3399{d:02d}"
        rows.append(
            {"区划代码": dcode, "名称": f"第{d}区", "层级": "区县", "上级区划代码": "339900"}
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


def copy_rows(
    table: str,
    template_id: int,
    count: int,
    change: Callable[[int], dict[str, object]],
    *,
    first_id: int,
) -> None:
    """Insert ``count`` copies of one raw row, ``change(i)`` giving the differing columns."""
    from django.db import connection, transaction

    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {table} WHERE id = %s", [template_id])  # noqa: S608
        names = [c[0] for c in cur.description]
        template = dict(zip(names, cur.fetchone(), strict=True))
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
    for start in range(0, count, 10_000):
        batch = []
        for i in range(start, min(count, start + 10_000)):
            row = dict(template)
            row["id"] = first_id + i
            row.update(change(i))
            batch.append([row[n] for n in names])
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, batch)
        if start % 200_000 == 0:
            log(f"{table}: {start + len(batch):,}/{count:,}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=300_000)
    parser.add_argument("--communities", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument(
        "--data-dir",
        default="",
        help="SQLite only: keep the database there; if it already holds the data, reuse it",
    )
    args = parser.parse_args()
    if args.data_dir and args.postgres:
        parser.error("--data-dir is for SQLite only")
    keep = bool(args.data_dir)
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="shegong-bench-match-")
    os.makedirs(data_dir, exist_ok=True)
    os.environ["SHEGONG_DATA_DIR"] = data_dir
    os.environ["SHEGONG_TASKS"] = "immediate"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    scratch_db = ""
    base = os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test")
    if args.postgres:
        import psycopg

        scratch_db = f"bench_match_{os.getpid()}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{scratch_db}"')
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + f"/{scratch_db}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{data_dir}/bench.sqlite3"
    sys.path.insert(0, str(ROOT))
    try:
        result = run(args)
    finally:
        if scratch_db:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch_db}"')
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))


def build(args: argparse.Namespace, root: User) -> tuple[list[int], float, float]:
    """The data set: regions, volunteers, members, 双报到 (see the module docstring)."""
    from django.db import connection
    from django.utils import timezone

    from shegong.lib.validators import id_check_digit
    from shegong.members.models import Member
    from shegong.organizations.services import orgs
    from shegong.regions import services as region_services
    from shegong.regions.models import Region
    from shegong.serving import services
    from shegong.volunteers import services as vol
    from shegong.volunteers.models import Skill, Volunteer

    report = region_services.import_regions(
        actor=root, rows=region_rows(args.communities), commit=True
    )
    assert report.ok, report.errors[:3]
    communities = list(Region.objects.filter(level=4).order_by("pk").values_list("pk", flat=True))
    t0 = time.monotonic()
    body = "33990119800101001"
    template = vol.register_volunteer(
        actor=root,
        name="模板志愿者",
        id_number=body + id_check_digit(body),
        phone="13900000000",
        region_id=communities[0],
        skills=SKILLS[:1],
    )
    for name in SKILLS:
        Skill.objects.get_or_create(name=name)
    skill_ids = list(Skill.objects.filter(name__in=SKILLS).values_list("pk", flat=True))
    today = timezone.localdate()
    start_id = template.pk + 1
    n_comm = len(communities)

    def volunteer(i: int) -> dict[str, object]:
        minor = i % 50 == 0
        return {
            "number": f"B{i:011d}",
            "id_number_bidx": f"bench-id-{i}",
            "phone_bidx": f"bench-phone-{i}",
            "region_id": communities[i % n_comm],
            "birth_date": date(today.year - 16, 1, 1) if minor else date(1960 + i % 40, 1, 1),
            "guardian_consent_at": timezone.now() if minor else None,
            "no_shows": 3 if i % 37 == 0 else 0,
        }

    copy_rows("volunteers_volunteer", template.pk, args.volunteers, volunteer, first_id=start_id)
    through = Volunteer.skills.through
    sql = f"INSERT INTO {through._meta.db_table} (volunteer_id, skill_id) VALUES (%s, %s)"  # noqa: S608
    from django.db import transaction

    for s in range(0, args.volunteers, 20_000):
        rows = [
            (start_id + i, skill_ids[i % len(skill_ids)])
            for i in range(s, min(args.volunteers, s + 20_000))
        ]
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, rows)
    volunteer_seconds = time.monotonic() - t0
    log(f"volunteers in {volunteer_seconds:.0f}s")

    t0 = time.monotonic()
    org = orgs.create_organization(
        actor=root,
        code="B-0001",
        name="模板党支部",
        kind="branch",
        region_id=communities[0],
        formal_members=3,
    )
    member = Member.objects.create(
        organization=org,
        name="模板党员",
        gender="M",
        id_number="339901198001010028",
        phone="13900000001",
        stage="full",
        joined_branch_on=date(2020, 1, 1),
    )
    copy_rows(
        "members_member",
        member.pk,
        args.members,
        lambda i: {"id_number_bidx": f"bench-mid-{i}", "phone_bidx": f"bench-mphone-{i}"},
        first_id=member.pk + 1,
    )
    report_row = services.report_member(
        actor=root, volunteer_id=template.pk, community_id=communities[0], member_id=member.pk
    )
    copy_rows(
        "serving_dualreport",
        report_row.pk,
        args.members,
        lambda i: {
            "volunteer_id": start_id + i,
            "member_id": member.pk + 1 + i,
            "community_id": communities[i % n_comm],
        },
        first_id=report_row.pk + 1,
    )
    member_seconds = time.monotonic() - t0
    log(f"members and reports in {member_seconds:.0f}s; analyze")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return communities, volunteer_seconds, member_seconds


def run(args: argparse.Namespace) -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from shegong.accounts.models import User
    from shegong.members.models import Member
    from shegong.regions.models import Region
    from shegong.serving import services
    from shegong.serving.models import DualReport
    from shegong.volunteers.models import Volunteer

    rng = random.Random(args.seed)
    log(f"migrate ({connection.vendor})")
    call_command("migrate", verbosity=0)
    reused = User.objects.filter(username="bench").exists() and DualReport.objects.exists()
    if reused:
        log("reusing the data already built in --data-dir")
        root = User.objects.get(username="bench")
        communities = list(
            Region.objects.filter(level=4).order_by("pk").values_list("pk", flat=True)
        )
        volunteer_seconds = member_seconds = 0.0
    else:
        root = User.objects.create_superuser("bench", password=None)
        communities, volunteer_seconds, member_seconds = build(args, root)
    n_comm = len(communities)

    now = timezone.now()
    orders = []
    for n in range(args.samples):
        start = now + timedelta(days=1 + n % 5, hours=n % 8)
        orders.append(
            services.create_need(
                actor=root,
                data=services.NeedData(
                    title=f"测试服务{n}",
                    community_id=rng.choice(communities),
                    address="党群服务中心",
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    skills=[rng.choice(SKILLS)] if n % 2 else [],
                    elderly_alone=n % 3 == 0,
                ),
            )
        )
    for order in orders[:10]:  # warm the connection and caches
        services.rank(order)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for order in orders[:20]:
            services.rank(order)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    rank_ms, sizes = [], []
    for order in orders:
        t = time.perf_counter()
        result = services.rank(order)
        rank_ms.append((time.perf_counter() - t) * 1000)
        sizes.append(len(result.suggestions) + len(result.excluded))
    base_ms = []
    paths = dict(
        Region.objects.filter(pk__in=[o.community_id for o in orders]).values_list("pk", "path")
    )
    sql = (
        "SELECT v.id FROM volunteers_volunteer v JOIN regions_region r ON v.region_id = r.id "
        "WHERE r.path >= %s AND r.path < %s AND v.status = %s LIMIT 150"
    )
    with connection.cursor() as cur:
        for order in orders:
            path = paths[order.community_id]
            t = time.perf_counter()
            cur.execute(sql, [path, path + "~", "active"])
            cur.fetchall()
            base_ms.append((time.perf_counter() - t) * 1000)
    rank = summary(rank_ms)
    baseline = summary(base_ms)
    return {
        "bench": "matching",
        "database": connection.vendor,
        "at": datetime.now().isoformat(timespec="seconds"),
        "volunteers": Volunteer.objects.count(),
        "members": Member.objects.count(),
        "dual_reports": DualReport.objects.count(),
        "communities": n_comm,
        "load_seconds": {
            "volunteers": round(volunteer_seconds, 1),
            "members": round(member_seconds, 1),
        },
        "rank": rank,
        "candidates_per_order": summary([float(s) for s in sizes]),
        "baseline_first_ring_query": baseline,
        "ratio_p95": round(rank["p95_ms"] / baseline["p95_ms"], 1) if baseline["p95_ms"] else None,
        "target_p95_ms": 100,
        "met": rank["p95_ms"] < 100,
        "loadavg_before": os.getloadavg(),
    }


if __name__ == "__main__":
    main()
