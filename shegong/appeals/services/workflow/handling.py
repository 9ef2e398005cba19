"""办理: notes, 延期 (requested, approved, capped, citizen told), 答复, 办结, 吹哨报到."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from shegong.core import audit
from shegong.core.calendar import get_calendar
from shegong.core.exceptions import DomainError
from shegong.core.notify import notify
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.units.models import Unit

from ... import hooks
from ...choices import (
    AppealAction,
    ClockKey,
    EventKind,
    ExtensionStatus,
    WorkOrderAction,
    WorkOrderRole,
    WorkOrderStatus,
)
from ...models import Appeal, ExtensionRequest, WorkOrder
from .. import assessment
from ..common import (
    acts_for_unit,
    bump,
    check_version,
    department_users,
    event,
    next_appeal_status,
    next_order_status,
    reason_required,
    require_unit,
)
from ..policies import compute_deadline
from .dispatch import _new_order
from .loading import DISPATCH, HANDLE, _load_appeal, _load_order, _tell_citizen, _unit_users


def add_handling_note(
    *, actor: Any, order_id: int, note: str, contacted: bool = False, now: datetime | None = None
) -> WorkOrder:
    """办理记录 / 联系诉求人 (接诉即办条例 第十五条: contact the 诉求人 promptly)."""
    require_capability(actor, HANDLE)
    now = now or timezone.now()
    note = reason_required(note, "办理情况")
    with transaction.atomic():
        order = _load_order(actor, order_id)
        require_unit(actor, order)
        if not order.is_open:
            raise DomainError("工单已结束，不能再添加办理记录")
        event(
            order.appeal,
            EventKind.CONTACTED if contacted else EventKind.NOTE,
            actor=actor,
            at=now,
            work_order=order,
            note=note,
            public_note="承办单位已与您联系" if contacted else "",
        )
        audit.record(
            "work_order_noted", actor=actor, target=order, at=now, changes={"contacted": contacted}
        )
    return order


def request_extension(
    *, actor: Any, order_id: int, days: int, reason: str, now: datetime | None = None
) -> ExtensionRequest:
    require_capability(actor, HANDLE)
    now = now or timezone.now()
    reason = reason_required(reason, "延期理由")
    with transaction.atomic():
        order = _load_order(actor, order_id)
        require_unit(actor, order)
        next_order_status(order, WorkOrderAction.EXTEND)
        policy = order.appeal.policy
        if order.extensions >= policy.max_extensions:
            raise DomainError(f"该工单已延期{order.extensions}次，按规定不能再延期")
        if days < 1 or order.extended_days + days > policy.max_extension_days:
            raise DomainError(
                f"延期天数应为1至{policy.max_extension_days - order.extended_days}天"
                f"（规定上限{policy.max_extension_days}天）"
            )
        if order.extension_requests.filter(status=ExtensionStatus.PENDING).exists():
            raise DomainError("已有待审批的延期申请")
        request = ExtensionRequest.objects.create(
            work_order=order, days=days, reason=reason, requested_by=actor, requested_at=now
        )
        event(
            order.appeal,
            EventKind.EXTENSION_REQUESTED,
            actor=actor,
            at=now,
            work_order=order,
            note=f"申请延期{days}天：{reason}",
        )
        audit.record(
            "extension_requested",
            actor=actor,
            target=order,
            at=now,
            changes={"days": days},
            note=reason,
        )
        approvers = department_users()
        notify(
            approvers,
            f"延期申请待审批：{order.appeal.title}",
            f"{order.unit.name} 申请延期{days}天",
            url=f"/appeals/{order.appeal_id}/",
        )
    return request


def decide_extension(
    *, actor: Any, request_id: int, approve: bool, note: str = "", now: datetime | None = None
) -> ExtensionRequest:
    """Approve (due date moves, petitioner told the reason) or refuse a pending request."""
    require_capability(actor, Cap.APPEALS_APPROVE_EXTENSION, "您的角色不能审批延期")
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            ExtensionRequest.objects.select_for_update()
            .select_related("work_order")
            .filter(pk=request_id, status=ExtensionStatus.PENDING)
            .first()
        )
        if request is None:
            raise DomainError("延期申请不存在或已处理")
        order = _load_order(actor, request.work_order_id)
        if approve and not order.is_open:
            raise DomainError("工单已结束，不能延期")
        request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
        request.decided_by = actor
        request.decided_at = now
        request.decision_note = note
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        public = ""
        if approve:
            base = order.due_at or now
            new_due = get_calendar().add_natural_days(base, request.days)
            before_due = order.due_at
            order.due_at = new_due.due
            order.due_provisional = order.due_provisional or new_due.provisional
            order.extended_days += request.days
            order.extensions += 1
            order.warned_at = None
            bump(order, ["due_at", "due_provisional", "extended_days", "extensions", "warned_at"])
            if order.role == WorkOrderRole.LEAD:
                for assist in order.appeal.work_orders.filter(
                    role=WorkOrderRole.ASSIST,
                    status__in=[WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED],
                ):
                    WorkOrder.objects.filter(pk=assist.pk).update(due_at=order.due_at)
            public = (
                f"办理期限延长至{timezone.localtime(order.due_at):%Y-%m-%d}，理由：{request.reason}"
            )
            _tell_citizen(order.appeal, f"您的诉求（编号{order.appeal.number}）{public}")
            audit.record(
                "extension_approved",
                actor=actor,
                target=order,
                at=now,
                changes={"due_at": [before_due, order.due_at], "days": request.days},
            )
        else:
            audit.record("extension_rejected", actor=actor, target=order, at=now, note=note)
        event(
            order.appeal,
            EventKind.EXTENSION_DECIDED,
            actor=actor,
            at=now,
            work_order=order,
            note=("同意" if approve else "不同意")
            + f"延期{request.days}天"
            + (f"：{note}" if note else ""),
            public_note=public,
        )
        notify(
            _unit_users(order.unit),
            f"延期申请{'已批准' if approve else '未批准'}：{order.appeal.title}",
            url=f"/appeals/{order.appeal_id}/",
        )
    return request


def reply_order(
    *,
    actor: Any,
    order_id: int,
    text: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> WorkOrder:
    """答复 (主办: the written reply to the citizen) or 报告 (协办 / 吹哨报到 back to the lead)."""
    require_capability(actor, HANDLE)
    now = now or timezone.now()
    text = reason_required(text, "办理结果")
    with transaction.atomic():
        order = _load_order(actor, order_id)
        require_unit(actor, order)
        check_version(order, expected_version)
        if order.role == WorkOrderRole.LEAD:
            for listener in hooks.lead_closing:
                listener(hooks.LeadClosing(order, "reply"))
        before = order.status
        order.status = next_order_status(order, WorkOrderAction.REPLY)
        order.replied_at = now
        order.reply_text = text
        bump(order, ["status", "replied_at", "reply_text"])
        met = order.due_at is None or now <= order.due_at
        appeal = Appeal.objects.select_for_update().get(pk=order.appeal_id)
        if order.role == WorkOrderRole.LEAD:
            appeal.status = next_appeal_status(appeal, AppealAction.REPLY)
            appeal.reply_text = text
            appeal.replied_at = now
            revisit = compute_deadline(appeal.policy, ClockKey.REVISIT, now)
            appeal.revisit_due_at = revisit.due if revisit else None
            bump(appeal, ["status", "reply_text", "replied_at", "revisit_due_at"])
            assessment.record_reply(appeal, order)
            event(
                appeal,
                EventKind.REPLIED,
                actor=actor,
                at=now,
                work_order=order,
                note=text,
                public_note=f"答复意见：{text}",
                clock_due_at=order.due_at,
                clock_met=met,
            )
            _tell_citizen(
                appeal, f"您的诉求（编号{appeal.number}）已答复，可凭查询码查看答复意见。"
            )
        else:
            kind = EventKind.REPORTED if order.role == WorkOrderRole.WHISTLE else EventKind.NOTE
            event(
                appeal,
                kind,
                actor=actor,
                at=now,
                work_order=order,
                note=f"{order.get_role_display()}反馈：{text}",
                clock_due_at=order.due_at,
                clock_met=met,
            )
        audit.record(
            "work_order_replied",
            actor=actor,
            target=order,
            at=now,
            changes={"status": [before, order.status], "on_time": met},
        )
    return order


def close_appeal(
    *,
    actor: Any,
    appeal_id: int,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Appeal:
    """办结: after the reply; closes the replied orders and withdraws any still open."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        check_version(appeal, expected_version)
        close_locked(appeal, actor=actor, now=now, note=note)
    return appeal


