"""The rollup rows carry their region's path (``region_path``) and the cockpit limits them
by a range of it: the path is right after ``sync`` and ``rebuild``, follows a region move
in the move's own transaction (``core.tree.register_path_copy``), and stays right when a
later sync rewrites the day; the figures of a district, a street and the whole tree equal
the direct query (which joins the region's current path) before and after a move; and the
district's rollup query reads neither the region table nor a list of region ids."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.accounts.models import User
from shegong.appeals import rollup
from shegong.appeals.cockpit import open_now, stats, where
from shegong.appeals.filters import counted_q
from shegong.appeals.models import Appeal, AppealDayStat, AppealMonthStat
from shegong.appeals.services.common import bump
from shegong.core.panels import Figure
from shegong.core.tree import subtree_q
from shegong.regions import services as regions
from shegong.regions.models import Region

from ..query import build_query, read_filters
from .conftest import MakeAppeal, at
from .test_cockpit_scope import NOW, figures, kpi

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db

PERIODS = {
    "days": {"start": "2026-03-01", "end": "2026-03-20"},
    # whole months from the month table, the edge days from the day table
    "year": {"start": "2025-03-15", "end": "2026-03-20"},
}
PERSONAS = ["leader", "district_leader", "street_north", "street_south"]


@pytest.fixture
def placed(world: World, make_appeal: MakeAppeal) -> None:
    for when, region in [
        (at(2026, 3, 2, 9), world.north_one),
        (at(2026, 3, 3, 9), world.south_one),
        (at(2026, 3, 3, 10), world.south_one),
        (at(2026, 3, 5, 9), world.south),
        (at(2026, 3, 9, 9), world.district_b),
        (at(2025, 6, 3, 9), world.south_one),
        (at(2025, 11, 20, 9), world.north_one),
        (at(2025, 3, 16, 9), world.district),
    ]:
        make_appeal(now=when, region_id=region.pk)
    rollup.sync()


def wrong_paths() -> list[tuple[str, int, str]]:
    """Rollup rows whose ``region_path`` is not their region's current path."""
    current = dict(Region.objects.values_list("pk", "path"))
    out = []
    for model in (AppealDayStat, AppealMonthStat):
        for pk, region_id, path in model.objects.values_list("pk", "region_id", "region_path"):
            if current[region_id] != path:
                out.append((model.__name__, pk, path))
    return out


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # the region (and its path) as it is now


def direct(user: User, period: dict[str, str]) -> Counter[str]:
    """Registered appeals of the period per path of the region, straight from the appeals
    (the region's current path by the join)."""
    root = user.scope_region_path or "/"
    start = [int(x) for x in period["start"].split("-")]
    end = [int(x) for x in period["end"].split("-")]
    rows = (
        Appeal.objects.visible_to(user)
        .filter(counted_q(), subtree_q(root, "region__path"))
        .filter(registered_at__gte=at(*start), registered_at__lt=at(*end, 23, 59, 59))
        .values_list("region__path", flat=True)
    )
    return Counter(rows)


def bars(figs: dict[str, Figure]) -> dict[str, float]:
    return {p.label: p.value for p in figs["appeals.by_region"].series[0].points}


def direct_bars(user: User, period: dict[str, str]) -> dict[str, float]:
    """The direct counts rolled up to the next level below the user's region."""
    root = user.scope_region_path or "/"
    depth = root.count("/") - 1
    names = dict(Region.objects.values_list("path", "name"))
    out: Counter[str] = Counter()
    for path, n in direct(user, period).items():
        parts = path.strip("/").split("/")
        out[names["/" + "/".join(parts[: min(depth + 1, len(parts))]) + "/"]] += n
    return dict(out)


def assert_figures_equal_the_direct_query(world: World) -> None:
    for persona in PERSONAS:
        user = fresh(getattr(world, persona))
        for name, period in PERIODS.items():
            figs = figures(user, period)
            expected = direct(user, period)
            assert kpi(figs, "登记件数") == sum(expected.values()), (persona, name)
            assert bars(figs) == direct_bars(user, period), (persona, name)


@time_machine.travel(NOW, tick=False)
def test_sync_writes_each_rows_region_path(world: World, placed: None) -> None:
    assert AppealDayStat.objects.exists()
    assert AppealMonthStat.objects.exists()
    assert wrong_paths() == []


