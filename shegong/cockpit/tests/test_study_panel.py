"""The cockpit's 理论学习 panel: for each role the members' study hours equal the direct sum
over the study records the role may see, inside its region and the period (by 学习日期);
cadres' own learning is not members' study."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.db.models import Count, Sum

from shegong.accounts.models import User
from shegong.core.panels import Figure, panel
from shegong.core.tree import subtree_q
from shegong.organizations.services import orgs
from shegong.regions.models import Region
from shegong.study.models import StudyRecord
from shegong.study.services import plans
from shegong.study.testing import make_member
from shegong.study.tests.conftest import StudyKit, kit

from ..query import build_query, read_filters

if TYPE_CHECKING:
    from conftest import World

__all__ = ["kit"]  # the study tests' two branches and their members

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 20)
PERIOD = {"start": "2026-03-01", "end": "2026-04-20"}


@pytest.fixture
def studied(world: World, kit: StudyKit) -> None:
    west = orgs.create_organization(
        actor=world.root,
        code="S-W1",
        name="西一社区党支部",
        kind="branch",
        region_id=Region.objects.get(code="339902001001").pk,
        formal_members=3,
    )
    west_member = make_member(west, name="西0")
    plan = [
        (kit.north_members[0], date(2026, 3, 2), "online", "2.5"),
        (kit.north_members[0], date(2026, 4, 3), "self", "1.0"),
        (kit.north_members[1], date(2026, 3, 9), "training", "4.0"),
        (kit.north_members[1], date(2026, 2, 27), "training", "8.0"),  # before the period
        (kit.south_members[0], date(2026, 3, 15), "online", "3.0"),
        (west_member, date(2026, 4, 1), "self", "6.0"),
    ]
    with time_machine.travel(TODAY, tick=False):
        for member, on, kind, hours in plan:
            plans.add_record(
                actor=world.dept_admin,
                kind=kind,
                title="学习党的二十届全会精神",
                studied_on=on,
                hours=Decimal(hours),
                member_id=member.pk,
            )
        # A department cadre's own learning (not a member's): never counted.
        plans.add_record(
            actor=world.dept_admin,
            kind="self",
            title="自学",
            studied_on=date(2026, 3, 3),
            hours=Decimal("5.0"),
            user_id=world.dept_admin.pk,
        )


def figures(user: User, params: dict[str, str] | None = None) -> dict[str, Figure]:
    provider = panel("study")
    assert provider is not None
    with time_machine.travel(TODAY, tick=False):
        query = build_query(user, read_filters(user, params or PERIOD))
        return {f.key: f for f in provider.figures(query)}


def kpi(user: User) -> dict[str, float]:
    return {p.label: p.value for p in figures(user)["study.kpi"].series[0].points}


def direct(user: User, region: Region | None = None) -> tuple[float, int]:
    root = region or user.region
    assert root is not None
    rows = StudyRecord.objects.visible_to(user).filter(
        subtree_q(root.path, "member__organization__region__path"),
        member__isnull=False,
        studied_on__gte=date(2026, 3, 1),
        studied_on__lte=TODAY,
    )
    totals = rows.aggregate(h=Sum("hours"), n=Count("member", distinct=True))
    return float(totals["h"] or 0), int(totals["n"] or 0)


@pytest.mark.parametrize(
    ("persona", "hours", "people"),
    [("leader", 16.5, 4), ("district_leader", 10.5, 3), ("street_north", 7.5, 2)],
)
def test_study_hours_equal_the_direct_sum_per_role(
    world: World, studied: None, persona: str, hours: float, people: int
) -> None:
    user = getattr(world, persona)
    shown = kpi(user)
    assert (shown["学习时长（学时）"], shown["参学党员（人）"]) == (hours, people)
    assert (hours, people) == direct(user)
    assert shown["人均学时"] == round(hours / people, 1)


def test_by_region_and_by_kind_add_up_to_the_total(world: World, studied: None) -> None:
    figs = figures(world.district_leader)
    by_region = {p.label: p.value for p in figs["study.by_region"].series[0].points}
    assert by_region == {"北街道": direct(world.leader, world.north)[0], "南街道": 3.0}
    by_kind = {p.label: p.value for p in figs["study.by_kind"].series[0].points}
    assert by_kind == {"集中培训": 4.0, "网络学习": 5.5, "个人自学": 1.0}


def test_the_region_filter_and_the_period_narrow_the_figures(world: World, studied: None) -> None:
    chosen = {"start": "2026-04-01", "end": "2026-04-20", "region": str(world.district_b.pk)}
    shown = {p.label: p.value for p in figures(world.leader, chosen)["study.kpi"].series[0].points}
    assert (shown["学习时长（学时）"], shown["参学党员（人）"]) == (6.0, 1)
