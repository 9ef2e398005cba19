"""Appeals II: 回访 → 重办, 复查/复核 windows and finality, 督办 escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shegong.appeals.choices import AppealKind, AppealStatus, EventKind, WorkOrderRole
from shegong.appeals.models import Appeal, AssessmentFact
from shegong.appeals.services import review as rv
from shegong.appeals.services import revisit as rs
from shegong.appeals.services import supervision as sv
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.intake import IntakeData, IntakeError, submit_appeal
from shegong.appeals.services.policies import publish_policy_version
from shegong.core.exceptions import DomainError

from .conftest import at

pytestmark = pytest.mark.django_db


def replied(world, make_appeal, *, unit=None, handler=None, now=None, **kw):
    now = now or at(2026, 3, 2, 9)
    appeal, code = make_appeal(now=now, **kw)
    unit = unit or world.unit_a
    handler = handler or world.handler_unit_a
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=unit.pk,
        now=now + timedelta(hours=1),
    )
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=handler, order_id=order.pk, now=now + timedelta(hours=2))
    wf.reply_order(
        actor=handler, order_id=order.pk, text="已处理完毕。", now=now + timedelta(days=1)
    )
    appeal.refresh_from_db()
    return appeal, code


def test_dissatisfied_rating_on_the_portal_starts_redo_to_the_same_unit(world, make_appeal) -> None:
    appeal, _ = replied(world, make_appeal)
    assert appeal.revisit_due_at is not None
    rs.record_revisit(
        actor=None,
        appeal_id=appeal.pk,
        contacted=True,
        resolved=False,
        satisfaction="dissatisfied",
        method="portal",
        by_citizen=True,
        comment="路灯还是不亮",
    )
    appeal.refresh_from_db()
    assert (appeal.status, appeal.round) == (AppealStatus.DISPATCHED, 2)
    redo = appeal.work_orders.get(role=WorkOrderRole.LEAD, round=2)
    assert redo.unit == world.unit_a
    assert redo.redo_of.round == 1
    assert appeal.events.filter(kind=EventKind.REDONE).exists()
    first = AssessmentFact.objects.get(appeal=appeal, round=1)
    assert (first.revisited, first.satisfaction, first.resolved) == (True, "dissatisfied", False)
    assert appeal.pk in Appeal.objects.visible_to(world.handler_unit_a).values_list("pk", flat=True)


def test_unsolved_but_satisfied_still_redoes_and_solved_satisfied_closes(
    world, make_appeal
) -> None:
    a, _ = replied(world, make_appeal)
    rs.record_revisit(
        actor=world.dispatcher,
        appeal_id=a.pk,
        contacted=True,
        resolved=False,
        satisfaction="satisfied",
        method="phone",
    )
    a.refresh_from_db()
    assert a.status == AppealStatus.DISPATCHED
    b, _ = replied(world, make_appeal, title="另一件")
    rs.record_revisit(
        actor=world.dispatcher,
        appeal_id=b.pk,
        contacted=True,
        resolved=True,
        satisfaction="basic",
        method="phone",
    )
    b.refresh_from_db()
    assert b.status == AppealStatus.CLOSED
    with pytest.raises(DomainError):
        rs.record_revisit(
            actor=world.dispatcher,
            appeal_id=b.pk,
            contacted=True,
            resolved=True,
            satisfaction="satisfied",
            method="phone",
        )


def test_redo_goes_to_the_level_above_when_the_policy_says_so(world, make_appeal) -> None:
    publish_policy_version(
        actor=world.dept_admin,
        kind=AppealKind.HL_COMPLAINT,
        changes={"redo_target": "above"},
        effective_from=at(2026, 1, 1),
    )
    appeal, _ = replied(world, make_appeal, unit=world.street_unit_n, handler=world.street_north)
    rs.record_revisit(
        actor=None,
        appeal_id=appeal.pk,
        contacted=False,
        resolved=False,
        satisfaction="dissatisfied",
        method="portal",
        by_citizen=True,
    )
    redo = appeal.work_orders.get(role=WorkOrderRole.LEAD, round=2)
    assert redo.unit != world.street_unit_n


def test_unrated_appeals_close_once_after_the_window(world, make_appeal) -> None:
    appeal, _ = replied(world, make_appeal)
    late = appeal.revisit_due_at + timedelta(minutes=1)
    assert rs.close_unrated(late) == 1
    assert rs.close_unrated(late) == 0
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED
    assert not AssessmentFact.objects.get(appeal=appeal).revisited


# --- 复查 / 复核 ----------------------------------------------------------------------------


def _superior_bodies(world) -> None:
    """市住建局 answers to 市人民政府, which answers to 省人民政府 (复查 / 复核 bodies)."""
    from shegong.units import services as units

    above = None
    for code, name in (("G-PROV", "省人民政府"), ("G-CITY", "市人民政府")):
        body = units.create_unit(
            actor=world.root, code=code, name=name, kind="other", region_id=world.city.pk
        )
        if above is not None:
            units.update_unit(actor=world.root, unit_id=body.pk, superior_body_id=above.pk)
        above = body
    units.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=above.pk)


def petition_replied(world, make_appeal, reply_day):
    _superior_bodies(world)
    appeal, _ = make_appeal(kind=AppealKind.XF_CLAIM, now=reply_day - timedelta(days=5))
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        now=reply_day - timedelta(days=4),
    )
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk, now=reply_day - timedelta(days=4))
    wf.reply_order(
        actor=world.handler_unit_a, order_id=order.pk, text="经核查，诉求依据不足。", now=reply_day
    )
    return appeal


def test_review_window_edge_rolls_past_national_day_2025(world, make_appeal) -> None:
    # Reply 2025-09-02 → 30 days → 10-02 (国庆) → window ends 2025-10-09 (first working day).
    appeal = petition_replied(world, make_appeal, at(2025, 9, 2, 10))
    with pytest.raises(DomainError, match="已超过复查申请期限"):
        rv.request_review(
            actor=world.dispatcher,
            appeal_id=appeal.pk,
            level="review",
            text="对答复意见不服，请求复查。",
            now=at(2025, 10, 10, 9),
        )
    review = rv.request_review(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        level="review",
        text="对答复意见不服，请求复查。",
        now=at(2025, 10, 9, 23, 0),
    )
    assert review.window_end == at(2025, 10, 9, 23, 59, 59)
    assert review.reviewer_unit != world.unit_a
    # Decision within 30 days of the request: 2025-11-08 (Sat) → Mon 2025-11-10.
    assert review.due_at == at(2025, 11, 10, 23, 59, 59)


def test_hearing_time_is_excluded_from_the_recheck_clock(world, make_appeal) -> None:
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    review = rv.request_review(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        level="review",
        text="请求复查：事实认定有误。",
        now=at(2026, 3, 10, 9),
    )
    rv.decide_review(
        actor=world.dispatcher,
        review_id=review.pk,
        outcome="uphold",
        opinion="维持原答复意见。",
        now=at(2026, 3, 20, 9),
    )
    recheck = rv.request_review(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        level="recheck",
        text="请求复核：复查未听取意见。",
        now=at(2026, 3, 25, 9),
    )
    before = recheck.due_at
    rv.start_hearing(actor=world.dispatcher, review_id=recheck.pk, now=at(2026, 4, 1, 9))
    rv.end_hearing(actor=world.dispatcher, review_id=recheck.pk, now=at(2026, 4, 3, 9))
    recheck.refresh_from_db()
    assert recheck.due_at == before + timedelta(days=2)
    rv.decide_review(
        actor=world.dispatcher,
        review_id=recheck.pk,
        outcome="uphold",
        opinion="维持复查意见，复核终结。",
        now=at(2026, 4, 20, 9),
    )
    appeal.refresh_from_db()
    assert appeal.finality_at == at(2026, 4, 20, 9)


def test_recheck_closed_matter_is_refused_at_reintake(world, make_appeal) -> None:
    appeal = petition_replied(world, make_appeal, at(2026, 3, 2, 10))
    review = rv.request_review(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        level="review",
        text="请求复查。事实认定有误。",
        now=at(2026, 3, 10, 9),
    )
    rv.decide_review(
        actor=world.dispatcher,
        review_id=review.pk,
        outcome="uphold",
        opinion="维持原答复意见。",
        now=at(2026, 3, 20, 9),
    )
    recheck = rv.request_review(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        level="recheck",
        text="请求复核。事实认定有误。",
        now=at(2026, 3, 25, 9),
    )
    rv.decide_review(
        actor=world.dispatcher,
        review_id=recheck.pk,
        outcome="uphold",
        opinion="维持复查意见。",
        now=at(2026, 4, 10, 9),
    )
    same = IntakeData(
        kind=AppealKind.XF_CLAIM,
        channel="portal",
        title=appeal.title,
        body=appeal.body + "。",
        region_id=world.north_one.pk,
        name="张三",
        phone="139 1234 5678",
    )
    with pytest.raises(IntakeError) as info:
        submit_appeal(actor=None, data=same)
    assert "第三十六条第三款" in info.value.errors["body"]
    # A different matter of the same person is accepted …
    other = IntakeData(
        kind=AppealKind.XF_CLAIM,
        channel="portal",
        title="小区停车位被占用",
        body="地下车库消防通道长期被占，物业不管。",
        region_id=world.north_one.pk,
        name="张三",
        phone="13912345678",
    )
    assert submit_appeal(actor=None, data=other)[0].pk
    # … and staff may register the same matter when the petitioner brings new facts.
    same.new_facts_reason = "提供了新的鉴定报告"
    assert submit_appeal(actor=world.dispatcher, data=same)[0].pk


# --- 督办 -----------------------------------------------------------------------------------


def test_supervision_progress_overdue_escalates_once(world, make_appeal) -> None:
    appeal, _ = make_appeal(now=at(2026, 5, 1, 9))
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        now=at(2026, 5, 1, 10),
    )
    item = sv.create_supervision(
        actor=world.leader,
        appeal_ids=[appeal.pk],
        title="路灯整治",
        instruction="请住建局一周内彻底解决",
        deadline=at(2026, 5, 20),
        report_every_days=3,
        now=at(2026, 5, 1, 11),
    )
    assert sv.escalate_overdue_reports(at(2026, 5, 3, 9)) == 0
    assert sv.escalate_overdue_reports(at(2026, 5, 5, 9)) == 1
    assert sv.escalate_overdue_reports(at(2026, 5, 5, 10)) == 0
    sv.report_progress(
        actor=world.handler_unit_a,
        supervision_id=item.pk,
        text="已更换灯具两处",
        now=at(2026, 5, 6, 9),
    )
    item.refresh_from_db()
    assert item.next_report_due == at(2026, 5, 9, 9)
    assert sv.escalate_overdue_reports(at(2026, 5, 9, 10)) == 1
    with pytest.raises(DomainError):
        sv.report_progress(actor=world.handler_unit_b, supervision_id=item.pk, text="无关单位报告")
    assert appeal.events.filter(kind=EventKind.SUPERVISED).count() == 1
