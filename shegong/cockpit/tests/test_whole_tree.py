"""A viewer whose region is the whole tree (the city leader) reads the rollup without a
region condition — at metro size that condition was an IN list of 168,337 region ids built
for every query of the panel (2.7 s for the 30-day appeals panel) — and the figures stay
those of the scope, also when a second root region exists."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import time_machine

from shegong.accounts.models import User
from shegong.appeals import rollup
from shegong.appeals.cockpit import where
from shegong.regions import services as regions

from ..query import build_query, read_filters
from .conftest import MakeAppeal
from .test_cockpit_scope import NOW, PERIOD, figures, kpi, raw_count

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db


def _where(user: User) -> str:
    return str(where(build_query(user, read_filters(user, PERIOD))))


def test_the_city_leaders_rollup_rows_need_no_region_condition(world: World) -> None:
    assert "region" not in _where(world.leader)


def test_a_district_leaders_rollup_rows_keep_the_region_condition(world: World) -> None:
    assert "region_path__gte" in _where(world.district_leader)


@time_machine.travel(NOW, tick=False)
def test_a_second_root_keeps_the_city_leader_to_the_city(
    world: World, make_appeal: MakeAppeal
) -> None:
    other = regions.create_region(actor=world.root, code="339800", name="邻市", level=1)
    make_appeal(now=NOW, region_id=world.north_one.pk)
    make_appeal(now=NOW, region_id=other.pk)
    rollup.sync()
    assert kpi(figures(world.leader), "登记件数") == raw_count(world.leader)