@time_machine.travel(NOW, tick=False)
def test_rebuild_writes_each_rows_region_path(world: World, placed: None) -> None:
    rollup.rebuild()
    assert AppealDayStat.objects.exists()
    assert wrong_paths() == []
    rollup.rebuild_days([at(2026, 3, 3).date()])  # the day-by-day path of a rebuild
    assert wrong_paths() == []


@time_machine.travel(NOW, tick=False)
def test_the_rows_follow_a_region_move(world: World, placed: None) -> None:
    regions.move_region(
        actor=world.root, region_id=world.south.pk, new_parent_id=world.district_b.pk
    )
    assert wrong_paths() == []
    # a later sync that rewrites a moved region's day keeps the moved path
    appeal = Appeal.objects.filter(region=world.south_one).first()
    assert appeal is not None
    bump(appeal, ["title"])
    rollup.sync(now=NOW)
    assert wrong_paths() == []


@time_machine.travel(NOW, tick=False)
def test_figures_equal_the_direct_query_before_and_after_moves(world: World, placed: None) -> None:
    assert_figures_equal_the_direct_query(world)
    # a community to the other street of the district
    regions.move_region(
        actor=world.root, region_id=world.south_one.pk, new_parent_id=world.north.pk
    )
    assert_figures_equal_the_direct_query(world)
    # a street to the other district
    regions.move_region(
        actor=world.root, region_id=world.south.pk, new_parent_id=world.district_b.pk
    )
    assert_figures_equal_the_direct_query(world)


@time_machine.travel(NOW, tick=False)
def test_a_districts_rollup_query_reads_no_region(world: World, placed: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan (PostgreSQL: bench/README.md)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = fresh(world.district_leader)
    query = build_query(user, read_filters(user, PERIODS["days"]))
    sql, params = stats(query, query.start, query.end).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert Region._meta.db_table not in plan, plan
    assert "SUBQUERY" not in plan, plan
    assert "LIST" not in plan, plan
    assert "region_id" not in str(where(query))


# sqlite_stat1 of the metro world with 1,000,000 appeals (bench/README.md): ~900 day rows a
# day and ~22,000 month rows a month against ~100 rows of one region's path.
METRO_STATS = [
    ("appeals_appealdaystat", "appeal_day_stat_path", "992051 125 1 1 1 1 1 1 1"),
    ("appeals_appealdaystat", "appeal_day_stat_region", "992051 125 1"),
    ("appeals_appealdaystat", "sqlite_autoindex_appeals_appealdaystat_1", "992051 906 1 1"),
    ("appeals_appealmonthstat", "appeal_month_stat_path", "788409 99 3 1 1 1 1 1 1"),
    ("appeals_appealmonthstat", "appeal_month_stat_region", "788409 99 3"),
    ("appeals_appealmonthstat", "sqlite_autoindex_appeals_appealmonthstat_1", "788409 21901 3 1"),
    ("appeals_appealmonthstat", "appeal_month_stat_open", "4888 3 1"),
]


def _metro_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "DELETE FROM sqlite_stat1"
            " WHERE tbl IN ('appeals_appealdaystat', 'appeals_appealmonthstat')"
        )
        cursor.executemany("INSERT INTO sqlite_stat1 VALUES (%s, %s, %s)", METRO_STATS)
        cursor.execute("ANALYZE sqlite_schema")  # reload the statistics


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("persona", ["leader", "district_leader"])
def test_open_now_reads_only_the_rows_with_open_appeals(
    world: World, placed: None, persona: str
) -> None:
    """当前在办 sums ``open`` over every month: with the statistics of a metro city it reads
    the partial index of the rows with open appeals, for the whole tree and for a district."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan (PostgreSQL: bench/README.md)")
    _metro_statistics()
    user = fresh(getattr(world, persona))
    query = build_query(user, read_filters(user, PERIODS["days"]))
    with CaptureQueriesContext(connection) as ctx:
        open_now(query)
    sql = ctx.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "appeal_month_stat_open" in plan, plan


@time_machine.travel(NOW, tick=False)
def test_a_streets_year_reads_its_path_range_not_every_regions_months(
    world: World, placed: None
) -> None:
    """With the statistics of a metro city, a street's whole months are read through the
    path index, not through the month index (every region's rows of the year: 37 ms against
    0.3 on that world). (Its edge days may still take the day index: ~15,000 rows.)"""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan (PostgreSQL: bench/README.md)")
    _metro_statistics()
    user = fresh(world.street_north)
    query = build_query(user, read_filters(user, PERIODS["year"]))
    months = rollup.period_parts(query.start, query.end, where(query))[-1]
    sql, params = months.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "appeal_month_stat_path" in plan, plan
