"""``CockpitQuery.whole_tree`` and ``core.panels.narrow``: a viewer whose region holds every
region (the city's leader) gets panels whose queries carry no region path range — at metro
size (168,337 regions) such a range, joined to the facts, was read region by region: the
volunteers panel 0.7–1.5 s, talent and serving ~0.1 s a query — while a district's queries
keep it, and a second root region keeps the city's leader to the city."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.core.panels import narrow, panels_for
from shegong.regions import services as regions

from ..query import build_query, read_filters
from .test_cockpit_scope import PERIOD

if TYPE_CHECKING:
    from conftest import World
    from shegong.accounts.models import User

pytestmark = pytest.mark.django_db

PATH_RANGE = '"regions_region"."path" >='
JOINED = 'INNER JOIN "regions_region"'


def _ranged_joins(sqls: list[str]) -> list[str]:
    """The queries joining facts to their regions to keep a path range."""
    return [sql for sql in sqls if PATH_RANGE in sql and JOINED in sql]


def _query(user: User):
    return build_query(user, read_filters(user, PERIOD))


def test_the_city_leaders_query_holds_the_whole_tree(world: World) -> None:
    assert _query(world.leader).whole_tree


def test_a_district_leaders_query_does_not(world: World) -> None:
    assert not _query(world.district_leader).whole_tree


def test_a_second_root_region_ends_the_whole_tree(world: World) -> None:
    regions.create_region(actor=world.root, code="339800", name="邻市", level=1)
    assert not _query(world.leader).whole_tree


def test_narrow_adds_nothing_for_the_whole_tree(world: World) -> None:
    assert not narrow(_query(world.leader), "region__path")


def test_narrow_keeps_a_district_to_its_subtree(world: World) -> None:
    assert narrow(_query(world.district_leader), "region__path")


@pytest.mark.parametrize("key", ["volunteers", "talent", "serving", "study", "compliance"])
def test_the_city_leaders_panel_reads_no_region_path_range(world: World, key: str) -> None:
    query = _query(world.leader)
    (panel,) = [p for p in panels_for(world.leader) if p.key == key]
    with CaptureQueriesContext(connection) as captured:
        panel.figures(query)
    assert not _ranged_joins([q["sql"] for q in captured.captured_queries])


def test_a_district_leaders_volunteers_panel_keeps_the_range(world: World) -> None:
    query = _query(world.district_leader)
    (panel,) = [p for p in panels_for(world.district_leader) if p.key == "volunteers"]
    with CaptureQueriesContext(connection) as captured:
        panel.figures(query)
    assert _ranged_joins([q["sql"] for q in captured.captured_queries])
