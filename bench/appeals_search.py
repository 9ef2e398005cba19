"""Benchmark: the all-appeals list and its search on a city-sized table (issue 13).

Prints one JSON object (progress on stderr). For each case, the code path before issue 13
("old", rebuilt here from the old filters), the production path now ("new": the filter set,
``core.pagination.paginate_capped``) and a **baseline** in the same run: the direct SQL that
answers the same question (timings in ms, p50/p95 over ``--runs``).

    .venv/bin/python bench/appeals_search.py                         # SQLite, 200,000 appeals
    .venv/bin/python bench/appeals_search.py --postgres --rows 1000000

Cases: the unfiltered list (count + first page), a number that does not exist, a number
that exists typed in lower case, a rare and a common 3+-character word, a 2-character word,
the merged appeals of one appeal (the partial index, against the full index it replaced,
both after ANALYZE), and ``short_terms``: 1–2-character terms through the gram index
against the ``LIKE`` they used before, same run, same rows checked.

History rows bypass the services (they only make the table big) but go through
``core.db.bulk_insert``, so ``masked_search_text`` is computed as in production and, on
SQLite, the FTS triggers fill the text index as they would.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Django is set up at run time (setup_env)
    from shegong.accounts.models import User
    from shegong.appeals.models import Appeal
    from shegong.regions.models import Region

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "shegong_search_bench"

PLACES = ["北一社区", "南湖小区", "幸福里", "滨江花园", "东城街道", "西城街道", "城南村"]
PROBLEMS = [
    "路灯不亮",
    "噪音扰民",
    "垃圾清运不及时",
    "小区停水",
    "物业收费不合理",
    "道路积水",
    "占道经营",
    "违章停车",
    "供暖不热",
    "电梯故障",
]
RARE = "井盖丢失"  # in 1 of 2,000 appeals

Page = tuple[int, list[int]]  # (the count shown, the first page's ids)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def timed(fn: Callable[[], object], runs: int) -> dict[str, float]:
    fn()  # warm
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": pct(samples, 0.5), "p95_ms": pct(samples, 0.95)}


def setup_env(args: argparse.Namespace) -> None:
    data_dir = tempfile.mkdtemp(prefix="shegong-search-")
    os.environ["SHEGONG_DATA_DIR"] = data_dir
    os.environ["SHEGONG_TASKS"] = "immediate"
    if args.postgres:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "root", "--if-exists", PG_DB], check=True
        )
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", PG_DB], check=True)
        os.environ["DATABASE_URL"] = f"postgres://root@127.0.0.1:5432/{PG_DB}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{data_dir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def text_for(rng: random.Random, pk: int) -> tuple[str, str]:
    place, problem = rng.choice(PLACES), rng.choice(PROBLEMS)
    title = f"{place}{problem}"
    body = f"{place}{rng.randrange(1, 30)}号楼附近{problem}，已经持续{rng.randrange(2, 20)}天。"
    if pk % 2000 == 7:
        body += RARE + "，夜间出行危险。"
    if rng.random() < 0.1:
        body += f"请回电139{rng.randrange(10**8):08d}。"
    return title, body


def build(args: argparse.Namespace) -> dict[str, object]:
    from django.db import connection, transaction

    from shegong.accounts.models import User
    from shegong.appeals.models import Appeal, AppealPolicy
    from shegong.core.db import bulk_insert
    from shegong.regions.models import Region

    rng = random.Random(13)
    city = Region.objects.create(
        code="339900", name="示范市", level=1, path="/339900/", depth=0, full_name="示范市"
    )
    policy = AppealPolicy.objects.filter(kind="hl_complaint").order_by("version").first()
    assert policy is not None
    root = User.objects.create_superuser("bench", password=None)
    start = time.monotonic()
    base = datetime(2024, 1, 1, tzinfo=UTC)
    batch = 2000
    for offset in range(0, args.rows, batch):
        rows = []
        for pk in range(offset + 1, min(args.rows, offset + batch) + 1):
            title, body = text_for(rng, pk)
            registered = base + timedelta(minutes=pk * 3)
            rows.append(
                Appeal(
                    number=f"RX{registered:%Y%m%d}{pk:07d}",
                    tracking_hash="0" * 64,
                    kind="hl_complaint",
                    stream="hotline",
                    channel="phone",
                    title=title,
                    body=body,
                    region=city,
                    registered_at=registered,
                    status="closed",
                    policy=policy,
                    updated_at=registered,
                )
            )
        with transaction.atomic():
            bulk_insert(Appeal, rows)
        if offset % 100_000 == 0:
            log(f"{offset + len(rows)} rows")
    load = time.monotonic() - start
    start = time.monotonic()
    add_orders_and_extensions(city, root)
    orders_load = time.monotonic() - start
    lead = Appeal.objects.order_by("pk").first()
    assert lead is not None
    merged = list(Appeal.objects.order_by("-pk").values_list("pk", flat=True)[:5])
    Appeal.objects.filter(pk__in=merged).update(merged_into=lead)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "load_seconds": round(load, 1),
        "orders_load_seconds": round(orders_load, 1),
        "lead": lead,
        "root": root,
    }


def add_orders_and_extensions(city: Region, root: User) -> None:
    """One closed work order per appeal; an extension request on every second order, all
    decided but one in 5,000 (the workbench's 延期待审批 is a handful at any time)."""
    from django.db import connection, transaction

    from shegong.units.models import Unit

    unit = Unit.objects.create(
        code="B-1", name="市住建局", kind="functional", region=city, path="/0/", depth=0
    )
    Unit.objects.filter(pk=unit.pk).update(path=f"/{unit.pk}/")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO appeals_workorder (appeal_id, unit_id, role, status, instructions, "
            "dispatched_at, due_provisional, extended_days, extensions, escalation_level, "
            "return_reason, reply_text, round, version) SELECT id, %s, 'lead', 'closed', '', "
            "registered_at, %s, 0, 0, 0, '', '', 1, 1 FROM appeals_appeal",
            [unit.pk, False],
        )
        cursor.execute(
            "INSERT INTO appeals_extensionrequest (work_order_id, days, reason, "
            "requested_by_id, requested_at, status, decision_note) SELECT id, 5, '材料待补', "
            "%s, dispatched_at, CASE WHEN id %% 5000 = 0 THEN 'pending' ELSE 'approved' END, '' "
            "FROM appeals_workorder WHERE id %% 2 = 0",
            [root.pk],
        )


def pending_extensions(runs: int, root: User) -> dict[str, object]:
    """The workbench's 延期待审批 count: with the partial index, restructured so the visible
    work orders are only those with a pending request, and without the index (before)."""
    from django.db import connection

    from shegong.appeals.choices import ExtensionStatus
    from shegong.appeals.models import ExtensionRequest, WorkOrder

    pending = ExtensionStatus.PENDING

    def as_today() -> int:
        return ExtensionRequest.objects.filter(
            status=pending, work_order__in=WorkOrder.objects.visible_to(root)
        ).count()

    def restructured() -> int:
        visible = WorkOrder.objects.visible_to(root).filter(extension_requests__status=pending)
        return ExtensionRequest.objects.filter(status=pending, work_order__in=visible).count()

    def correlated() -> int:
        return ExtensionRequest.objects.pending_visible_to(root).count()

    def direct() -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM appeals_extensionrequest WHERE status = %s", [pending]
            )
            return cursor.fetchone()

    result: dict[str, object] = {
        "count": as_today(),
        "partial_index": timed(as_today, runs),
        "partial_index_restructured": timed(restructured, runs),
        "partial_index_pending_visible_to": timed(correlated, runs),
        "same_count": as_today() == restructured() == correlated(),
        "baseline": timed(direct, runs),
        "plan_partial": [
            line[:160]
            for line in ExtensionRequest.objects.filter(
                status=pending, work_order__in=WorkOrder.objects.visible_to(root)
            )
            .explain()
            .splitlines()
        ],
    }
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "extension_pending"')
        cursor.execute("ANALYZE")
    result["no_partial_index"] = timed(as_today, runs)
    return result


