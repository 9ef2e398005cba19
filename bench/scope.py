"""Benchmark: the unit scope of a handler (``visible_to``), joined form against semi-joins.

Runs on a data directory that ``bench/pages.py --keep`` left behind (SQLite, ANALYZEd by
that script; this one runs ``ANALYZE`` again to be sure)::

    SHEGONG_DATA_DIR=/tmp/shegong-bench-pages-XXXX \\
        /work/main/.venv/bin/python bench/scope.py [--user handler] [--repeat 5]

For a handler's Appeal and WorkOrder scopes and a street user's Volunteer scope it prints the
``EXPLAIN QUERY PLAN`` and the median time of ``COUNT(*)`` of:

- ``joined``: the form ``visible_to`` built before issue 13 — ``pk IN (SELECT U0.id FROM
  <table> U0 LEFT JOIN <related> … WHERE <paths>)``;
- ``semi``: what ``visible_to`` builds now (``Model.objects.visible_to(user)``);
- for Appeal also ``unit_in``: the work-order semi-join written with
  ``unit_id IN (SELECT id FROM units_unit WHERE path …)`` instead of a join to units, to see
  whether the join to the (small) units table costs anything.

One JSON object on stdout (plans as lists of strings, times in ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="handler", help="persona for appeals, work orders")
    parser.add_argument("--volunteer-user", default="street", help="persona for volunteers")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("SHEGONG_DATA_DIR"):
        raise SystemExit("SHEGONG_DATA_DIR must name a data directory of bench/pages.py --keep")

    import django

    django.setup()
    from django.core.exceptions import EmptyResultSet
    from django.db import connection
    from django.db.models import Q, QuerySet

    from shegong.accounts.models import User
    from shegong.appeals.models import Appeal, WorkOrder
    from shegong.core.tree import subtree_q
    from shegong.units.models import Unit
    from shegong.volunteers.models import Volunteer

    handler = User.objects.get(username=args.user)
    street = User.objects.get(username=args.volunteer_user)
    user = handler
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def measure(rows: QuerySet[Any]) -> dict[str, Any]:
        try:
            sql, params = rows.query.sql_with_params()
        except EmptyResultSet:
            return {"count": 0, "median_ms": 0.0, "scans": [], "plan": ["(no rows: empty scope)"]}
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = [f"{r[0]} {r[1]} {r[3]}" for r in cursor.fetchall()]
        times = []
        count = 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            count = rows.count()
            times.append((time.perf_counter() - started) * 1000)
        return {
            "count": count,
            "median_ms": round(statistics.median(times), 2),
            "scans": [line for line in plan if " SCAN " in f" {line.split(' ', 2)[2]}"],
            "plan": plan,
        }

    def joined(model: Any, region: list[str], unit: list[str], filters: Any = None) -> Any:
        condition = Q()
        for path, rels in ((user.scope_region_path, region), (user.scope_unit_path, unit)):
            if not path:
                continue
            for rel in rels:
                prefix = f"{rel}__path" if rel else "path"
                condition |= subtree_q(path, prefix) & Q(**(filters or {}).get(rel, {}))
        inner = model._base_manager.filter(condition).values("pk")
        return model._base_manager.filter(pk__in=inner)

    unit_path = user.scope_unit_path or ""
    units = Unit.objects.filter(subtree_q(unit_path)).values("pk")
    results: dict[str, Any] = {
        "user": user.username,
        "unit_path": unit_path,
        "region_path": user.scope_region_path,
        "rows": {
            "appeals": Appeal._base_manager.count(),
            "work_orders": WorkOrder._base_manager.count(),
        },
        "Appeal": {
            "joined": measure(
                joined(Appeal, ["region"], ["work_orders__unit", "reviews__reviewer_unit"])
            ),
            "semi": measure(Appeal.objects.visible_to(user)),
            "unit_in": measure(
                Appeal._base_manager.filter(
                    Q(pk__in=WorkOrder._base_manager.filter(unit_id__in=units).values("appeal_id"))
                )
            ),
        },
        "WorkOrder": {
            "semi": measure(WorkOrder.objects.visible_to(user)),
        },
    }
    user = street
    results["volunteer_user"] = street.username
    results["Volunteer"] = {
        "joined": measure(
            joined(
                Volunteer,
                ["region"],
                ["memberships__team__unit"],
                {"memberships__team__unit": {"memberships__left_at": None}},
            )
        ),
        "semi": measure(Volunteer.objects.visible_to(street)),
    }
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
