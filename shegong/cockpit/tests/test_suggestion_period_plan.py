"""For the whole tree (the city leader: no region condition) the 人民建议 panel's count seeks
the suggestions' period index (migration appeals 0025) instead of reading every appeal of
the period through ``registered_at``: with the statistics of the metro world with 1,000,000
appeals SQLite took the latter (305 ms against 26, bench/README.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import time_machine
from django.db import connection

from shegong.suggestions.tests.conftest import at

from .test_suggestion_index_plan import city_count_sql

if TYPE_CHECKING:
    from conftest import World

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="SQLite's plan (PostgreSQL: test_suggestion_index_plan.py)",
    ),
]

# sqlite_stat1 of appeals_appeal on the metro world with 1,000,000 appeals (40,400 人民建议).
METRO_STATS = [
    ("appeal_suggestion_covering", "40400 6 1 1 1 1"),
    ("appeal_suggestion_period", "40400 1 1 1 1"),
    ("appeals_appeal_registered_at_d94764a7", "1000000 1"),
    ("appeals_appeal_region_id_97857b0d", "1000000 125"),
    ("appeals_appeal_stream_d800e54b", "1000000 333334"),
    ("appeals_app_region__3a501a_idx", "1000000 125 1"),
    ("sqlite_autoindex_appeals_appeal_1", "1000000 1"),
]


@time_machine.travel(at(2026, 4, 20, 10), tick=False)
def test_the_city_leaders_suggestion_count_seeks_the_period_index(world: World) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'appeals_appeal'")
        cursor.executemany(
            "INSERT INTO sqlite_stat1 VALUES ('appeals_appeal', %s, %s)", METRO_STATS
        )
        cursor.execute("ANALYZE sqlite_schema")  # reload the statistics
    sql = city_count_sql(world, {"start": "2025-04-20", "end": "2026-04-20"})
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "appeal_suggestion_period" in plan, plan
