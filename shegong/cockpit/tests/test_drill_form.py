"""A drill-down list's search form carries the drill filters (docs/cockpit.md): searching
inside a cockpit drill-down keeps the period, region, category, clock, group, statistics
scope and a set of statuses, so the list stays inside the figure it came from."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pytest
import time_machine

from shegong.appeals.choices import AppealKind

from .conftest import ClientFor, MakeAppeal, at

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 20, 10)


def form_of(page: str) -> str:
    return page.split('<form class="sg-filter', 1)[1].split("</form>", 1)[0]


def hidden_fields(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form_of(page))


@time_machine.travel(NOW, tick=False)
def test_the_search_form_carries_every_drill_filter(world: World, client_for: ClientFor) -> None:
    params = [
        ("counted", "true"),
        ("since", "2026-03-01"),
        ("until", "2026-03-20"),
        ("region", str(world.north_one.pk)),
        ("category", "-"),
        ("clock", "overdue"),
        ("group", "false"),
        ("stream", "hotline"),
        ("status", "dispatched"),
        ("status", "registered"),
    ]
    page = client_for(world.leader).get(f"/appeals/search/?{urlencode(params)}").content.decode()
    assert sorted(hidden_fields(page)) == sorted(params)
    # Two statuses cannot be shown by the single select: it says so and is not submitted.
    assert 'name="status" disabled' in form_of(page)


@time_machine.travel(NOW, tick=False)
def test_a_single_status_stays_in_the_select_and_invalid_filters_are_not_carried(
    world: World, client_for: ClientFor
) -> None:
    query = "status=dispatched&clock=never&since=bad&kind=" + AppealKind.HL_COMPLAINT
    page = client_for(world.leader).get(f"/appeals/search/?{query}").content.decode()
    assert hidden_fields(page) == []
    assert '<option value="dispatched" selected>' in form_of(page)


@time_machine.travel(NOW, tick=False)
def test_searching_inside_a_drill_down_keeps_its_records(
    world: World, make_appeal: MakeAppeal, client_for: ClientFor
) -> None:
    inside = make_appeal(now=at(2026, 3, 5, 9), region_id=world.north_one.pk)
    make_appeal(now=at(2026, 3, 6, 9), region_id=world.south_one.pk)  # outside the region
    make_appeal(now=at(2026, 2, 6, 9), region_id=world.north_one.pk)  # before the period
    client = client_for(world.leader)
    drill = {"counted": "true", "since": "2026-03-01", "until": "2026-03-20"}
    drill["region"] = str(world.north_one.pk)
    page = client.get("/appeals/search/", drill).content.decode()
    # Submit the form as a browser does: its fields, with a keyword typed in.
    submitted = dict(hidden_fields(page))
    submitted.update({"q": "路灯", "status": "", "kind": ""})
    found = client.get("/appeals/search/", submitted).content.decode()
    numbers = re.findall(r">(\w+\d{6,})</a></td>", found)
    assert numbers == [inside.number]
