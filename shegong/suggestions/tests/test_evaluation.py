"""采纳评估: deadlines, reasons, exclusions, overdue detection, milestones and rewards."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from shegong.appeals.choices import AppealKind, ClockKey, EventKind
from shegong.appeals.services.policies import compute_deadline
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent, Notification
from shegong.suggestions.choices import Outcome
from shegong.suggestions.models import (
    ImplementationMilestone,
    Reward,
    SuggestionEvaluation,
)
from shegong.suggestions.services import evaluation as ev

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatched(world, b):
    return b.dispatch(b.suggestion(), world.unit_a)


@pytest.fixture
def evaluation(world, dispatched):
    return ev.start_evaluation(actor=world.dispatcher, appeal_id=dispatched.pk)


def audit_actions(*actions: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(action__in=actions)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_due_time_comes_from_the_policy_handle_clock_or_configured_days(
    world, b, dispatched, settings
) -> None:
    now = timezone.now()
    evaluation = ev.start_evaluation(actor=world.dispatcher, appeal_id=dispatched.pk, now=now)
    expected = compute_deadline(dispatched.policy, ClockKey.HANDLE, now)
    assert expected is not None
    assert evaluation.due_at == expected.due
    assert evaluation.unit == world.unit_a
    with pytest.raises(DomainError, match="已在采纳评估中"):
        ev.start_evaluation(actor=world.dispatcher, appeal_id=dispatched.pk)

    other = b.dispatch(b.suggestion(), world.unit_b)
    ten = ev.start_evaluation(actor=world.dispatcher, appeal_id=other.pk, days=10, now=now)
    assert timezone.localdate(ten.due_at) >= timezone.localdate(now) + timedelta(days=10)

    settings.SHEGONG_SUGGESTION_EVALUATION_DAYS = 5
    third = b.dispatch(b.suggestion(), world.unit_b)
    five = ev.start_evaluation(actor=world.dispatcher, appeal_id=third.pk, now=now)
    assert five.due_at < ten.due_at


def test_start_needs_a_dispatched_suggestion_and_a_handling_unit(world, b) -> None:
    registered = b.suggestion()
    with pytest.raises(DomainError, match="请先派单"):
        ev.start_evaluation(actor=world.dispatcher, appeal_id=registered.pk)
    hotline = b.dispatch(
        b.appeal(kind=AppealKind.HL_COMPLAINT, title="路灯不亮", body="北一社区路灯坏了两周。"),
        world.unit_a,
    )
    with pytest.raises(DomainError, match="不是人民建议"):
        ev.start_evaluation(actor=world.dispatcher, appeal_id=hotline.pk)
    dispatched = b.dispatch(b.suggestion(), world.unit_a)
    with pytest.raises(DomainError, match="承办该建议的单位"):
        ev.start_evaluation(
            actor=world.dispatcher, appeal_id=dispatched.pk, unit_id=world.unit_b.pk
        )
    with pytest.raises(PermissionDenied):
        ev.start_evaluation(actor=world.handler_unit_a, appeal_id=dispatched.pk)
    assert not SuggestionEvaluation.objects.exists()


def test_every_outcome_requires_reasons(world, evaluation) -> None:
    pk = evaluation.appeal_id
    for outcome in (Outcome.ADOPTED, Outcome.PARTLY, Outcome.NOT_ADOPTED, Outcome.EXCLUDED):
        with pytest.raises(DomainError, match="评估理由"):
            ev.evaluate_suggestion(
                actor=world.handler_unit_a,
                appeal_id=pk,
                outcome=outcome,
                reasons="  ",
                conversion_target="benefit",
                exclusion_ground="personal_claim",
                reroute_stream="hotline",
            )
    with pytest.raises(DomainError, match="请选择评估结果"):
        ev.evaluate_suggestion(
            actor=world.handler_unit_a,
            appeal_id=pk,
            outcome=Outcome.PENDING,
            reasons="理由充分完整",
        )
    with pytest.raises(DomainError, match="转化方式"):
        ev.evaluate_suggestion(
            actor=world.handler_unit_a,
            appeal_id=pk,
            outcome=Outcome.ADOPTED,
            reasons="建议可行，予以采纳",
        )
    evaluation.refresh_from_db()
    assert evaluation.outcome == Outcome.PENDING
    assert evaluation.evaluated_at is None
    # The database refuses a decided outcome without reasons, too.
    with pytest.raises(IntegrityError), transaction.atomic():
        SuggestionEvaluation.objects.filter(pk=evaluation.pk).update(
            outcome=Outcome.NOT_ADOPTED, evaluated_at=timezone.now(), reasons=""
        )


def test_adoption_is_recorded_on_the_timeline_and_audited(world, evaluation) -> None:
    result = ev.evaluate_suggestion(
        actor=world.handler_unit_a,
        appeal_id=evaluation.appeal_id,
        outcome=Outcome.ADOPTED,
        reasons="建议可行，纳入明年口袋公园建设计划",
        conversion_target="benefit",
        feedback_mode="written",
    )
    assert result.outcome == Outcome.ADOPTED
    assert result.evaluated_by == world.handler_unit_a
    assert result.evaluated_at is not None
    note = result.appeal.events.filter(kind=EventKind.NOTE).last()
    assert "采纳评估：采纳（惠民举措）" in note.note
    assert note.public_note == "建议评估结果：采纳"
    assert audit_actions("suggestion_evaluated") == ["suggestion_evaluated"]
    # Not adopted: the conversion target is dropped.
    revised = ev.evaluate_suggestion(
        actor=world.dispatcher,
        appeal_id=evaluation.appeal_id,
        outcome=Outcome.NOT_ADOPTED,
        reasons="经论证，该地块已规划为消防通道",
        conversion_target="benefit",
    )
    assert revised.conversion_target == ""
    assert audit_actions("suggestion_evaluation_revised") == ["suggestion_evaluation_revised"]


def test_exclusion_records_ground_and_channel(world, evaluation) -> None:
    with pytest.raises(DomainError, match="情形"):
        ev.evaluate_suggestion(
            actor=world.handler_unit_a,
            appeal_id=evaluation.appeal_id,
            outcome=Outcome.EXCLUDED,
            reasons="反映的是本人工资拖欠问题",
        )
    result = ev.evaluate_suggestion(
        actor=world.handler_unit_a,
        appeal_id=evaluation.appeal_id,
        outcome=Outcome.EXCLUDED,
        reasons="反映的是本人工资拖欠问题，属于个人诉求",
        exclusion_ground="personal_claim",
        reroute_stream="hotline",
    )
    assert (result.exclusion_ground, result.reroute_stream) == ("personal_claim", "hotline")
    note = result.appeal.events.filter(kind=EventKind.NOTE).last()
    assert "12345热线" in note.public_note
    with pytest.raises(DomainError, match="不作为人民建议的事项不予奖励"):
        ev.grant_reward(actor=world.dispatcher, appeal_id=evaluation.appeal_id, kind="letter")


def test_only_the_evaluating_unit_decides(world, b, evaluation) -> None:
    pk = evaluation.appeal_id
    kwargs = {"outcome": Outcome.NOT_ADOPTED, "reasons": "与现行规划冲突，暂不采纳"}
    # The street sees the suggestion (its region) but is not the evaluating unit.
    with pytest.raises(PermissionDenied):
        ev.evaluate_suggestion(actor=world.street_north, appeal_id=pk, **kwargs)
    # Another unit does not even see it.
    with pytest.raises(DomainError) as exc:
        ev.evaluate_suggestion(actor=world.handler_unit_b, appeal_id=pk, **kwargs)
    assert exc.value.code == "not_found"
    with pytest.raises(PermissionDenied):
        ev.evaluate_suggestion(actor=world.leader, appeal_id=pk, **kwargs)
    evaluation.refresh_from_db()
    assert evaluation.outcome == Outcome.PENDING
    assert not AuditEvent.objects.filter(action="suggestion_evaluated").exists()


def test_overdue_detection_and_single_notification(world, b, client_for) -> None:
    appeal = b.dispatch(b.suggestion(), world.unit_a)
    start = timezone.now() - timedelta(days=20)
    evaluation = ev.start_evaluation(
        actor=world.dispatcher, appeal_id=appeal.pk, days=10, now=start
    )
    assert not SuggestionEvaluation.objects.overdue(start + timedelta(days=5)).exists()
    assert list(SuggestionEvaluation.objects.overdue(timezone.now())) == [evaluation]
    assert evaluation.is_overdue(timezone.now())
    fresh = b.dispatch(b.suggestion(title="另一条建议关于垃圾分类"), world.unit_a)
    ev.start_evaluation(actor=world.dispatcher, appeal_id=fresh.pk)

    page = client_for(world.dispatcher).get("/suggestions/").content.decode()
    rows = page.split('data-overdue="1"')
    assert len(rows) == 2
    assert appeal.number in rows[1].split("</tr>")[0]
    overdue_tab = client_for(world.dispatcher).get("/suggestions/?state=overdue").content.decode()
    assert appeal.number in overdue_tab
    assert fresh.number not in overdue_tab

    assert ev.notify_overdue_evaluations() == 1
    assert ev.notify_overdue_evaluations() == 0
    assert Notification.objects.filter(user=world.handler_unit_a, level="warning").count() == 1

    # Deciding late: the timeline records the clock as missed.
    ev.evaluate_suggestion(
        actor=world.handler_unit_a,
        appeal_id=appeal.pk,
        outcome=Outcome.PARTLY,
        reasons="部分内容可行，先行试点",
        conversion_target="work",
    )
    assert not SuggestionEvaluation.objects.overdue(timezone.now()).filter(pk=evaluation.pk)
    assert appeal.events.filter(kind=EventKind.NOTE).last().clock_met is False


def test_dispatched_suggestions_get_an_evaluation_automatically(world, b) -> None:
    dispatched = b.dispatch(b.suggestion(), world.unit_a)
    b.suggestion(title="还没有派单的建议")
    b.dispatch(
        b.appeal(kind=AppealKind.HL_COMPLAINT, title="路灯不亮", body="北一社区路灯坏了两周。"),
        world.unit_a,
    )
    assert ev.start_missing_evaluations() == 1
    assert ev.start_missing_evaluations() == 0
    evaluation = SuggestionEvaluation.objects.get()
    assert evaluation.appeal == dispatched
    assert evaluation.unit == world.unit_a
    order = dispatched.work_orders.get()
    assert evaluation.started_at == order.dispatched_at
    assert (
        evaluation.due_at
        == compute_deadline(dispatched.policy, ClockKey.HANDLE, order.dispatched_at).due
    )  # type: ignore[union-attr]


def test_milestones_are_for_adopted_suggestions_and_audited(world, evaluation, today) -> None:
    pk = evaluation.appeal_id
    with pytest.raises(DomainError, match="采纳或部分采纳"):
        ev.add_milestone(actor=world.handler_unit_a, appeal_id=pk, title="出台方案", due_date=today)
    ev.evaluate_suggestion(
        actor=world.handler_unit_a,
        appeal_id=pk,
        outcome=Outcome.ADOPTED,
        reasons="建议可行，予以采纳",
        conversion_target="work",
    )
    milestone = ev.add_milestone(
        actor=world.handler_unit_a,
        appeal_id=pk,
        title="完成口袋公园设计方案",
        due_date=today + timedelta(days=30),
    )
    with pytest.raises(DomainError, match="完成情况"):
        ev.complete_milestone(actor=world.handler_unit_a, milestone_id=milestone.pk, evidence="")
    with pytest.raises(PermissionDenied):
        ev.complete_milestone(
            actor=world.street_north, milestone_id=milestone.pk, evidence="设计方案已通过评审"
        )
    done = ev.complete_milestone(
        actor=world.handler_unit_a,
        milestone_id=milestone.pk,
        evidence="设计方案已通过评审（文号2026-18）",
    )
    assert done.done_at is not None
    assert done.completed_by == world.handler_unit_a
    with pytest.raises(DomainError, match="已完成"):
        ev.complete_milestone(
            actor=world.handler_unit_a, milestone_id=milestone.pk, evidence="再次提交完成情况"
        )
    assert audit_actions(
        "implementation_milestone_added", "implementation_milestone_completed"
    ) == [
        "implementation_milestone_added",
        "implementation_milestone_completed",
    ]
    # Milestones pin the adoption: it cannot be turned into "not adopted" silently.
    with pytest.raises(DomainError, match="落实节点"):
        ev.evaluate_suggestion(
            actor=world.handler_unit_a,
            appeal_id=pk,
            outcome=Outcome.NOT_ADOPTED,
            reasons="改为不采纳试试看",
        )
    late = ev.add_milestone(
        actor=world.handler_unit_a, appeal_id=pk, title="开工", due_date=today - timedelta(days=1)
    )
    assert late.is_late(today)
    assert not done.is_late(today)


def test_rewards_rules_and_audit(world, b, evaluation) -> None:
    pk = evaluation.appeal_id
    with pytest.raises(DomainError, match="作出评估结论后"):
        ev.grant_reward(actor=world.dispatcher, appeal_id=pk, kind="letter")
    ev.evaluate_suggestion(
        actor=world.handler_unit_a,
        appeal_id=pk,
        outcome=Outcome.NOT_ADOPTED,
        reasons="与规划冲突，暂不采纳",
    )
    with pytest.raises(DomainError, match="荣誉和奖金"):
        ev.grant_reward(actor=world.dispatcher, appeal_id=pk, kind="bonus", amount="500")
    letter = ev.grant_reward(actor=world.dispatcher, appeal_id=pk, kind="letter", note="感谢参与")
    assert letter.amount is None
    ev.evaluate_suggestion(
        actor=world.handler_unit_a,
        appeal_id=pk,
        outcome=Outcome.ADOPTED,
        reasons="复核后认为可行，予以采纳",
        conversion_target="decision",
    )
    with pytest.raises(DomainError, match="奖金金额"):
        ev.grant_reward(actor=world.dispatcher, appeal_id=pk, kind="bonus")
    with pytest.raises(DomainError, match="奖金金额"):
        ev.grant_reward(actor=world.dispatcher, appeal_id=pk, kind="bonus", amount="-5")
    with pytest.raises(DomainError, match="只有奖金"):
        ev.grant_reward(actor=world.dispatcher, appeal_id=pk, kind="honor", amount="100")
    with pytest.raises(PermissionDenied):
        ev.grant_reward(actor=world.handler_unit_a, appeal_id=pk, kind="bonus", amount="500")
    bonus = ev.grant_reward(
        actor=world.dispatcher, appeal_id=pk, kind="bonus", amount="500", note="人民建议奖三等奖"
    )
    assert bonus.amount == Decimal("500.00")
    assert Reward.objects.count() == 2
    granted = AuditEvent.objects.filter(action="suggestion_reward_granted").order_by("seq")
    assert [e.changes["kind"] for e in granted] == ["letter", "bonus"]
    assert granted.last().changes["amount"] == "500.00"
    # Honours pin the adoption as well.
    with pytest.raises(DomainError, match="荣誉或奖金"):
        ev.evaluate_suggestion(
            actor=world.handler_unit_a,
            appeal_id=pk,
            outcome=Outcome.NOT_ADOPTED,
            reasons="再改回去看看",
        )
    assert ImplementationMilestone.objects.count() == 0
