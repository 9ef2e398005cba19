"""采纳评估, implementation milestones and rewards (信访工作条例 第二十九条; 上海市人民建议
征集若干规定 第十、十二、十三、十六条).

Flow: a 人民建议 is dispatched through the appeals workflow → its evaluation starts (by the
department, or by the periodic job for dispatched suggestions) with a due time → the
responsible unit decides 采纳 / 部分采纳 / 不采纳 / 不作为人民建议, always with reasons →
adopted suggestions get milestones (落实) and may be rewarded.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.appeals.choices import (
    AppealKind,
    AppealStatus,
    ClockKey,
    EventKind,
    WorkOrderRole,
    WorkOrderStatus,
)
from shegong.appeals.models import Appeal
from shegong.appeals.services.common import acts_for_unit, event
from shegong.appeals.services.policies import compute_deadline
from shegong.core import audit
from shegong.core.calendar import get_calendar
from shegong.core.exceptions import DomainError
from shegong.core.notify import notify
from shegong.core.permissions import require_capability
from shegong.lib.workcalendar import Deadline

from ..choices import (
    ADOPTED_OUTCOMES,
    DECIDED_OUTCOMES,
    ConversionTarget,
    ExclusionGround,
    FeedbackMode,
    Outcome,
    RerouteStream,
    RewardKind,
)
from ..models import ImplementationMilestone, Reward, SuggestionEvaluation
from .common import EVALUATE, MANAGE, bump, check_version, load_suggestion, text_required

# Optional override: evaluate within N natural days instead of the policy's handle clock.
DAYS_SETTING = "SHEGONG_SUGGESTION_EVALUATION_DAYS"
FALLBACK_DAYS = 30
MAX_BONUS = Decimal("1000000")
REROUTE_WORDS: dict[str, str] = {
    RerouteStream.PETITION: "信访事项",
    RerouteStream.HOTLINE: "12345热线诉求",
}


def evaluation_due(appeal: Appeal, start: datetime, days: int | None = None) -> Deadline:
    """The evaluation deadline: ``days`` natural days if given (or configured in
    ``SHEGONG_SUGGESTION_EVALUATION_DAYS``), else the appeal policy's handle clock (人民建议:
    30 自然日 by default, docs/appeals.md), computed on the official calendar."""
    days = days or getattr(settings, DAYS_SETTING, None)
    if days:
        if int(days) < 1 or int(days) > 365:
            raise DomainError("评估期限应为1至365天")
        return get_calendar().deadline(start, int(days), "natural_day")
    deadline = compute_deadline(appeal.policy, ClockKey.HANDLE, start, appeal.urgency)
    return deadline or get_calendar().deadline(start, FALLBACK_DAYS, "natural_day")


def responsible_units(appeal: Appeal) -> dict[int, Any]:
    """Units holding a live (not returned, not withdrawn) work order on the appeal."""
    orders = appeal.work_orders.exclude(
        status__in=[WorkOrderStatus.RETURNED, WorkOrderStatus.CANCELLED]
    ).select_related("unit")
    return {o.unit_id: o.unit for o in orders}


def _load_evaluation(actor: User, appeal_id: int) -> SuggestionEvaluation:
    evaluation = (
        SuggestionEvaluation.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("appeal", "appeal__region", "unit")
        .filter(appeal_id=appeal_id)
        .first()
    )
    if evaluation is None:
        raise DomainError("该建议尚未开始采纳评估", code="not_found")
    return evaluation


def _require_evaluator_role(actor: User) -> None:
    if not actor.has_capability(MANAGE):
        require_capability(actor, EVALUATE, "您的角色不能进行采纳评估")


def _require_evaluator(actor: User, evaluation: SuggestionEvaluation) -> None:
    """The evaluating unit (or a unit above it) decides; the department may record a
    decision received on paper (``suggestions.manage``)."""
    if actor.has_capability(MANAGE):
        return
    require_capability(actor, EVALUATE, "您的角色不能进行采纳评估")
    if not acts_for_unit(actor, evaluation.unit):
        raise PermissionDenied("只有评估单位的工作人员可以进行采纳评估")


def start_evaluation(
    *,
    actor: User,
    appeal_id: int,
    unit_id: int | None = None,
    days: int | None = None,
    now: datetime | None = None,
) -> SuggestionEvaluation:
    """Open the 采纳评估 of a dispatched suggestion for one of its handling units (default:
    the lead unit) with a stored due time."""
    require_capability(actor, MANAGE, "您的角色不能安排采纳评估")
    now = now or timezone.now()
    with transaction.atomic():
        appeal = load_suggestion(actor, appeal_id, lock=True)
        if SuggestionEvaluation.objects.filter(appeal=appeal).exists():
            raise DomainError("该建议已在采纳评估中")
        units = responsible_units(appeal)
        if not units:
            raise DomainError("请先派单：评估单位应为承办该建议的单位")
        chosen = unit_id or appeal.lead_unit_id
        if chosen not in units:
            raise DomainError("评估单位应为承办该建议的单位（主办或协办）")
        due = evaluation_due(appeal, now, days)
        evaluation = SuggestionEvaluation.objects.create(
            appeal=appeal,
            unit=units[chosen],
            started_at=now,
            started_by=actor,
            due_at=due.due,
            due_provisional=due.provisional,
        )
        audit.record(
            "suggestion_evaluation_started",
            actor=actor,
            target=evaluation,
            at=now,
            changes={"unit": units[chosen].code, "due_at": due.due, "days": days},
        )
    return evaluation


def change_evaluation_unit(
    *, actor: User, appeal_id: int, unit_id: int, reason: str, now: datetime | None = None
) -> SuggestionEvaluation:
    """Hand a pending evaluation to another handling unit of the suggestion (after 改派)."""
    require_capability(actor, MANAGE, "您的角色不能调整评估单位")
    reason = text_required(reason, "调整理由")
    now = now or timezone.now()
    with transaction.atomic():
        evaluation = _load_evaluation(actor, appeal_id)
        if evaluation.is_decided:
            raise DomainError("已作出评估结论，不能更换评估单位")
        units = responsible_units(evaluation.appeal)
        if unit_id not in units:
            raise DomainError("评估单位应为承办该建议的单位（主办或协办）")
        before = evaluation.unit.code
        evaluation.unit = units[unit_id]
        bump(evaluation, ["unit"])
        audit.record(
            "suggestion_evaluation_reassigned",
            actor=actor,
            target=evaluation,
            at=now,
            changes={"unit": [before, evaluation.unit.code]},
            note=reason,
        )
    return evaluation


def evaluate_suggestion(
    *,
    actor: User,
    appeal_id: int,
    outcome: str,
    reasons: str,
    conversion_target: str = "",
    feedback_mode: str = "",
    exclusion_ground: str = "",
    reroute_stream: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> SuggestionEvaluation:
    """Record (or revise) the decision. Every outcome needs reasons; 采纳/部分采纳 need a
    conversion target (上海 第十三条); 不作为人民建议 needs the ground (第十条第二款) and the
    channel it should go to — the appeal itself is re-routed in the appeals workflow."""
    _require_evaluator_role(actor)
    now = now or timezone.now()
    if outcome not in DECIDED_OUTCOMES:
        raise DomainError("请选择评估结果")
    reasons = text_required(reasons, "评估理由", minimum=5)
    if feedback_mode and feedback_mode not in FeedbackMode.values:
        raise DomainError("反馈方式无效")
    if outcome in ADOPTED_OUTCOMES:
        if conversion_target not in ConversionTarget.values:
            raise DomainError(
                "采纳或部分采纳的建议，请选择转化方式（参照上海市人民建议征集若干规定 第十三条）"
            )
    else:
        conversion_target = ""
    if outcome == Outcome.EXCLUDED:
        if exclusion_ground not in ExclusionGround.values:
            raise DomainError("请选择不作为人民建议的情形（个人诉求，或属于诉讼、仲裁、行政复议）")
        if reroute_stream not in RerouteStream.values:
            raise DomainError("请选择转办渠道（信访或12345热线）")
    else:
        exclusion_ground = reroute_stream = ""
    with transaction.atomic():
        evaluation = _load_evaluation(actor, appeal_id)
        _require_evaluator(actor, evaluation)
        check_version(evaluation, expected_version)
        if outcome not in ADOPTED_OUTCOMES:
            if evaluation.milestones.exists():
                raise DomainError("已有落实节点，不能改为未采纳")
            if evaluation.rewards.exclude(kind=RewardKind.LETTER).exists():
                raise DomainError("已给予荣誉或奖金，不能改为未采纳")
        if outcome == Outcome.EXCLUDED and evaluation.rewards.exists():
            raise DomainError("已给予奖励，不能改为不作为人民建议")
        fields = [
            "outcome",
            "reasons",
            "conversion_target",
            "feedback_mode",
            "exclusion_ground",
            "reroute_stream",
            "evaluated_by",
            "evaluated_at",
        ]
        before = audit.snapshot(evaluation, fields)
        revised = evaluation.is_decided
        evaluation.outcome = outcome
        evaluation.reasons = reasons
        evaluation.conversion_target = conversion_target
        evaluation.feedback_mode = feedback_mode
        evaluation.exclusion_ground = exclusion_ground
        evaluation.reroute_stream = reroute_stream
        evaluation.evaluated_by = actor
        evaluation.evaluated_at = now
        bump(evaluation, fields)
        label = Outcome(outcome).label
        on_time = now <= evaluation.due_at
        if outcome == Outcome.EXCLUDED:
            public = f"您反映的事项不作为人民建议办理，将按{REROUTE_WORDS[reroute_stream]}依法办理"
        else:
            public = f"建议评估结果：{label}"
        event(
            evaluation.appeal,
            EventKind.NOTE,
            actor=actor,
            at=now,
            note=f"{'修改' if revised else ''}采纳评估：{label}"
            + (f"（{ConversionTarget(conversion_target).label}）" if conversion_target else "")
            + f"；理由：{reasons}",
            public_note=public,
            clock_due_at=evaluation.due_at,
            clock_met=on_time,
        )
        audit.record(
            "suggestion_evaluation_revised" if revised else "suggestion_evaluated",
            actor=actor,
            target=evaluation,
            at=now,
            changes={**audit.diff(before, audit.snapshot(evaluation, fields)), "on_time": on_time},
            note=reasons,
        )
    return evaluation


# --- milestones ---------------------------------------------------------------------------------


def _adopted(evaluation: SuggestionEvaluation) -> None:
    if not evaluation.is_adopted:
        raise DomainError("只有采纳或部分采纳的建议需要落实节点")


def add_milestone(
    *, actor: User, appeal_id: int, title: str, due_date: date, now: datetime | None = None
) -> ImplementationMilestone:
    _require_evaluator_role(actor)
    now = now or timezone.now()
    title = text_required(title, "落实节点名称")[:200]
    if not isinstance(due_date, date):
        raise DomainError("请填写计划完成日期")
    with transaction.atomic():
        evaluation = _load_evaluation(actor, appeal_id)
        _require_evaluator(actor, evaluation)
        _adopted(evaluation)
        milestone = ImplementationMilestone.objects.create(
            evaluation=evaluation, title=title, due_date=due_date, created_by=actor
        )
        audit.record(
            "implementation_milestone_added",
            actor=actor,
            target=milestone,
            at=now,
            changes={"title": title, "due_date": due_date},
        )
    return milestone


def complete_milestone(
    *, actor: User, milestone_id: int, evidence: str, now: datetime | None = None
) -> ImplementationMilestone:
    """Mark a step done with what was done and the evidence (文件、照片、链接的说明)."""
    _require_evaluator_role(actor)
    now = now or timezone.now()
    evidence = text_required(evidence, "完成情况与佐证", minimum=5)
    with transaction.atomic():
        milestone = (
            ImplementationMilestone.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("evaluation", "evaluation__unit", "evaluation__appeal__region")
            .filter(pk=milestone_id)
            .first()
        )
        if milestone is None:
            raise DomainError("落实节点不存在或不在您的管辖范围内", code="not_found")
        _require_evaluator(actor, milestone.evaluation)
        if milestone.done_at is not None:
            raise DomainError("该节点已完成")
        milestone.done_at = now
        milestone.evidence = evidence
        milestone.completed_by = actor
        milestone.save(update_fields=["done_at", "evidence", "completed_by"])
        late = now.date() > milestone.due_date
        audit.record(
            "implementation_milestone_completed",
            actor=actor,
            target=milestone,
            at=now,
            changes={"late": late},
            note=evidence,
        )
    return milestone


# --- rewards ------------------------------------------------------------------------------------


def _amount(kind: str, raw: Any) -> Decimal | None:
    if kind != RewardKind.BONUS:
        if raw not in (None, "", 0, "0"):
            raise DomainError("只有奖金需要填写金额")
        return None
    try:
        amount = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise DomainError("请填写奖金金额（元）") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_BONUS:
        raise DomainError("奖金金额应大于0且不超过100万元")
    return amount.quantize(Decimal("0.01"))


def grant_reward(
    *,
    actor: User,
    appeal_id: int,
    kind: str,
    amount: Any = None,
    note: str = "",
    now: datetime | None = None,
) -> Reward:
    """感谢信 / 荣誉 / 奖金, granted by the department (信访工作条例 第二十九条). A 感谢信 may
    thank any evaluated suggestion; 荣誉 and 奖金 are for 采纳 / 部分采纳 only."""
    require_capability(actor, MANAGE, "您的角色不能给予奖励")
    now = now or timezone.now()
    if kind not in RewardKind.values:
        raise DomainError("请选择奖励方式")
    value = _amount(kind, amount)
    note = (note or "").strip()[:255]
    with transaction.atomic():
        evaluation = _load_evaluation(actor, appeal_id)
        if not evaluation.is_decided:
            raise DomainError("请在作出评估结论后再给予奖励")
        if evaluation.outcome == Outcome.EXCLUDED:
            raise DomainError("不作为人民建议的事项不予奖励")
        if kind != RewardKind.LETTER and not evaluation.is_adopted:
            raise DomainError("荣誉和奖金只授予采纳或部分采纳的建议")
        reward = Reward.objects.create(
            evaluation=evaluation,
            kind=kind,
            amount=value,
            note=note,
            granted_by=actor,
            granted_at=now,
        )
        audit.record(
            "suggestion_reward_granted",
            actor=actor,
            target=reward,
            at=now,
            changes={"kind": kind, "amount": str(value) if value is not None else None},
            note=note,
        )
    return reward


# --- periodic housekeeping ----------------------------------------------------------------------


def start_missing_evaluations(now: datetime | None = None, limit: int = 500) -> int:
    """Periodic: every dispatched 人民建议 gets its evaluation, for the lead unit, due by the
    handle clock counted from the lead dispatch. Idempotent (one-to-one + get_or_create)."""
    now = now or timezone.now()
    started = 0
    candidates = (
        Appeal.objects.filter(
            kind=AppealKind.PEOPLE_SUGGESTION,
            status__in=[AppealStatus.DISPATCHED, AppealStatus.REPLIED],
            lead_unit__isnull=False,
            evaluation__isnull=True,
        )
        .select_related("policy", "lead_unit", "region")
        .order_by("pk")[:limit]
    )
    for appeal in candidates:
        lead = (
            appeal.work_orders.filter(role=WorkOrderRole.LEAD, unit_id=appeal.lead_unit_id or 0)
            .exclude(status__in=[WorkOrderStatus.RETURNED, WorkOrderStatus.CANCELLED])
            .order_by("-dispatched_at")
            .first()
        )
        if lead is None:
            continue
        due = evaluation_due(appeal, lead.dispatched_at)
        try:
            with transaction.atomic():
                evaluation, created = SuggestionEvaluation.objects.get_or_create(
                    appeal=appeal,
                    defaults={
                        "unit_id": lead.unit_id,
                        "started_at": lead.dispatched_at,
                        "due_at": due.due,
                        "due_provisional": due.provisional,
                    },
                )
                if created:
                    audit.record(
                        "suggestion_evaluation_started",
                        actor=None,
                        target=evaluation,
                        at=now,
                        changes={"unit": lead.unit.code, "due_at": due.due, "auto": True},
                    )
                    started += 1
        except IntegrityError:  # another worker won the race
            continue
    return started


def notify_overdue_evaluations(now: datetime | None = None) -> int:
    """Periodic: tell the evaluating unit once when an evaluation passes its due time
    (compare-and-swap on ``overdue_notified_at``)."""
    now = now or timezone.now()
    told = 0
    users = get_user_model().objects
    for evaluation in (
        SuggestionEvaluation.objects.overdue(now)
        .filter(overdue_notified_at__isnull=True)
        .select_related("appeal", "unit")
    ):
        won = SuggestionEvaluation.objects.filter(
            pk=evaluation.pk, overdue_notified_at__isnull=True
        ).update(overdue_notified_at=now)
        if not won:
            continue
        notify(
            users.filter(unit=evaluation.unit, is_active=True),
            f"采纳评估已超期：{evaluation.appeal.title}",
            f"{evaluation.appeal.number} 应于 {timezone.localtime(evaluation.due_at):%Y-%m-%d} "
            "前作出评估结论",
            url=f"/suggestions/{evaluation.appeal_id}/",
            level="warning",
        )
        told += 1
    return told
