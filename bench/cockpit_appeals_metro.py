"""Benchmark: the cockpit's appeals panel alone on a large region tree, in process.

A full ``bench/cockpit.py`` run times every panel for two viewers and two periods; this
times only the appeals panel — ``AppealsPanel().figures(query)`` and ``GET
/cockpit/panel/appeals/`` through the test client — for a city, a district and a street
leader (the first district and street by code), the last 30 and 365 days, and the panel's
figures one by one (median). Run it on a copy of a database that already holds a region
tree (e.g. the metro world's ``party0.sqlite3``, never the original): without appeals it
first loads ``--appeals`` history appeals with ``bench/cockpit.py``'s loader
(``preload_history`` with its categories, ``add_closed_work_orders``); ``--rebuild``
rebuilds the rollup; every run ends its set-up with ``ANALYZE``. Prints one JSON object.

    cp /work/metro/data/party0.sqlite3 /tmp/m/bench.sqlite3
    cp /work/metro/data/keys.json /work/metro/data/secret_key /tmp/m/
    SHEGONG_DATA_DIR=/tmp/m DATABASE_URL=sqlite:////tmp/m/bench.sqlite3 \\
        .venv/bin/python bench/cockpit_appeals_metro.py --rebuild --runs 9
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from cockpit import bench_leader, timed  # noqa: E402 - the bench's shared timer (p50/p95/max after a warm-up)

FIGURES = ("kpis", "by_day", "by_category", "by_region", "ranking", "street_rates")


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    import django

    django.setup()
    from appeals_intake import add_closed_work_orders, preload_history
    from cockpit import CATEGORIES
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from shegong.appeals.cockpit import AppealsPanel
    from shegong.appeals.models import Appeal
    from shegong.cockpit.query import build_query, read_filters
    from shegong.regions.models import Region

    settings.ALLOWED_HOSTS = ["*"]
    settings.SHEGONG_TRUST_FORCED_LOGIN = True  # force_login cannot do the second factor
    call_command("migrate", interactive=False, verbosity=0)
    if not Appeal.objects.exists():
        rng = random.Random(args.seed)
        log(preload_history(args.appeals, rng, log, 1, categories=tuple(CATEGORIES)))
        log("work orders", add_closed_work_orders())
        args.rebuild = True
    if args.rebuild:
        started = time.monotonic()
        call_command("appeals_rollup", "--rebuild", stdout=open(os.devnull, "w"))  # noqa: SIM115
        log("rollup rebuilt", round(time.monotonic() - started, 1), "s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    city = Region.objects.get(parent__isnull=True)
    district = Region.objects.filter(parent=city).order_by("code").first()
    street = Region.objects.filter(parent=district).order_by("code").first()
    assert district is not None
    assert street is not None
    newest_at = Appeal.objects.order_by("-registered_at").values_list("registered_at", flat=True)
    newest = timezone.localdate(newest_at.first() or timezone.now())
    periods = {
        "30_days": {"start": (newest - timedelta(days=29)).isoformat(), "end": newest.isoformat()},
        "year": {"start": (newest - timedelta(days=364)).isoformat(), "end": newest.isoformat()},
    }
    panel = AppealsPanel()
    out: dict[str, object] = {"backend": connection.vendor, "regions": Region.objects.count()}
    for who, region in (("city", city), ("district", district), ("street", street)):
        user = bench_leader(f"bench_{who}_leader", region.pk)
        client = Client()
        client.force_login(user)
        for period, params in periods.items():
            query = build_query(user, read_filters(user, params))
            row: dict[str, object] = {
                "region": region.path,
                "load": [round(x, 2) for x in os.getloadavg()],
                "fragment": timed(
                    lambda p=params, c=client: c.get("/cockpit/panel/appeals/", p), args.runs
                ),
                "figures": timed(lambda q=query: panel.figures(q), args.runs),
            }
            for figure in FIGURES:
                fn = getattr(panel, figure)
                row[figure] = timed(lambda q=query, f=fn: f(q), max(3, args.runs // 2))["p50_ms"]
            out[f"{who}/{period}"] = row
            log(who, period, json.dumps(row, ensure_ascii=False))
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
