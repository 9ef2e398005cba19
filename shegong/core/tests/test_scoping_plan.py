"""SQLite plan of a handler's appeal scope: driven from the unit path index, no appeal scan.

The planner's statistics are those of a large, skewed city (a million appeals and work
orders, a few hundred units), written into ``sqlite_stat1`` after ``ANALYZE`` and loaded
with ``ANALYZE sqlite_schema`` (SQLite documents this way of giving the planner
statistics), so the test needs no million rows. The joined form ``visible_to`` built
before issue 13 is planned under the same statistics and does scan the appeals: the test
would fail if the semi-joins fell back to it.
"""

from __future__ import annotations

import pytest
from django.db import connection, models

from shegong.appeals.models import Appeal
from shegong.core.tree import subtree_q

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite planner statistics"),
]

ROWS = {
    "appeals_appeal": 1_000_000,
    "appeals_workorder": 1_000_000,
    "appeals_review": 20_000,
    "appeals_appeal_accused_units": 2_000,
    "units_unit": 400,
    "regions_region": 3_000,
}
# Rows per distinct value of an index's first column, where it is not about 1.
PER_VALUE = {
    ("appeals_workorder", "unit_id"): 2_500,  # skewed: some units hold far more
    ("appeals_review", "reviewer_unit_id"): 50,
    ("appeals_appeal_accused_units", "unit_id"): 5,
}


def _city_sized_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1")
        for table, rows in ROWS.items():
            cursor.execute("INSERT INTO sqlite_stat1 VALUES (%s, NULL, %s)", [table, str(rows)])
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table]
            )
            for (index,) in cursor.fetchall():
                cursor.execute(f'PRAGMA index_info("{index}")')
                columns = [row[2] for row in cursor.fetchall()]
                per = [str(PER_VALUE.get((table, columns[0]), 1))] + ["1"] * (len(columns) - 1)
                stat = " ".join([str(rows), *per])
                cursor.execute("INSERT INTO sqlite_stat1 VALUES (%s, %s, %s)", [table, index, stat])
        cursor.execute("ANALYZE sqlite_schema")


def _plan(rows: models.QuerySet[Appeal]) -> list[str]:
    sql, params = rows.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [str(row[3]) for row in cursor.fetchall()]


def _joined_form(unit_path: str) -> models.QuerySet[Appeal]:
    condition = subtree_q(unit_path, "work_orders__unit__path") | subtree_q(
        unit_path, "reviews__reviewer_unit__path"
    )
    return Appeal._base_manager.filter(pk__in=Appeal._base_manager.filter(condition).values("pk"))


def test_the_handler_appeal_scope_does_not_scan_the_appeals(world) -> None:
    _city_sized_statistics()
    plan = _plan(Appeal.objects.visible_to(world.handler_unit_a))
    assert [line for line in plan if line.startswith("SCAN")] == []


def test_the_handler_appeal_scope_starts_from_the_work_order_unit_index(world) -> None:
    _city_sized_statistics()
    plan = _plan(Appeal.objects.visible_to(world.handler_unit_a))
    assert any("USING INDEX appeals_workorder_unit_id" in line for line in plan)


def test_the_joined_form_scanned_the_appeals_under_the_same_statistics(world) -> None:
    # The reference point: without the semi-joins the planner reads every appeal.
    _city_sized_statistics()
    plan = _plan(_joined_form(world.unit_a.path))
    assert any(line.startswith("SCAN U0") for line in plan)
