"""Benchmark: the 两新 coverage page of a district with 50,000 entities.

Prints one JSON object. Target (issue 5): < 300 ms server time for the coverage page of a
district with 50,000 entities, on SQLite and on PostgreSQL.

    .venv/bin/python bench/coverage.py                  # both backends, one after the other
    .venv/bin/python bench/coverage.py --backend sqlite --entities 50000

The data goes in through the production paths: regions through ``import_regions``, the
registry (with coverage columns) through ``import_entities`` — the spreadsheet import a
clerk uses — and the organizations through ``create_organization``; then the rules engine
runs and three snapshots are taken. Measured: the full HTTP round trip of
``GET /organizations/?region=<district>`` through Django's test client (middleware,
session, scoped queries, template rendering; no network), as the department administrator
(city scope), as the district leader (district scope) and as a district leader who also
administers a joint branch in the other district (cells plus live rows for the linked
entities, ``dl_linked``); the aggregation alone
(``services.coverage.coverage_for``, from the pre-aggregated street cells) and,
as a baseline, the live ``GROUP BY`` over the district's 50,000 entities; and the API
``/api/organizations/coverage``.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "shegong_cov_bench"
PASSWORD = "Bench@Pass2026"  # noqa: S105 — throwaway benchmark accounts


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


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
        "max_ms": round(max(samples), 2),
        "mean_ms": round(statistics.mean(samples), 2),
    }


def setup_env(backend: str) -> None:
    data_dir = tempfile.mkdtemp(prefix="shegong-cov-")
    os.environ["SHEGONG_DATA_DIR"] = data_dir
    os.environ["SHEGONG_TASKS"] = "immediate"
    if backend == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{data_dir}/bench.sqlite3"
    else:
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


def build(entities: int, seed: int) -> dict[str, float]:
    from datetime import timedelta

    from django.utils import timezone

    from shegong.accounts import services as accounts
    from shegong.accounts.models import User
    from shegong.accounts.roles import Role
    from shegong.organizations.services import coverage, orgs
    from shegong.organizations.services.imports import import_entities
    from shegong.organizations.services.rules import run_rules
    from shegong.organizations.testing import credit_code
    from shegong.regions.models import Region
    from shegong.regions.services import import_regions

    rng = random.Random(seed)
    timings: dict[str, float] = {}
    root = User.objects.create_superuser("root", password=PASSWORD)
    rows = [{"区划代码": "339900", "名称": "示范市", "层级": "市", "上级区划代码": ""}]
    for d in (1, 2):
        d_code = f"3399{d:02d}"
        rows.append(
            {"区划代码": d_code, "名称": f"第{d}区", "层级": "区县", "上级区划代码": "339900"}
        )
        for s in range(1, 21 if d == 1 else 6):
            s_code = f"{d_code}{s:03d}"
            rows.append(
                {"区划代码": s_code, "名称": f"第{s}街道", "层级": "街道", "上级区划代码": d_code}
            )
            for c in range(1, 26):
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
    district = Region.objects.get(code="339901")
    other = Region.objects.get(code="339902")
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
        username="dl",
        full_name="区领导",
        role=Role.LEADER,
        password=PASSWORD,
        region_id=district.pk,
    )
    start = time.monotonic()
    street_orgs = {}
    for street in Region.objects.filter(level=3):
        street_orgs[street.code] = orgs.create_organization(
            actor=root,
            code=f"S{street.code}",
            name=f"{street.name}两新综合党委",
            kind="committee",
            region_id=street.pk,
            term_started_on=timezone.localdate() - timedelta(days=rng.randint(100, 2000)),
        )
    joint = {}
    for code, parent in street_orgs.items():
        for j in range(8):
            joint[(code, j)] = orgs.create_organization(
                actor=root,
                code=f"J{code}{j}",
                name=f"联合党支部{code}-{j}",
                kind="joint_branch",
                region_id=parent.region_id,
                parent_id=parent.pk,
                term_started_on=timezone.localdate() - timedelta(days=rng.randint(100, 1500)),
            )
    timings["organizations_seconds"] = round(time.monotonic() - start, 1)
    communities = list(Region.objects.filter(level=4).values_list("code", flat=True))
    in_district = [c for c in communities if c.startswith("339901")]
    elsewhere = [c for c in communities if c.startswith("339902")]
    industries = "CEFGHIKLMOPQR"
    import_rows = []
    total = entities + entities // 5
    for i in range(total):
        community = rng.choice(in_district if i < entities else elsewhere)
        street_code = community[:9]
        employees = int(rng.expovariate(1 / 30)) + 1
        formal = int(rng.expovariate(1 / 1.5)) if rng.random() < 0.4 else 0
        roll = rng.random()
        mode, org_code, instructor = "未建立", "", ""
        if roll < 0.25:
            mode, org_code = "联合建", joint[(street_code, rng.randrange(8))].code
        elif roll < 0.35:
            mode, org_code = "挂靠建", street_orgs[street_code].code
        elif roll < 0.55:
            instructor = "指导员"
        import_rows.append(
            (
                i + 2,
                {
                    "统一社会信用代码": credit_code(i + 1),
                    "名称": f"基准企业{i}",
                    "类型": rng.choice(("企业", "企业", "企业", "社会组织", "行业协会商会")),
                    "行业门类": rng.choice(industries),
                    "从业人员数": str(employees),
                    "所在区划代码": community,
                    "覆盖方式": mode,
                    "覆盖党组织编码": org_code,
                    "正式党员数": str(formal),
                    "党建指导员": instructor,
                },
            )
        )
    start = time.monotonic()
    report = import_entities(actor=root, rows=import_rows, commit=False)
    timings["import_dry_run_seconds"] = round(time.monotonic() - start, 1)
    start = time.monotonic()
    report = import_entities(actor=root, rows=import_rows, commit=True)
    assert report.committed, report.errors[:3]
    timings["import_commit_seconds"] = round(time.monotonic() - start, 1)  # incl. the rules run
    start = time.monotonic()
    result = run_rules()
    timings["rules_rerun_seconds"] = round(time.monotonic() - start, 1)
    timings["open_findings"] = result.refreshed
    today = timezone.localdate()
    start = time.monotonic()
    for days in (60, 30, 0):
        coverage.take_snapshot(on=today - timedelta(days=days))
    timings["snapshot_seconds"] = round((time.monotonic() - start) / 3, 2)
    # A district user who also administers a joint branch in the other district (a link
    # made by the city administrator): cells for the district, live rows for the link.
    linked_user = accounts.create_user(
        actor=root,
        username="dl_linked",
        full_name="区领导（兼党组织管理员）",
        role=Role.LEADER,
        password=PASSWORD,
        region_id=district.pk,
    )
    from django.db.models import Count

    from shegong.organizations.models import PartyOrganization

    branch = (
        PartyOrganization.objects.filter(kind="joint_branch", region__code__startswith="339902")
        .annotate(n=Count("covered_entities"))
        .order_by("-n", "code")
        .first()
    )
    orgs.set_org_administrator(actor=root, org_id=branch.pk, user_id=linked_user.pk)
    timings["linked_entities_outside_district"] = branch.n
    timings["entities_in_district"] = entities
    timings["entities_total"] = total
    timings["other_district_id"] = other.pk
    return timings


def measure(runs: int) -> dict[str, object]:
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client

    from shegong.accounts.models import User
    from shegong.organizations.services.coverage import coverage_for
    from shegong.regions.models import Region

    district = Region.objects.get(code="339901")
    out: dict[str, object] = {}
    for username in ("dept", "dl", "dl_linked"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        url = f"/organizations/?region={district.pk}"
        response = client.get(url)
        assert response.status_code == 200
        expected = f'data-testid="stat-total">{int(os.environ["BENCH_ENTITIES"]):,}<'
        body = response.content.decode()
        assert expected in body, body[body.find("stat-total") - 20 : body.find("stat-total") + 60]
        # Django empties the query log at every request start; count without that hook.
        request_started.disconnect(reset_queries)
        connection.force_debug_cursor = True
        try:
            before = len(connection.queries_log)
            client.get(url)
            queries = list(connection.queries_log)[before:]
        finally:
            connection.force_debug_cursor = False
            request_started.connect(reset_queries)
        out[f"coverage_page_{username}"] = {
            **timed(lambda c=client, u=url: c.get(u), runs),
            "queries": len(queries),
        }
        if username == "dl":
            out["api_coverage_dl"] = timed(
                lambda c=client: c.get(f"/api/organizations/coverage?region={district.pk}"), runs
            )
    for username in ("dept", "dl", "dl_linked"):
        user = User.objects.get(username=username)
        data = coverage_for(user, district)
        out[f"coverage_for_{username}"] = {
            **timed(lambda u=user: coverage_for(u, district), runs),
            "source": data.source,
        }
    linked = User.objects.get(username="dl_linked")
    out["coverage_for_dl_linked_city_root"] = {
        **timed(lambda u=linked: coverage_for(u, None), runs),
        "source": coverage_for(linked, None).source,
    }
    # The live aggregation the cells replace (what a sub-street user gets, at district size).
    from shegong.core.tree import subtree_q
    from shegong.organizations.models import Entity
    from shegong.organizations.services.coverage import live_cells

    qs = Entity.objects.filter(subtree_q(district.path, "region_path"))
    out["live_group_by_district_baseline"] = timed(lambda: list(live_cells(qs)), runs)
    return out


def child(args: argparse.Namespace) -> dict[str, object]:
    setup_env(args.backend)
    os.environ["BENCH_ENTITIES"] = str(args.entities)
    from django.db import connection

    build_timings = build(args.entities, args.seed)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    result = {
        "backend": connection.vendor,
        "machine": {"cpus": os.cpu_count(), "loadavg_before_measure": os.getloadavg()},
        "build": build_timings,
        "measure": measure(args.runs),
        "target_ms": 300,
    }
    if args.backend == "postgresql":
        connection.close()
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "root", "--if-exists", PG_DB], check=False
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--entities", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.backend != "both":
        print(json.dumps(child(args), ensure_ascii=False))
        return
    results = []
    for backend in ("sqlite", "postgresql"):
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--backend",
                backend,
                "--entities",
                str(args.entities),
                "--runs",
                str(args.runs),
                "--seed",
                str(args.seed),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(json.dumps({"benchmark": "coverage", "results": results}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
