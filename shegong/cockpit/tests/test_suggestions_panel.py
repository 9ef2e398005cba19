"""The cockpit's 人民建议 panel: for each role the adopted suggestions by month and region
equal the direct query over the suggestions the role may see, inside its region and the
period; each bar opens the suggestion list of exactly those rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.test import RequestFactory

from shegong.accounts.models import User
from shegong.appeals.choices import AppealKind
from shegong.core.panels import Figure, panel
from shegong.core.tree import subtree_q
from shegong.regions.models import Region
from shegong.suggestions.choices import ADOPTED_OUTCOMES, Outcome
from shegong.suggestions.filters import SuggestionFilterSet
from shegong.suggestions.services import evaluation as ev
from shegong.suggestions.tests.conftest import Builder, at
from shegong.suggestions.views.common import suggestions_of

from ..query import build_query, read_filters

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db

NOW = at(2026, 4, 20, 10)
PERIOD = {"start": "2026-03-01", "end": "2026-04-20"}


@pytest.fixture
def suggestions(world: World) -> None:
    b = Builder(world)
    west_one = Region.objects.get(code="339902001001")
    plan = [
        (at(2026, 3, 5, 9), world.north_one, Outcome.ADOPTED),
        (at(2026, 3, 6, 9), world.north_one, Outcome.NOT_ADOPTED),
        (at(2026, 4, 2, 9), world.north_one, Outcome.PARTLY),
        (at(2026, 3, 8, 9), world.south_one, Outcome.PARTLY),
        (at(2026, 4, 9, 9), west_one, Outcome.ADOPTED),
        (at(2026, 2, 9, 9), world.north_one, Outcome.ADOPTED),  # before the period
        (at(2026, 3, 10, 9), world.north_one, None),  # not evaluated yet
    ]
    for when, region, outcome in plan:
        appeal = b.suggestion(now=when, region_id=region.pk)
        b.dispatch(appeal, world.unit_a, now=when + timedelta(hours=1))
        if outcome is None:
            continue
        ev.start_evaluation(
            actor=world.dispatcher, appeal_id=appeal.pk, now=when + timedelta(hours=2)
        )
        ev.evaluate_suggestion(
            actor=world.handler_unit_a,
            appeal_id=appeal.pk,
            outcome=outcome,
            reasons="建议可行，予以研究落实",
            conversion_target="benefit" if outcome in ADOPTED_OUTCOMES else "",
            now=when + timedelta(days=3),
        )
    # Another kind of appeal is never counted.
    b.appeal(now=at(2026, 3, 5, 9), kind=AppealKind.HL_COMPLAINT)


def figures(user: User, params: dict[str, str] | None = None) -> dict[str, Figure]:
    provider = panel("suggestions")
    assert provider is not None
    with time_machine.travel(NOW, tick=False):
        query = build_query(user, read_filters(user, params or PERIOD))
        return {f.key: f for f in provider.figures(query)}


def direct(user: User, outcome: str, lo: datetime, hi: datetime) -> set[int]:
    assert user.region is not None
    rows = suggestions_of(user).filter(
        subtree_q(user.region.path, "region__path"),
        registered_at__gte=lo,
        registered_at__lt=hi,
        evaluation__outcome=outcome,
    )
    return set(rows.values_list("pk", flat=True))


def listed(user: User, url: str) -> set[int]:
    request = RequestFactory().get(url)
    request.user = user
    params = dict(parse_qsl(urlsplit(url).query))
    rows = SuggestionFilterSet(params, queryset=suggestions_of(user), request=request).qs
    return set(rows.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("persona", "adopted", "partly"),
    [("leader", 2, 2), ("district_leader", 1, 2), ("street_north", 1, 1)],
)
def test_adopted_suggestions_equal_the_direct_query_per_role(
    world: World, suggestions: None, persona: str, adopted: int, partly: int
) -> None:
    user = getattr(world, persona)
    figs = figures(user)
    kpi = {p.label: p for p in figs["suggestions.kpi"].series[0].points}
    lo, hi = at(2026, 3, 1), at(2026, 4, 21)
    assert (kpi["采纳"].value, kpi["部分采纳"].value) == (adopted, partly)
    assert (adopted, partly) == (
        len(direct(user, Outcome.ADOPTED, lo, hi)),
        len(direct(user, Outcome.PARTLY, lo, hi)),
    )
    assert listed(user, kpi["采纳"].url or "") == direct(user, Outcome.ADOPTED, lo, hi)
    decided = listed(user, kpi["已评估"].url or "")
    assert (kpi["已评估"].value, kpi["人民建议"].value) == (len(decided), len(decided) + 1)
    by_month = figs["suggestions.adopted_by_month"]
    assert [s.name for s in by_month.series] == ["采纳", "部分采纳"]
    assert sum(p.value for s in by_month.series for p in s.points) == adopted + partly


def test_the_roles_see_different_figures(world: World, suggestions: None) -> None:
    def total(user: User) -> float:
        return figures(user)["suggestions.kpi"].series[0].points[0].value

    assert (total(world.leader), total(world.district_leader), total(world.street_north)) == (
        6,
        5,
        4,
    )


def test_each_month_bar_lists_exactly_its_suggestions(world: World, suggestions: None) -> None:
    user = world.leader
    for series, outcome in zip(
        figures(user)["suggestions.adopted_by_month"].series,
        (Outcome.ADOPTED, Outcome.PARTLY),
        strict=True,
    ):
        points = {p.label: p for p in series.points}
        assert list(points) == ["2026-03", "2026-04"]
        for label, lo, hi in (
            ("2026-03", at(2026, 3, 1), at(2026, 4, 1)),
            ("2026-04", at(2026, 4, 1), at(2026, 4, 21)),
        ):
            point = points[label]
            expected = direct(user, outcome, lo, hi)
            assert (point.value, listed(user, point.url or "")) == (len(expected), expected)


def test_each_region_bar_lists_exactly_its_suggestions(world: World, suggestions: None) -> None:
    user = world.district_leader
    figure = figures(user)["suggestions.adopted_by_region"]
    lo, hi = at(2026, 3, 1), at(2026, 4, 21)
    for series, outcome in zip(figure.series, (Outcome.ADOPTED, Outcome.PARTLY), strict=True):
        for point in series.points:
            region = Region.objects.get(name=point.label)
            expected = {
                pk
                for pk in direct(user, outcome, lo, hi)
                if region.path in suggestions_of(user).get(pk=pk).region.path
            }
            assert (point.value, listed(user, point.url or "")) == (len(expected), expected)
    assert [p.label for p in figure.series[0].points] == ["北街道", "南街道"]


def test_the_region_filter_and_the_period_narrow_the_figures(
    world: World, suggestions: None
) -> None:
    chosen = {"start": "2026-04-01", "end": "2026-04-20", "region": str(world.north.pk)}
    kpi = {
        p.label: p.value for p in figures(world.leader, chosen)["suggestions.kpi"].series[0].points
    }
    assert (kpi["人民建议"], kpi["采纳"], kpi["部分采纳"]) == (1, 0, 1)
