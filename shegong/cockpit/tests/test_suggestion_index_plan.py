"""The 人民建议 panel's count reads a suggestions' covering partial index only (migrations
appeals 0023 and 0025): at 5,000,000 appeals PostgreSQL read one heap page per suggestion
through the earlier (region, registered_at) index, ~0.9 s for a year (bench/README.md,
cockpit.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.core.panels import panel
from shegong.suggestions.tests.conftest import Builder, at

from ..query import build_query, read_filters

if TYPE_CHECKING:
    from conftest import World

pytestmark = [
    pytest.mark.django_db,
    # SQLite's plan on a test database follows its tiny statistics (the stream index); the
    # equality of the panel with the direct query runs on both (test_suggestions_panel.py)
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner"),
]


def city_count_sql(world: World, period: dict[str, str]) -> str:
    """Two suggestions, then the SQL of the city leader's 人民建议 count for ``period``."""
    b = Builder(world)
    for day in (5, 9):
        b.suggestion(now=at(2026, 3, day, 9), region_id=world.north_one.pk)
    user = world.leader
    query = build_query(user, read_filters(user, period))
    provider = panel("suggestions")
    assert provider is not None
    with CaptureQueriesContext(connection) as ctx:
        provider.figures(query)
    counts = [q["sql"] for q in ctx.captured_queries if 'AS "total"' in q["sql"]]
    assert len(counts) == 1
    return counts[0]


def _count_plan(world: World) -> str:
    sql = city_count_sql(world, {"start": "2026-03-01", "end": "2026-04-20"})
    with connection.cursor() as cursor:
        # a test table is tiny: make the planner choose among the indexes only
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


@time_machine.travel(at(2026, 4, 20, 10), tick=False)
def test_the_suggestion_count_is_answered_from_the_covering_index(world: World) -> None:
    plan = _count_plan(world)
    # the city leader's (no region condition): the suggestions by time (appeals 0025), an
    # index-only scan with the period as its condition; a region's viewer reads
    # appeal_suggestion_covering, which leads with the region
    assert "Index Only Scan using appeal_suggestion_period" in plan, plan