def close_locked(appeal: Appeal, *, actor: Any, now: datetime, note: str = "") -> None:
    """Close an appeal the caller has locked and checked (also used by 回访 and the job)."""
    before = appeal.status
    appeal.status = next_appeal_status(appeal, AppealAction.CLOSE)
    appeal.closed_at = now
    bump(appeal, ["status", "closed_at"])
    for order in appeal.work_orders.select_for_update().exclude(
        status__in=[WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED, WorkOrderStatus.RETURNED]
    ):
        action = (
            WorkOrderAction.CLOSE
            if order.status == WorkOrderStatus.REPLIED
            else WorkOrderAction.CANCEL
        )
        order.status = next_order_status(order, action)
        order.closed_at = now
        bump(order, ["status", "closed_at"])
    event(appeal, EventKind.CLOSED, actor=actor, at=now, note=note, public_note="已办结")
    audit.record(
        "appeal_closed",
        actor=actor,
        target=appeal,
        at=now,
        changes={"status": [before, appeal.status]},
    )
    for merged in appeal.merged_appeals.all():
        event(
            merged,
            EventKind.CLOSED,
            actor=actor,
            at=now,
            note=f"随并入的诉求{appeal.number}一并办结",
            public_note="已办结",
        )
        _tell_citizen(merged, f"您的诉求（编号{merged.number}）已答复办结。")


