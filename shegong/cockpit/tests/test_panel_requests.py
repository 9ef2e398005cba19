"""The page loads each panel by its own request: the page lists exactly the viewer's panels
(with the filters it shows), a panel fragment is counted for those filters, a panel the
viewer may not see (here: no such panel) is 404, and bad filters give the Chinese error on both."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import time_machine

from shegong.core.panels import panels_for

from .conftest import ClientFor, at

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 20, 10)
PERIOD = {"start": "2026-03-01", "end": "2026-03-20"}


@time_machine.travel(NOW, tick=False)
def test_the_page_asks_for_each_of_the_viewers_panels(world: World, client_for: ClientFor) -> None:
    page = client_for(world.street_north).get("/cockpit/", PERIOD)
    asked = [p.key for p in page.context["pending"]]
    assert asked == [p.key for p in panels_for(world.street_north)]


@time_machine.travel(NOW, tick=False)
def test_the_panel_requests_carry_the_pages_filters(world: World, client_for: ClientFor) -> None:
    html = client_for(world.leader).get("/cockpit/", {**PERIOD, "region": world.north.pk})
    query = f"start=2026-03-01&amp;end=2026-03-20&amp;region={world.north.pk}"
    expected = f'hx-get="/cockpit/panel/appeals/?{query}"'
    assert expected in html.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_page_itself_counts_nothing(world: World, client_for: ClientFor) -> None:
    page = client_for(world.leader).get("/cockpit/", PERIOD)
    assert (page.status_code, page.context["panels"]) == (200, [])


@time_machine.travel(NOW, tick=False)
def test_a_panel_fragment_holds_its_figures_and_data(world: World, client_for: ClientFor) -> None:
    html = client_for(world.leader).get("/cockpit/panel/appeals/", PERIOD).content.decode()
    assert (
        'id="cockpit-data-appeals"' in html,
        'data-cockpit-figure="appeals.by_day"' in html,
    ) == (
        True,
        True,
    )


@time_machine.travel(NOW, tick=False)
def test_an_unknown_panel_is_404(world: World, client_for: ClientFor) -> None:
    assert client_for(world.leader).get("/cockpit/panel/nothing/").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_bad_filters_on_a_panel_give_the_chinese_error(world: World, client_for: ClientFor) -> None:
    response = client_for(world.leader).get("/cockpit/panel/appeals/", {"start": "2026-13-01"})
    assert (response.status_code, "不是有效日期" in response.content.decode()) == (400, True)
