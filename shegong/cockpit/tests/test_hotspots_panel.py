"""The cockpit's 诉求热点 panel: triage's last computation, for each role the hotspots whose
street lies in the role's region (what the hotspot scope gives a region-scoped user), shown
when the computation's day is in the period, narrowed by region and category."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import time_machine

from shegong.accounts.models import User
from shegong.core.panels import Figure, panel
from shegong.core.tree import subtree_q
from shegong.regions.models import Region
from shegong.reports.tests.conftest import at, maker
from shegong.triage import services
from shegong.triage.hotspots import compute_hotspots
from shegong.triage.models import Hotspot

from ..query import build_query, read_filters

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db

NOW = at(2026, 5, 6, 10)
PERIOD = {"start": "2026-05-01", "end": "2026-05-06"}
WAGES = {
    "title": "农民工工资被拖欠",
    "body": "我们在工地干了半年，施工单位拖欠农民工工资三个月，一直不发，请劳动部门帮忙追讨。",
}


@pytest.fixture
def hotspots(world: World) -> None:
    make = maker(world)
    west_one = Region.objects.get(code="339902001001")
    for region in (world.north_one, west_one):
        for minute in range(5):
            make(now=at(2026, 5, 6, 9, minute), region_id=region.pk, **WAGES)
    services.triage_pending(now=at(2026, 5, 6, 9, 30))
    compute_hotspots(now=NOW, notify_top=0)
    assert Hotspot.objects.count() >= 2


def figures(user: User, params: dict[str, str] | None = None) -> dict[str, Figure]:
    provider = panel("hotspots")
    assert provider is not None
    with time_machine.travel(NOW, tick=False):
        query = build_query(user, read_filters(user, params or PERIOD))
        return {f.key: f for f in provider.figures(query)}


def shown(user: User, params: dict[str, str] | None = None) -> dict[str, float]:
    return {p.label: p.value for p in figures(user, params)["hotspots.counts"].series[0].points}


def direct(user: User) -> dict[str, float]:
    assert user.region is not None
    rows = Hotspot.objects.filter(subtree_q(user.region.path, "region__path"))
    return {f"{h.place}·{h.label}": float(h.count) for h in rows}


@pytest.mark.parametrize(
    ("persona", "places"),
    [
        ("leader", {"北街道", "西一街道"}),
        ("district_leader", {"北街道"}),
        ("street_north", {"北街道"}),
        ("street_south", set()),
    ],
)
def test_each_role_sees_the_hotspots_of_its_region(
    world: World, hotspots: None, persona: str, places: set[str]
) -> None:
    user = getattr(world, persona)
    counts = shown(user)
    assert counts == direct(user)
    assert {label.split("·")[0] for label in counts} == places
    table = figures(user)["hotspots.table"]
    assert [s.name for s in table.series] == list(counts)
    linked = {p.label for s in table.series for p in s.points if p.url is not None}
    assert linked <= {"近7天件数"}  # the counts open their appeals (test_hotspot_drill.py)


def test_a_period_without_the_computation_day_shows_none(world: World, hotspots: None) -> None:
    before = {"start": "2026-04-01", "end": "2026-04-30"}
    assert shown(world.leader, before) == {}
    assert figures(world.leader, before)["hotspots.table"].as_of is None
    assert figures(world.leader)["hotspots.table"].as_of == NOW


def test_region_and_category_filters_narrow_the_hotspots(world: World, hotspots: None) -> None:
    chosen = {**PERIOD, "region": str(world.district_b.pk)}
    assert set(shown(world.leader, chosen)) == {
        f"{h.place}·{h.label}"
        for h in Hotspot.objects.filter(region__path__startswith=world.district_b.path)
    }
    label = Hotspot.objects.values_list("label", flat=True).first()
    assert set(shown(world.leader, {**PERIOD, "category": f"{label}"})) == {
        f"{h.place}·{h.label}" for h in Hotspot.objects.filter(label=label)
    }
    assert shown(world.leader, {**PERIOD, "category": "没有这个类别"}) == {}
