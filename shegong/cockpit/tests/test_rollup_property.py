"""The appeals rollup equals the direct query over random data, including late corrections
(reclassified, merged, rejected, closed and reopened, moved to another region), through the
services and their write primitive (``services.common.bump``)."""

from __future__ import annotations

import datetime
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from shegong.appeals import rollup
from shegong.appeals.choices import AppealKind, AppealStatus
from shegong.appeals.models import Appeal, AppealDayStat, AppealMonthStat
from shegong.appeals.services import merge
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.common import bump

from .conftest import MakeAppeal, at

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db

CATEGORIES = ["城乡建设", "环境保护", "党务政务"]
KINDS = [AppealKind.HL_COMPLAINT, AppealKind.HL_HELP, AppealKind.XF_ACCUSATION]
START = at(2026, 3, 1, 8)

create = st.tuples(
    st.just("create"),
    st.integers(0, 20),  # day offset; 0..20 crosses midnight in Beijing with the hour below
    st.integers(0, 3),  # region
    st.sampled_from(KINDS),
    st.booleans(),  # group
)
correct = st.tuples(
    st.sampled_from(["category", "merge", "reject", "close", "reopen", "move"]),
    st.integers(0, 50),  # which appeal
    st.integers(0, 50),  # a second appeal / a category / a region
)
Create = tuple[str, int, int, str, bool]
Correct = tuple[str, int, int]
Step = Create | Correct
Row = tuple[datetime.date, int, str, int, int, int, int, int]
program = st.lists(st.one_of(create, correct), min_size=3, max_size=25)


def rows_of_rollup() -> set[Row]:
    return set(
        AppealDayStat.objects.values_list(
            "day", "region_id", "category", "registered", "open", "closed", "group", "headcount"
        )
    )


def rows_of_direct() -> set[Row]:
    return {
        (
            r["day"],
            r["region_id"],
            r["category_l1"],
            r["n"],
            r["n_open"],
            r["n_closed"],
            r["n_group"],
            r["n_headcount"] or 0,
        )
        for r in rollup.aggregate(Appeal.objects.all())
    }


def run(world: World, make_appeal: MakeAppeal, step: Step, moment: datetime.datetime) -> None:
    regions = [world.north_one, world.south_one, world.district_b, world.north]
    appeals = list(Appeal.objects.order_by("pk"))
    if len(step) == 5:
        _, day, region, kind, group = step
        appeal = make_appeal(
            now=START + timedelta(days=day, hours=(day * 7) % 17),
            region_id=regions[region].pk,
            kind=kind,
        )
        if group:  # 集体访 (its representatives are the intake's business, not the count's)
            appeal.is_group, appeal.headcount = True, 6
            bump(appeal, ["is_group", "headcount"])
        return
    if not appeals:
        return
    assert len(step) == 3
    action, which, other = step
    appeal = appeals[which % len(appeals)]
    dispatcher = world.dispatcher
    if action == "category":
        wf.set_category(
            actor=dispatcher, appeal_id=appeal.pk, category_l1=CATEGORIES[other % 3], now=moment
        )
    elif action == "merge":
        dup = appeals[other % len(appeals)]
        open_states = {AppealStatus.REGISTERED, AppealStatus.ACCEPTED}
        if dup.pk != appeal.pk and {appeal.status, dup.status} <= open_states:
            merge.merge_appeals(
                actor=dispatcher, lead_id=appeal.pk, duplicate_ids=[dup.pk], reason="同一事项"
            )
    elif action == "reject" and appeal.status == AppealStatus.REGISTERED:
        wf.reject_appeal(actor=dispatcher, appeal_id=appeal.pk, reason="不属于受理范围", now=moment)
    elif action == "close":
        appeal.status = AppealStatus.CLOSED
        bump(appeal, ["status"])
    elif action == "reopen" and appeal.status == AppealStatus.CLOSED:
        appeal.status = AppealStatus.DISPATCHED  # a late correction: 重办
        bump(appeal, ["status"])
    elif action == "move":
        appeal.region = regions[other % len(regions)]
        bump(appeal, ["region"])


@settings(
    max_examples=12,
    deadline=None,
    # No shrinking: each example runs the services against the database (minutes to shrink).
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=program, later=program)
def test_rollup_equals_direct_query_after_late_corrections(
    world: World, make_appeal: MakeAppeal, first: list[Step], later: list[Step]
) -> None:
    with time_machine.travel(at(2026, 3, 25, 9), tick=False) as clock:
        for step in first:
            run(world, make_appeal, step, at(2026, 3, 25, 9))
        rollup.sync()
        clock.move_to(at(2026, 3, 26, 9))
        for step in later:
            run(world, make_appeal, step, at(2026, 3, 26, 9))
        rollup.sync()
        assert rows_of_rollup() == rows_of_direct()


@time_machine.travel(at(2026, 3, 25, 9), tick=False)
def test_rebuild_equals_direct_query(world: World, make_appeal: MakeAppeal) -> None:
    # the set-based rebuild (one INSERT … SELECT): every column, groups with a headcount,
    # closed and categorised rows, two regions, days in several months
    for day in range(5):
        appeal = make_appeal(
            now=START + timedelta(days=day * 40, hours=day * 5),
            region_id=(world.south_one if day % 2 else world.north_one).pk,
        )
        appeal.category_l1 = CATEGORIES[day % 3]
        appeal.is_group, appeal.headcount = day % 2 == 0, 4 + day
        appeal.status = AppealStatus.CLOSED if day == 3 else appeal.status
        bump(appeal, ["category_l1", "is_group", "headcount", "status"])
    rollup.rebuild()
    assert rows_of_rollup() == rows_of_direct()


@time_machine.travel(at(2026, 3, 25, 9), tick=False)
def test_rebuild_month_rows_are_the_sums_of_the_day_rows(
    world: World, make_appeal: MakeAppeal
) -> None:
    for day in range(6):
        appeal = make_appeal(now=START + timedelta(days=day * 17), region_id=world.south_one.pk)
        appeal.is_group, appeal.headcount = True, 3
        bump(appeal, ["is_group", "headcount"])
    rollup.rebuild()
    sums: dict[tuple[datetime.date, int, str], list[int]] = {}
    for day, region, category, *counts in rows_of_rollup():
        row = sums.setdefault((day.replace(day=1), region, category), [0] * 5)
        row[:] = [a + b for a, b in zip(row, counts, strict=True)]
    months = set(
        AppealMonthStat.objects.values_list(
            "month", "region_id", "category", "registered", "open", "closed", "group", "headcount"
        )
    )
    assert months == {(*key, *counts) for key, counts in sums.items()}


@time_machine.travel(at(2026, 3, 25, 9), tick=False)
def test_sync_with_nothing_written_recomputes_nothing(
    world: World, make_appeal: MakeAppeal
) -> None:
    make_appeal(now=START)
    rollup.sync()
    with time_machine.travel(at(2026, 3, 25, 10), tick=False):
        rollup.sync()  # re-reads the last minutes before its mark (SLACK)
    with time_machine.travel(at(2026, 3, 25, 11), tick=False):
        assert (rollup.needs_sync(), rollup.sync()) == (False, 0)
