"""The appeals panel's 街道三率 (docs/cockpit.md): for each role, each street's figures equal
the 三率 of the facts of the month whose appeal the role may see and whose place lies in
that street — the 三率考核 page's 按街道 computation — and roles see different streets."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine

from shegong.accounts.models import User
from shegong.appeals.choices import AppealKind, WorkOrderRole
from shegong.appeals.models import Appeal, AssessmentFact
from shegong.appeals.services import assessment
from shegong.appeals.services import workflow as wf
from shegong.core.panels import Figure, panel
from shegong.core.tree import subtree_q
from shegong.regions.models import Region
from shegong.reports.tests.conftest import _history_built, at, history, maker

if TYPE_CHECKING:
    from conftest import World

__all__ = ["_history_built", "history"]  # the reports tests' appeals history, built once

from ..query import build_query, read_filters

pytestmark = pytest.mark.django_db

NOW = at(2026, 5, 3, 10)
MARCH = {"start": "2026-03-10", "end": "2026-03-31"}


def street_rates(user: User, params: dict[str, str] | None = None) -> Figure:
    provider = panel("appeals")
    assert provider is not None
    with time_machine.travel(NOW, tick=False):
        query = build_query(user, read_filters(user, params or MARCH))
        return next(f for f in provider.figures(query) if f.key == "appeals.street_rates")


def rows(figure: Figure) -> dict[str, dict[str, float]]:
    return {s.name: {p.label: p.value for p in s.points} for s in figure.series}


def direct(user: User, street: Region) -> dict[str, float]:
    facts = AssessmentFact.objects.filter(
        subtree_q(street.path, "region_path"),
        month=at(2026, 3, 1).date(),
        appeal__in=Appeal.objects.visible_to(user),
    )
    _raw, adjusted = assessment.figures_from_facts(facts)

    def pct(v: float | None) -> float:
        return round(100 * v, 1) if v is not None else 0.0

    return {
        "综合得分": pct(adjusted.composite),
        "响应率": pct(adjusted.response),
        "解决率": pct(adjusted.resolution),
        "满意率": pct(adjusted.satisfaction),
        "答复": float(adjusted.counts["replied"]),
        "有效回访": float(adjusted.counts["revisited"]),
    }


@pytest.fixture
def accusation(history: World) -> Appeal:
    """A 检举控告 against 北街道办事处, located in 北一社区, replied in March: street_north
    (whose unit it accuses) must not count it; the district leader does."""
    start = at(2026, 3, 12, 9)
    appeal, _ = maker(history)(
        now=start,
        kind=AppealKind.XF_ACCUSATION,
        region_id=history.north_one.pk,
        accused_unit_ids=[history.street_unit_n.pk],
    )
    wf.dispatch_appeal(
        actor=history.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=history.unit_a.pk,
        now=start + timedelta(hours=1),
    )
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=history.handler_unit_a, order_id=order.pk, now=start + timedelta(hours=2))
    wf.reply_order(
        actor=history.handler_unit_a,
        order_id=order.pk,
        text="已办理",
        now=start + timedelta(days=1),
    )
    return appeal


@pytest.mark.parametrize(
    ("persona", "streets"),
    [
        ("leader", {"北街道", "南街道", "西一街道"}),
        ("district_leader", {"北街道", "南街道"}),
        ("street_north", {"北街道"}),
    ],
)
def test_each_street_equals_the_direct_query_in_the_viewers_scope(
    history: World, accusation: Appeal, persona: str, streets: set[str]
) -> None:
    user = getattr(history, persona)
    shown = rows(street_rates(user))
    assert set(shown) == streets
    expected = {name: direct(user, Region.objects.get(name=name)) for name in streets}
    assert shown == expected
    assert all(r["答复"] > 0 for r in shown.values())


def test_the_accused_street_does_not_count_the_accusation_against_it(
    history: World, accusation: Appeal
) -> None:
    district = rows(street_rates(history.district_leader))["北街道"]["答复"]
    street = rows(street_rates(history.street_north))["北街道"]["答复"]
    assert district == street + 1


def test_the_region_filter_narrows_and_the_month_is_that_of_the_end(history: World) -> None:
    chosen = {**MARCH, "region": str(history.district.pk)}
    assert set(rows(street_rates(history.leader, chosen))) == {"北街道", "南街道"}
    april = rows(street_rates(history.leader, {"start": "2026-03-10", "end": "2026-04-30"}))
    facts = AssessmentFact.objects.filter(
        month=at(2026, 4, 1).date(), region_path__startswith=history.north.path
    )
    _raw, adjusted = assessment.figures_from_facts(facts)
    assert (april["北街道"]["答复"], april["北街道"]["答复"] > 0) == (
        adjusted.counts["replied"],
        True,
    )
    figure = street_rates(history.leader, {"start": "2026-04-01", "end": "2026-04-30"})
    assert figure.title == "2026年4月 街道三率"
