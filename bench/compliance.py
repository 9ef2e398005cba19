"""Benchmark: the compliance table (组织生活合规总览) of the city and of a street, metro size.

Prints one JSON object. Target (issue 15): < 300 ms p95 server time at ≥ 20,000 branches on
SQLite and PostgreSQL, with the direct computation over the raw meetings as the baseline in
the same run (``ratio_p95`` = page p95 / baseline p95).

    .venv/bin/python bench/compliance.py                         # both backends
    .venv/bin/python bench/compliance.py --backend sqlite --branches 20000 --members 600000

**The bench data is not the demo**: regions go in through ``import_regions``, the street
committees through ``create_organization`` and the accounts through ``create_user``, but the
20,000 branches, 600,000 members (30 per branch: every branch has a 支委会 and 党小组) and
three years of meetings (``--years``, default 3: the calendar years to TODAY, ~2.5 million
rows; ~0.8 million a year) are bulk-inserted (``executemany`` on SQLite,
``COPY`` on PostgreSQL) into a scratch database, with one encrypted name / ID number shared by
every member (the table reads no personal data). The engine then judges the last complete and
the current quarter (``run_compliance(check_members=False)``: no attendance or dues rows are
loaded, so the members' 6-month checks would flag everyone) and ten earlier quarters are copies
of the last complete one, so ``BranchQuarter`` holds 12 quarters × 20,000 rows. Measured,
``--runs`` times after a warm-up, through Django's test client: the city (the department
administrator: ``GET /compliance/table/`` by district, street and sector, the API by district)
and a street (its staff: the page and the API listing the street's 100 branches); the
baselines: the same tables computed directly from ``Meeting`` rows (``GROUP BY`` branch × kind
× month over the year to the quarter's end and members per branch, then the periods in Python).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "shegong_compliance_bench"
PASSWORD = "Bench@Pass2026"  # noqa: S105 — throwaway benchmark account
TODAY = date(2026, 11, 20)
KINDS_PER_YEAR = [  # (kind, months in which it is held)
    ("theme_day", range(1, 13)),
    ("committee", range(1, 13)),
    ("group", range(1, 13)),
    ("lecture", (2, 5, 8, 11)),
    ("assembly", (3, 6, 9, 12)),
    ("org_life", (11,)),
    ("evaluation", (12,)),
    ("heart_talk", (7,)),
]


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def timed(fn, runs: int) -> dict[str, float]:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": pct(samples, 0.5),
        "p95_ms": pct(samples, 0.95),
        "max_ms": round(max(samples), 2),
        "mean_ms": round(statistics.mean(samples), 2),
    }


def marker_path(data_dir: str, backend: str) -> Path:
    return Path(data_dir) / f"built-{backend}.json"


def setup_env(backend: str, keep_dir: str | None, reuse: bool) -> str:
    """The scratch database: a fresh one in a temporary directory, or (``--data-dir``) the
    SQLite file / the PostgreSQL database kept from an earlier run with the same sizes
    (``reuse``: the marker file written after the build says so)."""
    if keep_dir:
        Path(keep_dir).mkdir(parents=True, exist_ok=True)
        data_dir = str(Path(keep_dir).resolve())
    else:
        data_dir = tempfile.mkdtemp(prefix="shegong-compliance-")
    os.environ["SHEGONG_DATA_DIR"] = data_dir
    os.environ["SHEGONG_TASKS"] = "immediate"
    if backend == "sqlite":
        db = Path(data_dir) / "bench.sqlite3"
        if not reuse and db.exists():
            db.unlink()
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    else:
        if not reuse:
            host = ["-h", "127.0.0.1", "-U", "root"]
            subprocess.run(["dropdb", *host, "--if-exists", PG_DB], check=True)
            subprocess.run(["createdb", *host, PG_DB], check=True)
        os.environ["DATABASE_URL"] = f"postgres://root@127.0.0.1:5432/{PG_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return data_dir


def insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            buf = io.StringIO()
            for r in rows:
                buf.write("\t".join("\\N" if v is None else str(v) for v in r) + "\n")
            buf.seek(0)
            raw = cur.cursor
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                while chunk := buf.read(1 << 20):
                    copy.write(chunk)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 — constant names
            cur.executemany(sql, rows)


def build(branches: int, members: int, seed: int, years: int = 3) -> dict[str, object]:
    from django.db import connection, transaction
    from django.utils import timezone

    from shegong.accounts import services as accounts
    from shegong.accounts.models import User
    from shegong.accounts.roles import Role
    from shegong.core.pii import blind_index, encrypt
    from shegong.organizations.models import Entity, PartyOrganization
    from shegong.organizations.services import orgs
    from shegong.regions.models import Region
    from shegong.regions.services import import_regions

    rng = random.Random(seed)
    timings: dict[str, object] = {}
    root = User.objects.create_superuser("root", password=PASSWORD)
    rows = [{"区划代码": "339900", "名称": "示范市", "层级": "市", "上级区划代码": ""}]
    for d in range(1, 11):
        d_code = f"3399{d:02d}"
        rows.append(
            {"区划代码": d_code, "名称": f"第{d}区", "层级": "区县", "上级区划代码": "339900"}
        )
        for s in range(1, 21):
            s_code = f"{d_code}{s:03d}"
            rows.append(
                {
                    "区划代码": s_code,
                    "名称": f"第{d}区第{s}街道",
                    "层级": "街道",
                    "上级区划代码": d_code,
                }
            )
            for c in range(1, 6):
                rows.append(
                    {
                        "区划代码": f"{s_code}{c:03d}",
                        "名称": f"第{c}社区",
                        "层级": "社区",
                        "上级区划代码": s_code,
                    }
                )
    report = import_regions(actor=root, rows=[(i + 2, r) for i, r in enumerate(rows)], commit=True)
    assert report.ok, report.errors[:3]
    accounts.create_user(
        actor=root,
        username="dept",
        full_name="部门管理员",
        role=Role.DEPT_ADMIN,
        password=PASSWORD,
        region_id=Region.objects.get(code="339900").pk,
    )
    accounts.create_user(
        actor=root,
        username="street",
        full_name="街道工作人员",
        role=Role.STREET_STAFF,
        password=PASSWORD,
        region_id=Region.objects.get(code="339901001").pk,
    )
    start = time.monotonic()
    streets = list(Region.objects.filter(level=3).order_by("code"))
    communities: dict[int, list[Region]] = {}
    for c in Region.objects.filter(level=4).select_related("parent"):
        communities.setdefault(c.parent_id, []).append(c)
    committees = [
        orgs.create_organization(
            actor=root,
            code=f"B-{s.code}",
            name=f"{s.name}党工委",
            kind="committee",
            region_id=s.pk,
        )
        for s in streets
    ]
    now = timezone.now()
    org_rows = []
    pk = 1_000_000
    for i in range(branches):
        parent = committees[i % len(committees)]
        region = rng.choice(communities[parent.region_id])
        kind = "joint_branch" if i % 5 == 0 else "branch"
        org_rows.append(
            PartyOrganization(
                pk=pk,
                parent=parent,
                path=f"{parent.path}{pk}/",
                code=f"BR{pk}",
                name=f"第{i + 1}党支部",
                kind=kind,
                status="active",
                region=region,
                formal_members=15,
                created_at=now,
                updated_at=now,
            )
        )
        pk += 1
    PartyOrganization.objects.bulk_create(org_rows, batch_size=2000)
    ids = [o.pk for o in org_rows]
    two_new = [o for o in org_rows if o.kind == "joint_branch"]
    Entity.objects.bulk_create(
        [
            Entity(
                credit_code=f"91339900MA{n:08d}",
                name=f"两新企业{n}",
                kind="enterprise",
                region=o.region,
                region_path=o.region.path,
                organization=o,
                coverage_mode="joint",
                created_at=now,
                updated_at=now,
            )
            for n, o in enumerate(two_new)
        ],
        batch_size=2000,
    )
    timings["orgs_s"] = round(time.monotonic() - start, 1)
    start = time.monotonic()
    name = encrypt("name", "测试党员")
    idn = encrypt("id_number", "339901198001010011")
    phone = encrypt("phone", "")
    member_rows = []
    for n in range(members):
        member_rows.append(
            (
                ids[n % len(ids)],
                name,
                "M",
                idn,
                f"bench-{n}",
                phone,
                "",
                "",
                "full",
                "active",
                "",
                "2015-01-01",
                0,
                "",
                "",
                "",
                now.isoformat(),
                now.isoformat(),
            )
        )
    cols = [
        "organization_id",
        "name",
        "gender",
        "id_number",
        "id_number_bidx",
        "phone",
        "phone_bidx",
        "ethnicity",
        "stage",
        "standing",
        "discipline",
        "joined_branch_on",
        "is_floating",
        "floating_destination",
        "employer_name",
        "note",
        "created_at",
        "updated_at",
    ]
    if connection.vendor == "postgresql":
        member_rows = [(*r[:12], "f", *r[13:]) for r in member_rows]
    with transaction.atomic():
        for i in range(0, len(member_rows), 50_000):
            insert_rows(
                "members_member",
                [
                    *cols,
                    "worker_group",
                    "education",
                    "roster_stage",
                    "next_due_code",
                    "next_due_on",
                ],
                [(*r, "", "", "", "", None) for r in member_rows[i : i + 50_000]],
            )
    timings["members_s"] = round(time.monotonic() - start, 1)
    _ = blind_index
    start = time.monotonic()
    meeting_cols = [
        "organization_id",
        "kind",
        "title",
        "held_on",
        "place",
        "agenda",
        "status",
        "minutes",
        "resolutions",
        "created_at",
        "updated_at",
        "minutes_recorded_at",
        "quorum_met",
        "host",
        "cancel_reason",
    ]
    quorum = "t" if connection.vendor == "postgresql" else 1
    total = 0
    for year in range(TODAY.year - years + 1, TODAY.year + 1):
        batch = []
        for org_id in ids:
            skip = rng.random() * 0.15  # each branch misses 0–15 % of its meetings
            for kind, months in KINDS_PER_YEAR:
                for month in months:
                    day = date(year, month, rng.randint(1, 28))
                    if day > TODAY or rng.random() < skip:
                        continue
                    batch.append(
                        (
                            org_id,
                            kind,
                            "会议",
                            day.isoformat(),
                            "",
                            "",
                            "held",
                            "记录",
                            "",
                            now.isoformat(),
                            now.isoformat(),
                            f"{day.isoformat()}T12:00:00+08:00",
                            quorum if kind == "assembly" else None,
                            "",
                            "",
                        )
                    )
        with transaction.atomic():
            for i in range(0, len(batch), 100_000):
                insert_rows("orglife_meeting", meeting_cols, batch[i : i + 100_000])
        total += len(batch)
        log(f"meetings {year}: {len(batch)}")
    timings["meetings"] = total
    timings["meetings_s"] = round(time.monotonic() - start, 1)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return timings


def materialise() -> dict[str, object]:
    """The engine judges the last complete and the current quarter (what the daily run
    does); the ten quarters before are copies of the last complete quarter's rows under
    earlier quarter numbers (bench data: they only make the table as long as 3 years of
    history would)."""
    from django.db import connection, transaction

    from shegong.compliance.services.engine import run_compliance
    from shegong.compliance.services.judge import quarter_of
    from shegong.compliance.services.totals import refresh_area_quarters

    current = quarter_of(TODAY)
    start = time.monotonic()
    result = run_compliance(today=TODAY, check_members=False)
    engine_s = round(time.monotonic() - start, 1)
    cols = (
        "organization_id, region_path, district_id, street_id, two_new, members, expected, "
        "held, missing, kinds_short, compliant, quorum_failed, low_attendance, "
        "minutes_missing, minutes_late, lapse_risks, detail, computed_at"
    )
    with transaction.atomic(), connection.cursor() as cur:
        for q in range(current - 11, current - 1):
            cur.execute(
                f"INSERT INTO compliance_branchquarter (quarter, {cols}) "  # noqa: S608 — constants
                f"SELECT %s, {cols} FROM compliance_branchquarter WHERE quarter = %s",
                [q, current - 1],
            )
    refresh_area_quarters()  # the copies' per-street sums, as an engine run writes them
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"engine_2_quarters_s": engine_s, **result.as_dict()}


def direct_table(quarter: int, street_path: str | None = None) -> list[tuple]:
    """Baseline: the table straight from ``Meeting`` and ``Member`` rows (no materialised
    rows): the city by district, or one street (``street_path``) by branch."""
    from collections import defaultdict

    from django.db.models import Count, Q
    from django.db.models.functions import TruncMonth

    from shegong.compliance.models import CompliancePolicy
    from shegong.compliance.services.facts import MeetingFact
    from shegong.compliance.services.judge import judge_quarter, quarter_bounds
    from shegong.lib.partyrules.meetings import MeetingType
    from shegong.members.models import Member
    from shegong.organizations.models import PartyOrganization
    from shegong.orglife.models import Meeting

    policy = CompliancePolicy.current()
    first, last = quarter_bounds(quarter)
    meetings = Meeting.objects.filter(status="held", held_on__range=(date(first.year, 1, 1), last))
    members = Member.objects.filter(standing__in=("active", "transferring"))
    orgs = PartyOrganization.objects.filter(
        kind__in=("branch", "joint_branch", "temporary_branch"), status="active"
    )
    if street_path is not None:
        meetings = meetings.filter(organization__region__path__startswith=street_path)
        members = members.filter(organization__region__path__startswith=street_path)
        orgs = orgs.filter(region__path__startswith=street_path)
    counts = (
        meetings.annotate(m=TruncMonth("held_on"))
        .values_list("organization_id", "kind", "m")
        .annotate(n=Count("pk"))
        .order_by()
    )
    facts: dict[int, list[MeetingFact]] = defaultdict(list)
    for org_id, kind, month, n in counts:
        day = month.date() if hasattr(month, "date") else month
        fact = MeetingFact(0, org_id, MeetingType(kind), day, "", True, None)
        facts[org_id].extend([fact] * n)
    sizes = {
        org_id: (formal, total)
        for org_id, formal, total in members.values("organization_id")
        .annotate(
            formal=Count("pk", filter=Q(stage="full")),
            total=Count("pk", filter=Q(stage__in=("full", "probationary"))),
        )
        .values_list("organization_id", "formal", "total")
        .order_by()
    }
    group_of = {
        pk: (str(pk) if street_path else path.strip("/").split("/")[1])
        for pk, path in orgs.values_list("pk", "region__path")
    }
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    mp = policy.meeting_policy()
    for org_id, key in group_of.items():
        formal, total = sizes.get(org_id, (0, 0))
        j = judge_quarter(
            org_id,
            facts.get(org_id, []),
            quarter,
            TODAY,
            policy=mp,
            kinds=policy.kinds_for(formal, total),
            minutes_late_days=10_000,
            attendance_share=policy.attendance_share,
        )
        row = table[key]
        row[0] += 1
        row[1] += int(j.compliant)
        row[2] += j.missing
    return sorted((k, *v) for k, v in table.items())


def _ratio(page: dict[str, float], base: dict[str, float]) -> dict[str, float]:
    return {**page, "ratio_p95": round(page["p95_ms"] / base["p95_ms"], 4)}


def measure(runs: int, baseline_runs: int | None = None) -> dict[str, object]:
    from django.conf import settings
    from django.test import Client

    from shegong.accounts.models import User
    from shegong.compliance.models import BranchQuarter
    from shegong.compliance.services.judge import quarter_of
    from shegong.compliance.services.overview import city_table, table_rows
    from shegong.regions.models import Region

    quarter = quarter_of(TODAY) - 1  # the last complete quarter
    label = f"{quarter // 4}Q{quarter % 4 + 1}"
    year_q = f"year={quarter // 4}&quarter={quarter % 4 + 1}"
    street = Region.objects.get(code="339901001")
    slow = baseline_runs or max(3, runs // 6)
    out: dict[str, object] = {"quarter": label, "street_branches": 0}
    base_city = timed(lambda: direct_table(quarter), slow)
    base_street = timed(lambda: direct_table(quarter, street.path), baseline_runs or runs)
    out["baseline_city_direct"] = base_city
    out["baseline_street_direct"] = base_street

    def getter(client: Client, url: str) -> Callable[[], None]:
        def get() -> None:
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code, r.get("Location"))

        return get

    # The clients sign in with force_login, which cannot do the login steps (second factor):
    # trust it as the test settings do (the step check itself still runs on every request).
    settings.SHEGONG_TRUST_FORCED_LOGIN = True
    city = Client()
    city.force_login(User.objects.get(username="dept"))
    for by in ("district", "street", "sector"):
        page = timed(getter(city, f"/compliance/table/?by={by}&quarter={label}"), runs)
        out[f"city_page_{by}"] = _ratio(page, base_city)
    api = timed(getter(city, f"/api/compliance/table?by=district&{year_q}"), runs)
    out["city_api_district"] = _ratio(api, base_city)
    staff = Client()
    staff.force_login(User.objects.get(username="street"))
    page = timed(
        getter(staff, f"/compliance/table/?by=branch&street={street.pk}&quarter={label}"), runs
    )
    out["street_page_branches"] = _ratio(page, base_street)
    api = timed(getter(staff, f"/api/compliance/table?by=branch&street={street.pk}&{year_q}"), runs)
    out["street_api_branches"] = _ratio(api, base_street)
    # The materialised tables agree with the direct computations.
    rows = BranchQuarter.objects.filter(quarter=quarter)
    mat = table_rows(rows, "district")
    direct = direct_table(quarter)
    want = [(d[1], d[2], d[3]) for d in direct]
    out["city_agrees_with_direct"] = [
        (r["branches"], r["compliant_n"], r["missing_n"]) for r in mat
    ] == want
    # What the department's page shows: read from the per-street sums (AreaQuarter).
    shown = city_table(User.objects.get(username="dept"), quarter, "district")
    out["city_page_agrees_with_direct"] = sorted(
        (r["key"], r["branches"], r["compliant"], r["missing"]) for r in shown
    ) == sorted((str(Region.objects.get(code=d[0]).pk), *d[1:]) for d in direct)
    mine = sorted(
        (str(o), int(c), m)
        for o, c, m in rows.filter(street_id=street.pk).values_list(
            "organization_id", "compliant", "missing"
        )
    )
    street_direct = direct_table(quarter, street.path)
    out["street_branches"] = len(street_direct)
    out["street_agrees_with_direct"] = mine == [(d[0], d[2], d[3]) for d in street_direct]
    return out


def profile(runs: int) -> dict[str, object]:
    """Where a request's server time goes: each query's time (``CaptureQueriesContext``)
    and the functions with the most cumulative time (``cProfile``), per URL of the bench."""
    import cProfile
    import pstats

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shegong.accounts.models import User
    from shegong.compliance.services.judge import quarter_of
    from shegong.regions.models import Region

    quarter = quarter_of(TODAY) - 1
    label = f"{quarter // 4}Q{quarter % 4 + 1}"
    year_q = f"year={quarter // 4}&quarter={quarter % 4 + 1}"
    street = Region.objects.get(code="339901001")
    settings.SHEGONG_TRUST_FORCED_LOGIN = True
    city, staff = Client(), Client()
    city.force_login(User.objects.get(username="dept"))
    staff.force_login(User.objects.get(username="street"))
    urls = [
        (city, f"/compliance/table/?by=district&quarter={label}"),
        (city, f"/compliance/table/?by=street&quarter={label}"),
        (city, f"/api/compliance/table?by=district&{year_q}"),
        (staff, f"/compliance/table/?by=branch&street={street.pk}&quarter={label}"),
        (staff, f"/api/compliance/table?by=branch&street={street.pk}&{year_q}"),
    ]
    out: dict[str, object] = {}
    for client, url in urls:
        client.get(url)  # warm-up
        samples = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                client.get(url)
                samples.append((time.perf_counter() - start) * 1000)
        total = statistics.median(samples)  # the queries are those of the last request
        queries = [(float(q["time"]) * 1000, q["sql"][:160]) for q in ctx.captured_queries]
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(max(1, runs // 10)):
            client.get(url)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
        log(
            f"=== {url}: {total:.1f} ms, {len(queries)} queries, "
            f"{sum(t for t, _ in queries):.1f} ms in SQL"
        )
        for t, sql in sorted(queries, reverse=True):
            log(f"  {t:8.1f} ms  {sql}")
        log(buf.getvalue()[:9000])
        out[url] = {
            "ms": round(total, 1),
            "queries": len(queries),
            "sql_ms": round(sum(t for t, _ in queries), 1),
        }
    return out


def run_one(backend: str, args: argparse.Namespace) -> dict[str, object]:
    sizes = {k: getattr(args, k) for k in ("branches", "members", "years", "seed")}
    reuse = False
    if args.data_dir:
        marker = marker_path(args.data_dir, backend)
        reuse = marker.exists() and json.loads(marker.read_text())["sizes"] == sizes
    data_dir = setup_env(backend, args.data_dir, reuse)
    if reuse:
        built = json.loads(marker_path(data_dir, backend).read_text())
        build_t, mat = built["build"], built["materialise"]
        log(f"[{backend}] re-using the data in {data_dir} ({sizes})")
    else:
        log(f"[{backend}] building {args.branches} branches, {args.members} members")
        build_t = build(args.branches, args.members, args.seed, args.years)
        log(f"[{backend}] build {build_t}; materialising")
        mat = materialise()
        if args.data_dir:
            marker_path(data_dir, backend).write_text(
                json.dumps({"sizes": sizes, "build": build_t, "materialise": mat})
            )
    if args.build_only:
        return {"build": build_t, "materialise": mat, "reused": reuse}
    if args.profile:
        return {"profile": profile(args.runs)}
    log(f"[{backend}] {mat}; measuring")
    figures = measure(args.runs, args.baseline_runs)
    if backend == "postgresql" and not args.data_dir:
        from django.db import connections

        connections.close_all()
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "root", "--if-exists", PG_DB], check=False
        )
    return {"build": build_t, "materialise": mat, "reused": reuse, "figures": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--branches", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=600_000)
    parser.add_argument("--years", type=int, default=3, help="years of meetings (to TODAY)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--data-dir",
        help="keep the bench data (the SQLite file here; the PostgreSQL database is not "
        "dropped) and re-use it on the next run with the same sizes",
    )
    parser.add_argument(
        "--baseline-runs",
        type=int,
        help="runs of each direct baseline (default: max(3, runs/6) city, runs street)",
    )
    parser.add_argument("--build-only", action="store_true", help="build (with --data-dir)")
    parser.add_argument(
        "--profile", action="store_true", help="per-query times and cProfile per URL (stderr)"
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    result: dict[str, object] = {
        "bench": "compliance",
        "today": TODAY.isoformat(),
        "branches": args.branches,
        "members": args.members,
        "years_of_meetings": args.years,
        "loadavg_before": os.getloadavg(),
    }
    if len(backends) == 1:
        result[backends[0]] = run_one(backends[0], args)
    else:
        for backend in backends:  # a fresh interpreter per backend (Django is set up once)
            cmd = [
                sys.executable,
                __file__,
                "--backend",
                backend,
                "--branches",
                str(args.branches),
                "--members",
                str(args.members),
                "--runs",
                str(args.runs),
                "--seed",
                str(args.seed),
                "--years",
                str(args.years),
                *(["--data-dir", args.data_dir] if args.data_dir else []),
                *(["--build-only"] if args.build_only else []),
                *(["--baseline-runs", str(args.baseline_runs)] if args.baseline_runs else []),
            ]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            sys.stderr.write(out.stderr)
            result[backend] = json.loads(out.stdout)[backend]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
