"""The cockpit's 组织生活合规 panel: for two roles, each figure equals the direct query over
the engine's results in that role's scope, and its links open exactly those lists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import pytest
import time_machine

from shegong.accounts.models import User
from shegong.cockpit.query import build_query, read_filters
from shegong.compliance.choices import OPEN_STATUSES
from shegong.compliance.models import BranchQuarter, ComplianceFinding
from shegong.compliance.services.engine import run_compliance
from shegong.core.panels import Figure, panel

if TYPE_CHECKING:
    from conftest import World
    from shegong.organizations.models import PartyOrganization

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 10)  # the engine judges 2026 Q1 (ended) and Q2
PERIOD = {"start": "2026-03-01", "end": "2026-03-31"}  # its end lies in 2026 Q1
Q1 = 2026 * 4


@pytest.fixture
def judged(
    world: World, branch: PartyOrganization, make_other_branch: Callable[[], PartyOrganization]
) -> None:
    make_other_branch()
    with time_machine.travel(date(2026, 4, 10), tick=False):
        run_compliance(today=TODAY)


def figures(user: User) -> dict[str, Figure]:
    provider = panel("compliance")
    assert provider is not None
    with time_machine.travel(date(2026, 4, 10), tick=False):
        query = build_query(user, read_filters(user, PERIOD))
        return {f.key: f for f in provider.figures(query)}


def in_region(user: User) -> str:
    assert user.region is not None
    return user.region.path


@pytest.mark.parametrize("persona", ["leader", "street_north"])
def test_branches_judged_and_compliant_equal_the_direct_query(
    world: World, judged: None, persona: str
) -> None:
    user = getattr(world, persona)
    rows = BranchQuarter.objects.visible_to(user).filter(
        quarter=Q1, region_path__startswith=in_region(user)
    )
    points = {p.label: p.value for p in figures(user)["compliance.kpi"].series[0].points}
    assert (points["参评党支部"], points["达标党支部"], points["参评党支部"] > 0) == (
        rows.count(),
        rows.filter(compliant=True).count(),
        True,
    )


@pytest.mark.parametrize("persona", ["leader", "street_north"])
def test_open_findings_by_rule_equal_the_direct_query(
    world: World, judged: None, persona: str
) -> None:
    user = getattr(world, persona)
    direct = ComplianceFinding.objects.visible_to(user).filter(
        status__in=OPEN_STATUSES, region_path__startswith=in_region(user)
    )
    shown = sum(p.value for p in figures(user)["compliance.findings_by_rule"].series[0].points)
    assert (shown, shown > 0) == (direct.count(), True)


def test_the_two_roles_see_different_figures(world: World, judged: None) -> None:
    city = figures(world.leader)["compliance.kpi"].series[0].points[0].value
    street = figures(world.street_north)["compliance.kpi"].series[0].points[0].value
    assert city > street


def test_a_rule_bar_links_to_the_open_findings_of_that_rule(world: World, judged: None) -> None:
    points = figures(world.leader)["compliance.findings_by_rule"].series[0].points
    rules = ComplianceFinding.objects.filter(status__in=OPEN_STATUSES).values_list("rule")
    wanted = {f"/compliance/findings/?status=open&rule={r}" for (r,) in rules.distinct()}
    assert {p.url for p in points} == wanted
