"""复查/复核 go to the body the law names (信访工作条例 第三十五、三十六条), and that body can
open and decide them; a 信访 重办 keeps the approved extension (issue #12 items 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from shegong.accounts import services as accounts
from shegong.appeals.choices import AppealKind, WorkOrderRole
from shegong.appeals.models import Appeal
from shegong.appeals.services import review as rv
from shegong.appeals.services import revisit as rs
from shegong.appeals.services import workflow as wf
from shegong.core.exceptions import DomainError
from shegong.core.roles import Role
from shegong.units import services as units

from .conftest import at

pytestmark = pytest.mark.django_db

PASSWORD = "Test@Pass2026"


def _body(world, code, name):
    return units.create_unit(
        actor=world.root, code=code, name=name, kind="other", region_id=world.city.pk
    )


def _handler(world, username, unit):
    return accounts.create_user(
        actor=world.root,
        username=username,
        full_name=username,
        role=Role.HANDLER,
        password=PASSWORD,
        unit_id=unit.pk,
        phone="13700002222",
    )


@pytest.fixture
def bodies(world):
    """市人民政府 above 市住建局, 省人民政府 above 市人民政府; a handler in the city government."""
    province = _body(world, "G-PROV", "省人民政府")
    city_gov = _body(world, "G-CITY", "市人民政府")
    units.update_unit(actor=world.root, unit_id=city_gov.pk, superior_body_id=province.pk)
    units.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=city_gov.pk)
    return {
        "province": province,
        "city_gov": city_gov,
        "gov_handler": _handler(world, "gov_handler", city_gov),
        "prov_handler": _handler(world, "prov_handler", province),
    }


def petition_replied(world, make_appeal, reply_day, unit=None, handler=None):
    unit = unit or world.unit_a
    handler = handler or world.handler_unit_a
    appeal, _ = make_appeal(kind=AppealKind.XF_CLAIM, now=reply_day - timedelta(days=5))
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=unit.pk,
        now=reply_day - timedelta(days=4),
    )
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=handler, order_id=order.pk, now=reply_day - timedelta(days=4))
    wf.reply_order(actor=handler, order_id=order.pk, text="经核查，诉求依据不足。", now=reply_day)
    return appeal


def _review(world, appeal, level="review", now=None):
    return rv.request_review(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        level=level,
        text="对处理意见不服，请求复查。",
        now=now or at(2026, 3, 10, 9),
    )


def test_review_goes_to_the_superior_body_not_a_street_office(world, make_appeal, bodies) -> None:
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    review = _review(world, appeal)
    assert review.reviewer_unit == bodies["city_gov"]


def test_recheck_goes_to_the_body_above_the_review_body(world, make_appeal, bodies) -> None:
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    review = _review(world, appeal)
    rv.decide_review(
        actor=bodies["gov_handler"],
        review_id=review.pk,
        outcome="uphold",
        opinion="维持原处理意见。",
        now=at(2026, 3, 20, 9),
    )
    recheck = _review(world, appeal, level="recheck", now=at(2026, 3, 25, 9))
    assert recheck.reviewer_unit == bodies["province"]


def test_the_superior_bodys_handler_can_open_and_decide_the_review(
    world, make_appeal, bodies
) -> None:
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    review = _review(world, appeal)
    visible = Appeal.objects.visible_to(bodies["gov_handler"])
    assert visible.filter(pk=appeal.pk).exists()
    decided = rv.decide_review(
        actor=bodies["gov_handler"],
        review_id=review.pk,
        outcome="uphold",
        opinion="维持原处理意见。",
        now=at(2026, 3, 20, 9),
    )
    assert decided.decided_by == bodies["gov_handler"]


def test_a_lower_body_cannot_decide_the_review(world, make_appeal, bodies) -> None:
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    review = _review(world, appeal)
    # The street office sees the appeal (it happened in its street) but is not the 复查机关.
    with pytest.raises(DomainError, match="只有复查/复核机关可以办理"):
        rv.decide_review(
            actor=world.street_north,
            review_id=review.pk,
            outcome="change",
            opinion="变更原处理意见。",
            now=at(2026, 3, 20, 9),
        )


def test_another_body_cannot_open_the_review(world, make_appeal, bodies) -> None:
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    review = _review(world, appeal)
    assert not Appeal.objects.visible_to(world.handler_unit_b).filter(pk=appeal.pk).exists()
    with pytest.raises(DomainError, match="不在您的管辖范围内"):
        rv.decide_review(
            actor=world.handler_unit_b,
            review_id=review.pk,
            outcome="change",
            opinion="变更原处理意见。",
            now=at(2026, 3, 20, 9),
        )


def test_the_province_does_not_see_the_review_before_a_recheck(world, make_appeal, bodies) -> None:
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    _review(world, appeal)
    assert not Appeal.objects.visible_to(bodies["prov_handler"]).filter(pk=appeal.pk).exists()


@time_machine.travel(at(2026, 3, 12, 9), tick=False)
def test_the_review_page_opens_for_the_superior_body_with_the_decision_form(
    world, make_appeal, bodies, client_for
) -> None:
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    _review(world, appeal)
    page = client_for(bodies["gov_handler"]).get(f"/appeals/{appeal.pk}/")
    assert page.status_code == 200
    assert "提出意见" in page.content.decode()


@time_machine.travel(at(2026, 3, 12, 9), tick=False)
def test_the_review_page_is_404_for_another_body(world, make_appeal, bodies, client_for) -> None:
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    _review(world, appeal)
    assert client_for(world.handler_unit_b).get(f"/appeals/{appeal.pk}/").status_code == 404


@time_machine.travel(at(2026, 3, 12, 9), tick=False)
def test_the_superior_body_can_decide_through_the_page(
    world, make_appeal, bodies, client_for
) -> None:
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    review = _review(world, appeal)
    client_for(bodies["gov_handler"]).post(
        f"/appeals/{appeal.pk}/act/review_decide/",
        {"review": review.pk, "outcome": "uphold", "opinion": "维持原处理意见。"},
    )
    review.refresh_from_db()
    assert review.decided_by == bodies["gov_handler"]


def test_the_superior_body_is_told_of_the_review(world, make_appeal, bodies) -> None:
    from shegong.core.models import Notification

    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    _review(world, appeal)
    assert Notification.objects.filter(
        user=bodies["gov_handler"], title__startswith="复查申请待办理"
    ).exists()


def test_without_a_superior_body_the_tree_parent_is_inferred(world, make_appeal) -> None:
    office = units.create_unit(
        actor=world.root,
        code="U-A-1",
        name="市住建局物业科",
        kind="functional",
        region_id=world.city.pk,
        parent_id=world.unit_a.pk,
    )
    clerk = _handler(world, "office_clerk", office)
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10), unit=office, handler=clerk)
    assert _review(world, appeal).reviewer_unit == world.unit_a


def test_without_superior_or_parent_the_review_is_refused_in_chinese(world, make_appeal) -> None:
    # 市住建局 has neither: no body is guessed from the place (that sent reviews to streets).
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    with pytest.raises(DomainError, match="未设置上级行政机关，无法确定复查/复核机关"):
        _review(world, appeal)


# --- 重办 keeps the approved extension ------------------------------------------------------


def _extended_then_dissatisfied(world, make_appeal):
    start = at(2026, 3, 2, 9)
    appeal, _ = make_appeal(kind=AppealKind.XF_CLAIM, now=start)
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        now=start + timedelta(hours=1),
    )
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk, now=start + timedelta(hours=2))
    request = wf.request_extension(
        actor=world.handler_unit_a,
        order_id=order.pk,
        days=30,
        reason="需要现场测量和第三方鉴定",
        now=start + timedelta(days=40),
    )
    wf.decide_extension(
        actor=world.dispatcher, request_id=request.pk, approve=True, now=start + timedelta(days=41)
    )
    wf.reply_order(
        actor=world.handler_unit_a,
        order_id=order.pk,
        text="已处理完毕。",
        now=start + timedelta(days=65),
    )
    rs.record_revisit(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        contacted=True,
        resolved=False,
        satisfaction="dissatisfied",
        method="phone",
        now=start + timedelta(days=66),
    )
    order.refresh_from_db()
    return appeal, order, appeal.work_orders.get(role=WorkOrderRole.LEAD, round=2)


def test_petition_redo_keeps_the_extended_deadline(world, make_appeal) -> None:
    _, first, redo = _extended_then_dissatisfied(world, make_appeal)
    assert redo.due_at == first.due_at


def test_petition_redo_is_not_overdue_when_it_starts(world, make_appeal) -> None:
    _, _, redo = _extended_then_dissatisfied(world, make_appeal)
    assert redo.due_at > at(2026, 3, 2, 9) + timedelta(days=66)


def test_petition_redo_counts_the_extension_already_granted(world, make_appeal) -> None:
    _, _, redo = _extended_then_dissatisfied(world, make_appeal)
    assert (redo.extensions, redo.extended_days) == (1, 30)


@time_machine.travel(at(2026, 3, 12, 9), tick=False)
def test_the_superior_bodys_workbench_lists_the_open_review(
    world, make_appeal, bodies, client_for
) -> None:
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    _review(world, appeal)
    page = client_for(bodies["gov_handler"]).get("/appeals/?queue=reviews").content.decode()
    assert appeal.number in page


def test_petition_redo_cannot_extend_the_limit_a_second_time(world, make_appeal) -> None:
    _, _, redo = _extended_then_dissatisfied(world, make_appeal)
    wf.sign_order(
        actor=world.handler_unit_a, order_id=redo.pk, now=at(2026, 3, 2, 9) + timedelta(days=67)
    )
    with pytest.raises(DomainError, match="按规定不能再延期"):
        wf.request_extension(
            actor=world.handler_unit_a,
            order_id=redo.pk,
            days=10,
            reason="还需要时间",
            now=at(2026, 3, 2, 9) + timedelta(days=68),
        )


def test_hotline_redo_starts_a_fresh_clock(world, make_appeal) -> None:
    start = at(2026, 3, 2, 9)
    appeal, _ = make_appeal(now=start)
    wf.dispatch_appeal(
        actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk, now=start
    )
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk, now=start)
    wf.reply_order(
        actor=world.handler_unit_a,
        order_id=order.pk,
        text="已处理。",
        now=start + timedelta(days=2),
    )
    rs.record_revisit(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        contacted=True,
        resolved=False,
        satisfaction="dissatisfied",
        method="phone",
        now=start + timedelta(days=3),
    )
    redo = appeal.work_orders.get(role=WorkOrderRole.LEAD, round=2)
    assert redo.due_at > order.due_at