def blow_whistle(
    *, actor: Any, appeal_id: int, unit_ids: list[int], note: str, now: datetime | None = None
) -> list[WorkOrder]:
    """吹哨报到 (接诉即办条例 第十六条): the street handling the appeal summons units; each
    gets a 报到 work order due with the lead's deadline and reports back on it."""
    require_capability(actor, Cap.APPEALS_WHISTLE, "只有街道（乡镇）可以吹哨")
    now = now or timezone.now()
    note = reason_required(note, "吹哨事由")
    if not unit_ids:
        raise DomainError("请选择报到的单位")
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        lead = appeal.work_orders.filter(
            role=WorkOrderRole.LEAD, status__in=[WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED]
        ).first()
        if lead is None or not acts_for_unit(actor, lead.unit):
            raise DomainError("只有在办该诉求的主办单位可以吹哨")
        units = list(Unit.objects.filter(pk__in=unit_ids))
        if len(units) != len(set(unit_ids)):
            raise DomainError("报到单位不存在")
        orders = [
            _new_order(
                appeal,
                unit,
                WorkOrderRole.WHISTLE,
                actor=actor,
                now=now,
                instructions=f"吹哨：{note}",
                due_at=lead.due_at,
                provisional=lead.due_provisional,
            )
            for unit in units
        ]
        event(
            appeal,
            EventKind.WHISTLE,
            actor=actor,
            at=now,
            work_order=lead,
            note=f"{note}；报到单位：{'、'.join(u.name for u in units)}",
        )
        audit.record(
            "appeal_whistle_blown",
            actor=actor,
            target=appeal,
            at=now,
            changes={"units": [u.code for u in units]},
            note=note,
        )
    return orders
