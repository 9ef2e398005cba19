"""A 人民建议 figure opens the suggestion list with its filters, and the list says so
(docs/cockpit.md): the line 「筛选：…」 names the period and region, the list counts exactly
the figure's suggestions, and searching, changing tab or paging stays inside the figure."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.test import Client

from shegong.accounts.models import User
from shegong.core.panels import Point
from shegong.suggestions.tests.conftest import Builder, at

from .test_suggestions_panel import NOW, figures, listed, suggestions  # noqa: F401 — fixture

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get(client: Client, url: str, data: dict[str, str] | None = None) -> str:
    with time_machine.travel(NOW, tick=False):
        response = client.get(url, data)
    assert response.status_code == 200
    return response.content.decode()


def ids_on(page: str) -> set[int]:
    table = page.split('data-testid="suggestion-table"', 1)[1]
    return {int(pk) for pk in re.findall(r'href="/suggestions/(\d+)/"', table)}


def total_on(page: str) -> int:
    found = re.search(r"共 (\d+) 条", page)
    assert found is not None
    return int(found.group(1))


def drill_line(page: str) -> str:
    found = re.search(r'data-testid="drill-filters">(.*?)</p>', page)
    return found.group(1) if found else ""


def hidden_fields(page: str) -> list[tuple[str, str]]:
    form = page.split('<form class="sg-filter', 1)[1].split("</form>", 1)[0]
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)


def counting_points(user: User) -> list[Point]:
    figs = figures(user)
    points = [p for s in figs["suggestions.kpi"].series for p in s.points if p.url]
    points += [p for s in figs["suggestions.adopted_by_region"].series for p in s.points]
    return points


@pytest.mark.usefixtures("suggestions")
@pytest.mark.parametrize("persona", ["leader", "district_leader", "street_north"])
def test_every_figure_opens_a_list_of_exactly_its_suggestions(world: World, persona: str) -> None:
    user = getattr(world, persona)
    client = client_of(user)
    for point in counting_points(user):
        assert point.url is not None
        page = get(client, point.url)
        assert (point.label, total_on(page), ids_on(page)) == (
            point.label,
            point.value,
            listed(user, point.url),
        )


@pytest.mark.usefixtures("suggestions")
def test_the_list_says_which_filters_the_figure_applied(world: World) -> None:
    user = world.district_leader
    bar = next(p for p in counting_points(user) if p.label == "北街道")
    line = drill_line(get(client_of(user), bar.url or ""))
    clear = '<a href="/suggestions/">清除</a>'
    assert line == f"筛选：登记日期 2026-03-01 至 2026-04-20；区划 北街道（含下级） {clear}"


@pytest.mark.usefixtures("suggestions")
def test_the_plain_list_has_no_filter_line(world: World) -> None:
    assert 'data-testid="drill-filters"' not in get(client_of(world.leader), "/suggestions/")


@pytest.mark.usefixtures("suggestions")
def test_the_tabs_count_the_figure_and_keep_its_filters(world: World) -> None:
    user = world.district_leader
    kpi = {p.label: p for p in figures(user)["suggestions.kpi"].series[0].points}
    page = get(client_of(user), kpi["已评估"].url or "")
    tabs = page.split('data-testid="state-tabs"', 1)[1].split("</ul>", 1)[0]
    counts = dict(re.findall(r">(全部|已评估) <span[^>]*>(\d+)</span>", tabs))
    assert counts == {
        "全部": str(int(kpi["人民建议"].value)),
        "已评估": str(int(kpi["已评估"].value)),
    }
    decided = re.search(r'href="\?([^"]*state=decided)"', tabs)
    assert decided is not None
    query = dict(parse_qsl(decided.group(1).replace("&amp;", "&")))
    assert query == dict(parse_qsl(urlsplit(kpi["已评估"].url or "").query))


@pytest.mark.usefixtures("suggestions")
def test_searching_inside_a_figure_keeps_its_filters(world: World) -> None:
    user = world.leader
    kpi = {p.label: p for p in figures(user)["suggestions.kpi"].series[0].points}
    client = client_of(user)
    page = get(client, kpi["人民建议"].url or "")
    carried = dict(hidden_fields(page))
    assert {k: carried.get(k) for k in ("since", "until")} == {
        "since": "2026-03-01",
        "until": "2026-04-20",
    }
    outside = Builder(world).suggestion(now=at(2026, 2, 20, 9), title="建议增设社区食堂")
    inside = Builder(world).suggestion(now=at(2026, 4, 19, 9), title="建议增设社区食堂")
    found = get(client, "/suggestions/", {**carried, "q": "社区食堂", "outcome": "", "theme": ""})
    assert (
        ids_on(found),
        outside.pk in ids_on(get(client, "/suggestions/", {"q": "社区食堂"})),
    ) == (
        {inside.pk},
        True,
    )


def test_paging_keeps_the_figure_filters(world: World) -> None:
    b = Builder(world)
    first = at(2026, 4, 1, 8)
    for n in range(31):
        b.suggestion(now=first + timedelta(minutes=n), region_id=world.north_one.pk)
    b.suggestion(now=at(2026, 2, 1, 8), region_id=world.north_one.pk)  # before the period
    user = world.leader
    kpi = {p.label: p for p in figures(user)["suggestions.kpi"].series[0].points}
    client = client_of(user)
    page = get(client, kpi["人民建议"].url or "")
    following = re.search(r'href="\?([^"]*page=2)"', page)
    assert following is not None
    second = get(client, "/suggestions/?" + following.group(1).replace("&amp;", "&"))
    assert (total_on(second), len(ids_on(page) | ids_on(second))) == (31, 31)
