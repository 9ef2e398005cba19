"""Scope: two roles see different figures for the same page, each equal to the raw count
within that role's scope — by page and by API; drill-down URLs list exactly the counted
records; bad filters give a Chinese error."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import RequestFactory

from shegong.accounts.models import User
from shegong.appeals import rollup
from shegong.appeals.choices import OPEN_APPEAL_STATES, OPEN_ORDER_STATES, AppealKind
from shegong.appeals.filters import AppealFilterSet, counted_q
from shegong.appeals.models import Appeal, WorkOrder
from shegong.appeals.services import workflow as wf
from shegong.core.panels import Figure, panel
from shegong.core.tree import subtree_q

from ..query import build_query, read_filters
from .conftest import ClientFor, MakeAppeal, at

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 20, 10)
PERIOD = {"start": "2026-03-01", "end": "2026-03-20"}
COCKPIT_PERSONAS = [
    "leader",
    "district_leader",
    "dept_admin",
    "street_north",
    "street_south",
    "community_north",
]


@pytest.fixture
def appeals(world: World, make_appeal: MakeAppeal) -> None:
    for day, region in [
        (2, world.north_one),
        (3, world.north_one),
        (3, world.south_one),
        (5, world.district_b),
        (9, world.north_one),
    ]:
        make_appeal(now=at(2026, 3, day, 9), region_id=region.pk)
    make_appeal(now=at(2026, 3, 4, 9), region_id=world.north_one.pk, kind=AppealKind.XF_ACCUSATION)
    make_appeal(now=at(2025, 3, 3, 9), region_id=world.north_one.pk)  # last year
    make_appeal(now=at(2026, 2, 3, 9), region_id=world.north_one.pk)  # before the period
    rollup.sync()  # the worker's job: the page never syncs


def figures(user: User, params: dict[str, str] | None = None) -> dict[str, Figure]:
    query = build_query(user, read_filters(user, params or PERIOD))
    provider = panel("appeals")
    assert provider is not None
    return {f.key: f for f in provider.figures(query)}


def kpi(figs: dict[str, Figure], label: str) -> float:
    return next(p.value for p in figs["appeals.kpi"].series[0].points if p.label == label)


def raw_count(user: User) -> int:
    """The direct query: appeals visible to the user, counted, in the user's region
    subtree, registered in the period."""
    qs = Appeal.objects.visible_to(user).filter(counted_q())
    qs = qs.filter(subtree_q(user.region.path, "region__path"))
    return qs.filter(registered_at__gte=at(2026, 3, 1), registered_at__lt=at(2026, 3, 21)).count()


@time_machine.travel(NOW, tick=False)
def test_district_and_city_leaders_see_different_figures(world: World, appeals: None) -> None:
    city = kpi(figures(world.leader), "登记件数")
    district = kpi(figures(world.district_leader), "登记件数")
    assert (city, district) == (5, 4)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("persona", COCKPIT_PERSONAS)
def test_each_role_sees_the_raw_count_of_its_scope(
    world: World, appeals: None, persona: str
) -> None:
    user: User = getattr(world, persona)
    assert kpi(figures(user), "登记件数") == raw_count(user)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("persona", COCKPIT_PERSONAS)
def test_daily_points_sum_to_the_raw_count(world: World, appeals: None, persona: str) -> None:
    user: User = getattr(world, persona)
    days = figures(user)["appeals.by_day"].series[0].points
    assert sum(p.value for p in days) == raw_count(user)


@time_machine.travel(NOW, tick=False)
def test_year_on_year_counts_last_years_same_days(world: World, appeals: None) -> None:
    assert kpi(figures(world.leader), "去年同期登记") == 1


@time_machine.travel(NOW, tick=False)
def test_accusations_are_not_counted(world: World, appeals: None) -> None:
    days = figures(world.leader)["appeals.by_day"].series[0].points
    assert next(p.value for p in days if p.label == "2026-03-04") == 0


def drilled(user: User, url: str) -> set[int]:
    """The pks the staff list at ``url`` shows ``user`` (its filterset over its scope)."""
    assert urlsplit(url).path == "/appeals/search/"
    request = RequestFactory().get(url)
    request.user = user
    fs = AppealFilterSet(request.GET, queryset=Appeal.objects.visible_to(user), request=request)
    assert fs.is_valid(), fs.errors
    return set(fs.qs.values_list("pk", flat=True))


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("persona", ["leader", "district_leader", "street_north"])
def test_every_region_bar_lists_exactly_the_records_it_counts(
    world: World, appeals: None, persona: str
) -> None:
    user: User = getattr(world, persona)
    for point in figures(user)["appeals.by_region"].series[0].points:
        assert point.url is not None
        assert len(drilled(user, point.url)) == point.value, point.label


@time_machine.travel(NOW, tick=False)
def test_a_day_point_lists_exactly_its_records(world: World, appeals: None) -> None:
    point = next(
        p
        for p in figures(world.district_leader)["appeals.by_day"].series[0].points
        if p.label == "2026-03-03"
    )
    assert point.url is not None
    expected = set(
        Appeal.objects.filter(registered_at__date="2026-03-03", region__code__startswith="339901")
        .filter(counted_q())
        .values_list("pk", flat=True)
    )
    assert drilled(world.district_leader, point.url) == expected


@time_machine.travel(NOW, tick=False)
def test_page_shows_each_roles_own_figure(
    world: World, appeals: None, client_for: ClientFor
) -> None:
    city = client_for(world.leader).get("/cockpit/panel/appeals/", PERIOD)
    district = client_for(world.district_leader).get("/cockpit/panel/appeals/", PERIOD)
    assert (
        city.context["panels"][0]["figures"][0]["series"][0]["points"][0]["value"],
        district.context["panels"][0]["figures"][0]["series"][0]["points"][0]["value"],
    ) == (5, 4)


@time_machine.travel(NOW, tick=False)
def test_the_page_without_script_counts_every_panel_itself(
    world: World, appeals: None, client_for: ClientFor
) -> None:
    page = client_for(world.district_leader).get("/cockpit/", {**PERIOD, "full": "1"})
    assert page.context["panels"][0]["figures"][0]["series"][0]["points"][0]["value"] == 4


@time_machine.travel(NOW, tick=False)
def test_api_gives_the_page_figures(world: World, appeals: None, client_for: ClientFor) -> None:
    response = client_for(world.district_leader).get("/api/cockpit/panels/appeals", PERIOD)
    points = response.json()["figures"][0]["series"][0]["points"]
    assert points[0]["value"] == raw_count(world.district_leader)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-01"}, "不是有效日期"),
        ({"start": "2026-03-10", "end": "2026-03-01"}, "起始日期不能晚于截止日期"),
        ({"region": "abc"}, "区划“abc”无效"),
    ],
)
def test_bad_filters_give_a_chinese_error(
    world: World, client_for: ClientFor, params: dict[str, str], message: str
) -> None:
    response = client_for(world.leader).get("/cockpit/", params)
    assert (response.status_code, message in response.content.decode()) == (400, True)


@time_machine.travel(NOW, tick=False)
def test_a_region_outside_the_jurisdiction_is_refused(world: World, client_for: ClientFor) -> None:
    response = client_for(world.district_leader).get(
        "/api/cockpit/panels/appeals", {"region": str(world.district_b.pk)}
    )
    assert (response.status_code, response.json()["detail"]) == (422, "所选区划不在您的管辖范围内")


def raw_now(user: User, now: datetime | None = None, *, due_soon: bool = False) -> int:
    """The direct query of the figures of now: open appeals visible to the user, counted, in
    the user's region subtree — with ``now``, only those with an open work order overdue
    (or due within 72 hours) at ``now``."""
    qs = Appeal.objects.visible_to(user).filter(counted_q(), status__in=OPEN_APPEAL_STATES)
    qs = qs.filter(subtree_q(user.region.path, "region__path"))
    if now is not None:
        orders = WorkOrder.objects.filter(status__in=OPEN_ORDER_STATES)
        if due_soon:
            orders = orders.filter(due_at__gte=now, due_at__lte=now + timedelta(hours=72))
        else:
            orders = orders.filter(due_at__lt=now)
        qs = qs.filter(pk__in=orders.values("appeal_id"))
    return qs.count()


@pytest.fixture
def dispatched(world: World, appeals: None) -> datetime:
    """Three of the period's appeals dispatched on 10 March; returns the lead orders'
    earliest deadline."""
    chosen = Appeal.objects.filter(registered_at__gte=at(2026, 3, 1)).order_by("pk")[:4]
    for appeal in chosen:
        if appeal.kind == AppealKind.XF_ACCUSATION:
            continue
        wf.accept_appeal(actor=world.dispatcher, appeal_id=appeal.pk, now=at(2026, 3, 10, 9))
        wf.dispatch_appeal(
            actor=world.dispatcher,
            appeal_id=appeal.pk,
            lead_unit_id=world.unit_a.pk,
            now=at(2026, 3, 10, 9),
        )
    rollup.sync()
    first = WorkOrder.objects.order_by("due_at").values_list("due_at", flat=True).first()
    assert first is not None
    return first


@pytest.mark.parametrize("persona", ["leader", "district_leader"])
def test_open_now_equals_the_direct_count(world: World, dispatched: datetime, persona: str) -> None:
    user = getattr(world, persona)
    with time_machine.travel(NOW, tick=False):
        shown = kpi(figures(user), "当前在办")
    assert (shown, shown > 0) == (raw_now(user), True)


@pytest.mark.parametrize("persona", ["leader", "district_leader"])
def test_overdue_equals_the_direct_count(world: World, dispatched: datetime, persona: str) -> None:
    user = getattr(world, persona)
    later = dispatched + timedelta(days=1)
    with time_machine.travel(later, tick=False):
        shown = kpi(figures(user), "已超期")
    assert (shown, shown > 0) == (raw_now(user, later), True)


@pytest.mark.parametrize("persona", ["leader", "district_leader"])
def test_due_soon_equals_the_direct_count(world: World, dispatched: datetime, persona: str) -> None:
    user = getattr(world, persona)
    before = dispatched - timedelta(hours=24)
    with time_machine.travel(before, tick=False):
        shown = kpi(figures(user), "临期（72小时内）")
    assert (shown, shown > 0) == (raw_now(user, before, due_soon=True), True)


@time_machine.travel(NOW, tick=False)
def test_the_drilled_list_says_which_filters_narrow_it(
    world: World, appeals: None, client_for: ClientFor
) -> None:
    params = {
        "since": "2026-03-01",
        "until": "2026-03-20",
        "region": str(world.north_one.pk),
        "clock": "overdue",
        "counted": "true",
    }
    page = client_for(world.leader).get("/appeals/search/", params).content.decode()
    line = page.split('data-testid="drill-filters">', 1)[1].split("</p>", 1)[0]
    assert line == (
        f"筛选：登记日期 2026-03-01 至 2026-03-20；区划 {world.north_one.name}（含下级）；"
        "时限 已超期；统计口径（不含检举控告类、已并入的重复件） "
        '<a href="/appeals/search/">清除</a>'
    )


@time_machine.travel(NOW, tick=False)
def test_an_unfiltered_list_has_no_filter_line(
    world: World, appeals: None, client_for: ClientFor
) -> None:
    page = client_for(world.leader).get("/appeals/search/").content.decode()
    assert 'data-testid="drill-filters"' not in page
