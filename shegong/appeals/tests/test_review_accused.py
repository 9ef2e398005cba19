"""Review finding M2: a 复查/复核 of a 检举控告 never goes to the accused unit (信访工作条例
第三十条) — it is raised one level higher (提级) or refused with what to fix."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shegong.accounts import services as accounts
from shegong.appeals.choices import AppealKind, WorkOrderRole
from shegong.appeals.models import Appeal
from shegong.appeals.services import review as rv
from shegong.appeals.services import workflow as wf
from shegong.core.exceptions import DomainError
from shegong.core.roles import Role
from shegong.units import services as units

from .conftest import at

pytestmark = pytest.mark.django_db


def _body(world, code, name):
    return units.create_unit(
        actor=world.root, code=code, name=name, kind="other", region_id=world.city.pk
    )


@pytest.fixture
def city_gov(world):
    """市人民政府 is 市住建局's 上级行政机关 — and the unit the citizen accuses."""
    gov = _body(world, "G-CITY", "市人民政府")
    units.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=gov.pk)
    return gov


def _accusation_replied(world, make_appeal, accused):
    reply_day = at(2026, 3, 2, 10)
    appeal, _ = make_appeal(
        kind=AppealKind.XF_ACCUSATION,
        title="检举市人民政府某科室违规审批",
        body="检举市人民政府某科室在审批中违规操作，请求调查。",
        accused_unit_ids=[accused.pk],
        now=reply_day - timedelta(days=5),
    )
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        now=reply_day - timedelta(days=4),
    )
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk, now=reply_day - timedelta(days=4))
    wf.reply_order(
        actor=world.handler_unit_a, order_id=order.pk, text="经核查，情况不属实。", now=reply_day
    )
    return appeal


def _request(world, appeal):
    return rv.request_review(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        level="review",
        text="对处理意见不服，请求复查。",
        now=at(2026, 3, 10, 9),
    )


def test_review_of_an_accusation_is_raised_above_the_accused_body(
    world, make_appeal, city_gov
) -> None:
    province = _body(world, "G-PROV", "省人民政府")
    units.update_unit(actor=world.root, unit_id=city_gov.pk, superior_body_id=province.pk)
    appeal = _accusation_replied(world, make_appeal, city_gov)
    assert _request(world, appeal).reviewer_unit == province


def test_the_accused_body_cannot_open_the_accusation(world, make_appeal, city_gov) -> None:
    province = _body(world, "G-PROV", "省人民政府")
    units.update_unit(actor=world.root, unit_id=city_gov.pk, superior_body_id=province.pk)
    clerk = accounts.create_user(
        actor=world.root,
        username="gov_clerk",
        full_name="gov_clerk",
        role=Role.HANDLER,
        password="Test@Pass2026",
        unit_id=city_gov.pk,
        phone="13700002222",
    )
    appeal = _accusation_replied(world, make_appeal, city_gov)
    _request(world, appeal)
    assert not Appeal.objects.visible_to(clerk).filter(pk=appeal.pk).exists()


def test_without_a_body_above_the_accused_the_review_is_refused(
    world, make_appeal, city_gov
) -> None:
    appeal = _accusation_replied(world, make_appeal, city_gov)
    with pytest.raises(
        DomainError, match="是被检举控告单位（或其下级），依照《信访工作条例》第三十条"
    ):
        _request(world, appeal)


def test_a_refused_review_registers_nothing(world, make_appeal, city_gov) -> None:
    appeal = _accusation_replied(world, make_appeal, city_gov)
    with pytest.raises(DomainError):
        _request(world, appeal)
    assert not appeal.reviews.exists()
