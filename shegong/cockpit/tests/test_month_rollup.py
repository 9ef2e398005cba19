"""The month rollup: a period cut into whole months and edge days covers exactly its days;
the month rows equal the sums of their day rows after late corrections; a long period's
figures (per month, by category, by region, totals) equal the direct query."""

from __future__ import annotations

import datetime
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.db.models import Q
from hypothesis import given
from hypothesis import strategies as st

from shegong.appeals import rollup
from shegong.appeals.choices import OPEN_APPEAL_STATES
from shegong.appeals.cockpit import DAILY_UP_TO_DAYS
from shegong.appeals.filters import counted_q
from shegong.appeals.models import Appeal, AppealDayStat, AppealMonthStat
from shegong.appeals.services.common import bump
from shegong.core.panels import Figure, panel

from ..query import build_query, read_filters
from .conftest import MakeAppeal, at

if TYPE_CHECKING:
    from conftest import World
    from shegong.accounts.models import User

days = st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2027, 12, 31))


def covered(period: rollup.Period) -> list[datetime.date]:
    out = []
    for lo, hi in period["days"]:
        out += [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
    if period["months"] is not None:
        month, last = period["months"]
        while month <= last:
            nxt = rollup.next_month(month)
            out += [month + timedelta(days=i) for i in range((nxt - month).days)]
            month = nxt
    return sorted(out)


@given(start=days, length=st.integers(0, 800))
def test_a_split_period_covers_each_of_its_days_once(start: datetime.date, length: int) -> None:
    end = start + timedelta(days=length)
    assert covered(rollup.split(start, end)) == [
        start + timedelta(days=i) for i in range(length + 1)
    ]


def test_a_period_of_whole_months_reads_no_days() -> None:
    assert rollup.split(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)) == {
        "months": (datetime.date(2026, 1, 1), datetime.date(2026, 12, 1)),
        "days": [],
    }


db = pytest.mark.django_db
NOW = at(2026, 11, 20, 10)
YEAR = {"start": "2025-11-21", "end": "2026-11-20"}


@pytest.fixture
def history(world: World, make_appeal: MakeAppeal) -> list[Appeal]:
    made = []
    for month, day, region in [
        (2025, 11, world.north_one),  # before the period (day 10) and inside (day 25)
        (2026, 1, world.north_one),
        (2026, 1, world.south_one),
        (2026, 6, world.district_b),
        (2026, 11, world.north_one),
    ]:
        for d in (10, 25):
            made.append(make_appeal(now=at(month, day, d, 9), region_id=region.pk))
    made.append(make_appeal(now=at(2025, 1, 12, 9), region_id=world.north_one.pk))  # last year
    rollup.sync()
    return made


def month_rows_from_days() -> set[tuple[object, ...]]:
    rows = AppealDayStat.objects.values_list(
        "day", "region_id", "category", "registered", "open", "closed"
    )
    sums: Counter[tuple[object, ...]] = Counter()
    for day, region, category, registered, open_, closed in rows:
        key = (day.replace(day=1), region, category)
        sums[(*key, "r")] += registered
        sums[(*key, "o")] += open_
        sums[(*key, "c")] += closed
    return {(*k, v) for k, v in sums.items() if v}


def month_rows() -> set[tuple[object, ...]]:
    out: set[tuple[object, ...]] = set()
    for month, region, category, registered, open_, closed in AppealMonthStat.objects.values_list(
        "month", "region_id", "category", "registered", "open", "closed"
    ):
        for tag, value in (("r", registered), ("o", open_), ("c", closed)):
            if value:
                out.add((month, region, category, tag, value))
    return out


@db
@time_machine.travel(NOW, tick=False)
def test_month_rows_are_the_sums_of_their_days_after_a_correction(
    world: World, history: list[Appeal]
) -> None:
    moved = history[2]
    moved.region = world.south_one
    moved.category_l1 = "环境保护"
    bump(moved, ["region", "category_l1"])
    rollup.sync()
    assert month_rows() == month_rows_from_days()


@db
@time_machine.travel(NOW, tick=False)
def test_rebuild_writes_the_same_month_rows(world: World, history: list[Appeal]) -> None:
    before = month_rows()
    rollup.rebuild()
    assert month_rows() == before


def figures(user: User) -> dict[str, Figure]:
    provider = panel("appeals")
    assert provider is not None
    return {f.key: f for f in provider.figures(build_query(user, read_filters(user, YEAR)))}


def direct(
    user: User, lo: datetime.datetime, hi: datetime.datetime, *, only_open: bool = False
) -> int:
    qs = Appeal.objects.visible_to(user).filter(counted_q())
    if only_open:
        qs = qs.filter(status__in=OPEN_APPEAL_STATES)
    assert user.region is not None
    qs = qs.filter(region__path__startswith=user.region.path)
    return qs.filter(registered_at__gte=lo, registered_at__lt=hi).count()


@db
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("persona", ["leader", "district_leader"])
def test_a_year_is_shown_per_month_summing_to_the_raw_count(
    world: World, history: list[Appeal], persona: str
) -> None:
    user: User = getattr(world, persona)
    points = figures(user)["appeals.by_day"].series[0].points
    assert (len(points), sum(p.value for p in points)) == (
        13,
        direct(user, at(2025, 11, 21), at(2026, 11, 21)),
    )


@db
@time_machine.travel(NOW, tick=False)
def test_a_partial_first_month_counts_only_its_days_in_the_period(
    world: World, history: list[Appeal]
) -> None:
    first = figures(world.leader)["appeals.by_day"].series[0].points[0]
    assert (first.label, first.value) == ("2025-11", 1)


@db
@time_machine.travel(NOW, tick=False)
def test_the_year_total_is_the_raw_count(world: World, history: list[Appeal]) -> None:
    kpis = figures(world.district_leader)["appeals.kpi"].series[0].points
    assert next(p.value for p in kpis if p.label == "登记件数") == direct(
        world.district_leader, at(2025, 11, 21), at(2026, 11, 21)
    )


@db
@time_machine.travel(NOW, tick=False)
def test_open_now_counts_every_open_appeal_in_scope(world: World, history: list[Appeal]) -> None:
    kpis = figures(world.district_leader)["appeals.kpi"].series[0].points
    assert next(p.value for p in kpis if p.label == "当前在办") == direct(
        world.district_leader, at(2020, 1, 1), at(2027, 1, 1), only_open=True
    )


@db
@time_machine.travel(NOW, tick=False)
def test_a_period_under_the_limit_stays_daily(world: World, history: list[Appeal]) -> None:
    start = NOW.date() - timedelta(days=DAILY_UP_TO_DAYS - 1)
    params = {"start": start.isoformat(), "end": NOW.date().isoformat()}
    provider = panel("appeals")
    assert provider is not None
    figs = provider.figures(build_query(world.leader, read_filters(world.leader, params)))
    by_day = next(f for f in figs if f.key == "appeals.by_day")
    assert len(by_day.series[0].points) == DAILY_UP_TO_DAYS


@db
@time_machine.travel(NOW, tick=False)
def test_edge_days_across_a_months_end_count_in_their_own_months(
    world: World, history: list[Appeal]
) -> None:
    """20 Oct – 15 Nov holds no whole month: one run of days, counted per its months."""
    counts = rollup.monthly(datetime.date(2026, 10, 20), datetime.date(2026, 11, 15), Q())
    assert counts.get(datetime.date(2026, 10, 1), 0) == 0
