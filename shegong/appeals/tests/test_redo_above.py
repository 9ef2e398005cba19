"""Review finding N7: a 重办 "by the level above" goes to the unit's administrative superior
(上级行政机关), not to whichever street office lies at the place of the matter."""

from __future__ import annotations

import pytest
import time_machine

from shegong.appeals.choices import AppealKind, WorkOrderRole
from shegong.appeals.services import revisit as rs
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.policies import publish_policy_version
from shegong.units import services as units

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_gov(world):
    gov = units.create_unit(
        actor=world.root, code="G-CITY", name="市人民政府", kind="other", region_id=world.city.pk
    )
    units.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=gov.pk)
    return gov


def _redo_unit(world, make_appeal, **appeal):
    publish_policy_version(
        actor=world.dept_admin,
        kind=AppealKind.HL_COMPLAINT,
        changes={"redo_target": "above"},
        effective_from=at(2026, 1, 1),
    )
    start = at(2026, 3, 2, 9)
    item, _ = make_appeal(now=start, **appeal)
    wf.dispatch_appeal(
        actor=world.dispatcher, appeal_id=item.pk, lead_unit_id=world.unit_a.pk, now=start
    )
    order = item.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk, now=start)
    wf.reply_order(actor=world.handler_unit_a, order_id=order.pk, text="已处理完毕。", now=start)
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        rs.record_revisit(
            actor=world.dispatcher,
            appeal_id=item.pk,
            contacted=True,
            resolved=False,
            satisfaction="dissatisfied",
            method="phone",
            now=at(2026, 3, 3, 9),
        )
    return item.work_orders.get(role=WorkOrderRole.LEAD, round=2).unit


def test_a_city_bureaus_redo_above_goes_to_its_superior_body(world, make_appeal, city_gov) -> None:
    assert _redo_unit(world, make_appeal) == city_gov


def test_an_inactive_superior_body_falls_back(world, make_appeal, city_gov) -> None:
    units.update_unit(actor=world.root, unit_id=city_gov.pk, is_active=False)
    assert _redo_unit(world, make_appeal) != city_gov
