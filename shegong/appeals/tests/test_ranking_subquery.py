"""``monthly_ranking`` given the units as a queryset reads them as a subquery of its one
statement (the cockpit's city ranking had an IN list of ~16,000 unit ids: 0.67 s on SQLite)
and ranks exactly as with the list of their ids (the old call) — for the cockpit's units of
a region subtree and for the 三率考核 page's visible units."""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.appeals.models import UnitMonthStat
from shegong.appeals.services import assessment
from shegong.core.tree import subtree_q
from shegong.units import services as units
from shegong.units.models import Unit

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db

MONTH = date(2026, 3, 1)


@pytest.fixture
def stats(world: World) -> None:
    """Random counters for every unit, a few more units in the district's streets and
    communities, some units below the ranking's minimum of revisits."""
    for i, region in enumerate([world.north, world.north_one, world.south_one, world.district_b]):
        units.create_unit(
            actor=world.root,
            code=f"U-X{i}",
            name=f"测试单位{i}",
            kind="street",
            region_id=region.pk,
        )
    rng = random.Random(17)
    for unit in Unit.objects.all():
        revisited = rng.randrange(0, 12)
        satisfied = rng.randrange(0, revisited + 1)
        counts = {
            "replied": revisited + rng.randrange(0, 4),
            "on_time": revisited,
            "revisited": revisited,
            "contacted": rng.randrange(0, revisited + 1),
            "resolved": rng.randrange(0, revisited + 1),
            "satisfied": satisfied,
            "basic": rng.randrange(0, revisited - satisfied + 1),
        }
        UnitMonthStat.objects.create(
            unit=unit, month=MONTH, ex_replied=rng.randrange(0, 2), **counts
        )


def rows(ranking: list[assessment.RankRow]) -> list[tuple[object, ...]]:
    return [
        (r.unit_id, r.unit_name, r.rank, r.mark, r.raw, r.adjusted, r.exempted, r.notes)
        for r in ranking
    ]


@pytest.mark.parametrize("where", ["city", "district", "north", "north_one"])
def test_units_of_a_subtree_rank_as_with_their_ids(world: World, stats: None, where: str) -> None:
    region = getattr(world, where)
    chosen = Unit.objects.visible_to(world.leader).filter(subtree_q(region.path, "region__path"))
    assert chosen.exists()
    old = assessment.monthly_ranking(
        month=MONTH, unit_ids=list(chosen.values_list("pk", flat=True))
    )
    with CaptureQueriesContext(connection) as queries:
        new = assessment.monthly_ranking(month=MONTH, unit_ids=chosen.values_list("pk", flat=True))
    assert rows(new) == rows(old)
    # the config is read once; the counters and the units in one statement
    counters = [q["sql"] for q in queries.captured_queries if "unitmonthstat" in q["sql"]]
    assert len(counters) == 1
    assert [q for q in queries.captured_queries if "unitmonthstat" not in q["sql"]] == [
        q for q in queries.captured_queries if "assessmentconfig" in q["sql"]
    ]


@pytest.mark.parametrize("persona", ["street_north", "district_leader", "handler_unit_a"])
def test_the_ranking_pages_visible_units_rank_as_with_their_ids(
    world: World, stats: None, persona: str
) -> None:
    visible = Unit.objects.visible_to(getattr(world, persona))
    old = assessment.monthly_ranking(
        month=MONTH, unit_ids=list(visible.values_list("pk", flat=True))
    )
    new = assessment.monthly_ranking(month=MONTH, unit_ids=visible.values_list("pk", flat=True))
    assert rows(new) == rows(old)
