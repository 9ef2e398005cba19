"""The 两新 coverage and volunteer panels: each figure equals the raw rows in the viewer's
scope, and its link lists exactly those rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.test import RequestFactory

from shegong.accounts.models import User
from shegong.core.panels import Figure, panel
from shegong.core.tree import subtree_q
from shegong.organizations.filters import EntityFilterSet
from shegong.organizations.models import Entity
from shegong.organizations.services import entities as entity_services
from shegong.organizations.testing import credit_code
from shegong.regions.models import Region
from shegong.volunteers.filters import HoursFilterSet
from shegong.volunteers.models import HoursEntry
from shegong.volunteers.services.ledger import record_hours
from shegong.volunteers.tests.conftest import Kit

from ..query import build_query, read_filters
from .conftest import at

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 20, 10)
PERIOD = {"start": "2026-03-01", "end": "2026-03-20"}


def figures(key: str, user: User) -> dict[str, Figure]:
    provider = panel(key)
    assert provider is not None
    return {f.key: f for f in provider.figures(build_query(user, read_filters(user, PERIOD)))}


def kpi(figs: dict[str, Figure], key: str, label: str) -> float:
    return next(p.value for p in figs[key].series[0].points if p.label == label)


@pytest.fixture
def entities(world: World) -> None:
    west_one = Region.objects.get(code="339902001001")
    for seq, region in enumerate([world.north_one, world.south_one, west_one]):
        entity_services.create_entity(
            actor=world.dept_admin,
            credit_code=credit_code(seq + 1),
            name=f"示范科技有限公司{seq}",
            kind="enterprise",
            region_id=region.pk,
            industry="I",
            employees=5,
        )


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("persona", "expected"), [("leader", 3), ("district_leader", 2)])
def test_coverage_counts_the_entities_in_scope(
    world: World, entities: None, persona: str, expected: int
) -> None:
    user: User = getattr(world, persona)
    raw = (
        Entity.objects.visible_to(user)
        .filter(is_active=True)
        .filter(subtree_q(user.region.path if user.region else "/", "region_path"))
        .count()
    )
    assert (kpi(figures("organizations", user), "organizations.kpi", "两新组织"), raw) == (
        expected,
        expected,
    )


@time_machine.travel(NOW, tick=False)
def test_coverage_gap_links_to_exactly_the_uncovered_entities(world: World, entities: None) -> None:
    user = world.district_leader
    point = next(
        p
        for p in figures("organizations", user)["organizations.kpi"].series[0].points
        if p.label == "两个覆盖空白"
    )
    assert point.url is not None
    request = RequestFactory().get(point.url)
    request.user = user
    listed = EntityFilterSet(request.GET, queryset=Entity.objects.visible_to(user)).qs.count()
    assert (listed, point.value) == (2, 2)


@pytest.fixture
def hours(world: World) -> Kit:
    kit = Kit(world)
    for region, amount, day in [
        (world.north_one, "2.5", 3),
        (world.north_one, "3", 5),
        (world.south_one, "4", 6),
        (world.district_b, "1", 7),
        (world.north_one, "8", 25),  # after the period
    ]:
        volunteer = kit.volunteer(region=region, actor=world.dept_admin)
        record_hours(
            actor=world.dept_admin,
            volunteer_id=volunteer.pk,
            hours=Decimal(amount),
            service_date=date(2026, 2 if day == 25 else 3, day),
            title="社区环境整治",
            organizer="北一社区",
            region_id=region.pk,
        )
    return kit


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("persona", "expected"), [("leader", 10.5), ("district_leader", 9.5)])
def test_volunteer_hours_in_scope(world: World, hours: Kit, persona: str, expected: float) -> None:
    user: User = getattr(world, persona)
    figs = figures("volunteers", user)
    assert kpi(figs, "volunteers.kpi", "服务时长（小时）") == expected


@time_machine.travel(NOW, tick=False)
def test_volunteer_region_bar_lists_exactly_its_entries(world: World, hours: Kit) -> None:
    user = world.district_leader
    for point in figures("volunteers", user)["volunteers.by_region"].series[0].points:
        assert point.url is not None
        request = RequestFactory().get(point.url)
        listed = HoursFilterSet(request.GET, queryset=HoursEntry.objects.visible_to(user)).qs
        assert float(sum(e.hours for e in listed)) == point.value