def measure(args: argparse.Namespace, lead: Appeal, root: User) -> dict[str, object]:
    from django.core.paginator import Paginator
    from django.db import connection
    from django.db.models import Q
    from django.test import RequestFactory

    from shegong.appeals.filters import AppealFilterSet
    from shegong.appeals.models import Appeal
    from shegong.core.pagination import paginate_capped

    factory = RequestFactory()
    runs = args.runs

    class Req:
        user = root

    def new(params: dict[str, str]) -> Callable[[], Page]:
        def run() -> Page:
            request = factory.get("/appeals/search/", params)
            request.user = root
            qs = AppealFilterSet(params, queryset=Appeal.objects.visible_to(root), request=Req()).qs
            page = paginate_capped(request, qs, 30)
            return (page.count, [a.pk for a in page])

        return run

    def old(condition: Q | None) -> Callable[[], Page]:
        def run() -> Page:
            qs = Appeal.objects.visible_to(root)
            if condition is not None:
                qs = qs.filter(condition)
            page = Paginator(qs, 30).get_page(1)
            return (page.paginator.count, [a.pk for a in page])

        return run

    def direct(sql: str, params: list[str]) -> Callable[[], object]:
        def run() -> object:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        return run

    def stored_text(word: str) -> Q:
        # before issue 13: a query without identifier characters searched the stored text
        return Q(title__icontains=word) | Q(body__icontains=word) | Q(number=word.upper())

    missing = "RX209901010000001"
    existing = Appeal.objects.order_by("-pk").values_list("number", flat=True)[args.rows // 2]
    results: dict[str, object] = {}
    cases: list[tuple[str, Callable[[], Page], Callable[[], Page], Callable[[], object]]] = [
        (
            "list_all",
            old(None),
            new({}),
            direct("SELECT COUNT(*) FROM (SELECT id FROM appeals_appeal LIMIT 10001) t", []),
        ),
        (
            "number_missing",
            old(Q(number__iexact=missing)),
            new({"number": missing}),
            direct("SELECT id FROM appeals_appeal WHERE number = %s", [missing]),
        ),
        (
            "number_lowercase",
            old(Q(number__iexact=existing.lower())),
            new({"number": existing.lower()}),
            direct("SELECT id FROM appeals_appeal WHERE number = %s", [existing]),
        ),
    ]
    # SQLite's LIKE ignores ASCII case; PostgreSQL's needs ILIKE
    pattern_sql = (
        "SELECT id FROM appeals_appeal WHERE masked_search_text LIKE %s LIMIT 10001"
        if connection.vendor == "sqlite"
        else "SELECT id FROM appeals_appeal WHERE masked_search_text ILIKE %s LIMIT 10001"
    )
    for name, word in (("word_rare", RARE), ("word_common", "路灯不亮"), ("word_2chars", "积水")):
        if connection.vendor == "sqlite" and len(word) >= 3:
            baseline = direct(
                "SELECT rowid FROM appeals_appeal_fts WHERE appeals_appeal_fts MATCH %s "
                "LIMIT 10001",
                [f'"{word}"'],
            )
        else:
            baseline = direct(pattern_sql, [f"%{word}%"])
        cases.append((name, old(stored_text(word)), new({"q": word}), baseline))

    def plan(params: dict[str, str]) -> list[str]:
        qs = AppealFilterSet(params, queryset=Appeal.objects.visible_to(root), request=Req()).qs
        return [line[:160] for line in qs[:31].explain().splitlines()]

    plans = {
        "word_rare": {"q": RARE},
        "word_2chars": {"q": "积水"},
        "number_missing": {"number": missing},
    }
    for name, before, after, baseline in cases:
        log(name)
        same = before()[1] == after()[1]
        entry: dict[str, object] = {
            "old": timed(before, runs),
            "new": timed(after, runs),
            "baseline": timed(baseline, runs),
            "same_first_page": same,
            "count_new": after()[0],
        }
        if name in plans:
            entry["plan_new"] = plan(plans[name])
        results[name] = entry
    # merged appeals: the partial index vs the full index it replaced, both after ANALYZE
    merged = timed(lambda: list(lead.merged_appeals.all()), runs)
    plan_partial = lead.merged_appeals.all().explain()
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "appeal_merged_into_set"')
        cursor.execute('CREATE INDEX "bench_merged_full" ON appeals_appeal (merged_into_id)')
        cursor.execute("ANALYZE")
    merged_full = timed(lambda: list(lead.merged_appeals.all()), runs)
    plan_full = lead.merged_appeals.all().explain()
    results["merged_appeals"] = {
        "partial_index": merged,
        "full_index": merged_full,
        "plan_partial": plan_partial.splitlines()[0][:160],
        "plan_full": plan_full.splitlines()[0][:160],
    }
    results["pending_extensions"] = pending_extensions(runs, root)
    results["short_terms"] = short_terms(runs, root)
    return results


SHORT_TERMS = ("井盖", "积水", "井", "灯")  # rare / common 2 characters, rare / common 1


def short_terms(runs: int, root: User) -> dict[str, object]:
    """Search by 1–2 characters: the gram index (``search_short``, confirmed by the same
    ``icontains``) against the ``LIKE`` on the masked text that answered such terms before,
    both through ``paginate_capped`` (capped count + first page) on the user's
    ``visible_to``; the same rows required."""
    from django.db.models import Q
    from django.test import RequestFactory

    from shegong.appeals.models import Appeal
    from shegong.appeals.search import masked_text_q
    from shegong.core.pagination import paginate_capped

    factory = RequestFactory()

    def search(condition: Q) -> Callable[[], Page]:
        def run() -> Page:
            request = factory.get("/appeals/search/")
            request.user = root
            page = paginate_capped(request, Appeal.objects.visible_to(root).filter(condition), 30)
            return (page.count, [a.pk for a in page])

        return run

    out: dict[str, object] = {}
    for word in SHORT_TERMS:
        log(f"short term {word}")
        index, like = search(masked_text_q(word)), search(Q(masked_search_text__icontains=word))
        all_index = set(Appeal.objects.filter(masked_text_q(word)).values_list("pk", flat=True))
        all_like = set(
            Appeal.objects.filter(masked_search_text__icontains=word).values_list("pk", flat=True)
        )
        t_index, t_like = timed(index, runs), timed(like, runs)
        out[word] = {
            "index": t_index,
            "like": t_like,
            "ratio_p95_like_over_index": round(t_like["p95_ms"] / max(t_index["p95_ms"], 0.01), 1),
            "ratio_p50_like_over_index": round(t_like["p50_ms"] / max(t_index["p50_ms"], 0.01), 1),
            "same_rows": all_index == all_like,
            "same_first_page": index() == like(),
            "matches": len(all_like),
            "plan_index": [
                line[:160]
                for line in Appeal.objects.filter(masked_text_q(word))[:31]
                .explain()
                .splitlines()[:8]
            ],
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    setup_env(args)
    from django.db import connection

    loadavg = os.getloadavg()
    built = build(args)
    from shegong.accounts.models import User
    from shegong.appeals.models import Appeal

    lead, root = built.pop("lead"), built.pop("root")
    assert isinstance(lead, Appeal)
    assert isinstance(root, User)
    results = measure(args, lead, root)
    print(
        json.dumps(
            {
                "bench": "appeals_search",
                "database": connection.vendor,
                "rows": args.rows,
                "runs": args.runs,
                "load_seconds": built["load_seconds"],
                "orders_load_seconds": built["orders_load_seconds"],
                "machine": {"cpus": os.cpu_count(), "loadavg_before": loadavg},
                "results": results,
            },
            ensure_ascii=False,
        )
    )
    connection.close()
    if args.postgres:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "root", "--if-exists", PG_DB], check=False
        )


if __name__ == "__main__":
    main()
