"""派单 (主办 + 协办, each a work order with clocks), 签收, 退单 (the Nth return escalates,
属地兜底), 改派, and the appeal's category."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.notify import notify
from shegong.core.permissions import require_capability
from shegong.units.models import Unit

from ... import hooks
from ...choices import (
    AppealAction,
    AppealStatus,
    ClockKey,
    EventKind,
    Stream,
    WorkOrderAction,
    WorkOrderRole,
    WorkOrderStatus,
)
from ...models import Appeal, WorkOrder
from ..common import (
    accused_conflict,
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
from .loading import DISPATCH, HANDLE, _load_appeal, _load_order, _unit_users


def _new_order(
    appeal: Appeal,
    unit: Unit,
    role: str,
    *,
    actor: Any,
    now: datetime,
    instructions: str,
    due_at: datetime | None = None,
    provisional: bool = False,
) -> WorkOrder:
    if accused_conflict(appeal, unit):
        raise DomainError(
            f"“{unit.name}”是被检举控告单位（或其下级），不能承办该事项（信访工作条例 第三十条）"
        )
    if not unit.is_active or not unit.is_handling_unit:
        raise DomainError(f"“{unit.name}”不是有效的承办单位")
    sign = compute_deadline(appeal.policy, ClockKey.SIGN, now)
    if due_at is None:
        # 信访: 60 days from 受理 (第三十四条); hotline: from dispatch, by urgency class.
        start = (
            appeal.accepted_at if appeal.stream == Stream.PETITION and appeal.accepted_at else now
        )
        handle = compute_deadline(appeal.policy, ClockKey.HANDLE, start, appeal.urgency)
        due_at = handle.due if handle else None
        provisional = bool(handle and handle.provisional)
    order = WorkOrder.objects.create(
        appeal=appeal,
        unit=unit,
        role=role,
        dispatched_by=actor,
        dispatched_at=now,
        instructions=instructions,
        sign_due_at=sign.due if sign else None,
        due_at=due_at,
        due_provisional=provisional,
    )
    for listener in hooks.work_order_created:
        listener(hooks.WorkOrderCreated(order))
    notify(
        _unit_users(unit),
        f"新工单：{appeal.title}",
        f"{appeal.number}（{order.get_role_display()}）",
        url=f"/appeals/{appeal.pk}/",
    )
    return order


def dispatch_appeal(
    *,
    actor: Any,
    appeal_id: int,
    lead_unit_id: int,
    assist_unit_ids: list[int] | None = None,
    instructions: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
    category_l1: str = "",
    category_l2: str = "",
) -> Appeal:
    """派单: one 主办 work order plus optional 协办 orders, each with its own clocks.
    ``category_l1``/``category_l2``: the dispatcher's category (kept if not given)."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    assist_unit_ids = [u for u in (assist_unit_ids or []) if u != lead_unit_id]
    if category_l1:
        category_l1, category_l2 = check_category(category_l1, category_l2)
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        check_version(appeal, expected_version)
        fields = ["status", "accepted_at", "lead_unit"]
        if category_l1:
            appeal.category_l1, appeal.category_l2 = category_l1, category_l2
            appeal.category_by = actor
            fields += ["category_l1", "category_l2", "category_by"]
        if appeal.work_orders.filter(
            role=WorkOrderRole.LEAD, status__in=[WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED]
        ).exists():
            raise DomainError("该诉求已有在办的主办单位；如需更换请使用“改派”")
        before = appeal.status
        appeal.status = next_appeal_status(appeal, AppealAction.DISPATCH)
        units = {u.pk: u for u in Unit.objects.filter(pk__in=[lead_unit_id, *assist_unit_ids])}
        if lead_unit_id not in units or any(u not in units for u in assist_unit_ids):
            raise DomainError("承办单位不存在")
        if appeal.accepted_at is None:
            appeal.accepted_at = now  # 即时派单 accepts
        lead = _new_order(
            appeal,
            units[lead_unit_id],
            WorkOrderRole.LEAD,
            actor=actor,
            now=now,
            instructions=instructions,
        )
        for unit_id in assist_unit_ids:
            _new_order(
                appeal,
                units[unit_id],
                WorkOrderRole.ASSIST,
                actor=actor,
                now=now,
                instructions=instructions,
                due_at=lead.due_at,
                provisional=lead.due_provisional,
            )
        appeal.lead_unit = lead.unit
        bump(appeal, fields)
        names = "、".join([lead.unit.name] + [units[u].name for u in assist_unit_ids])
        event(
            appeal,
            EventKind.DISPATCHED,
            actor=actor,
            at=now,
            work_order=lead,
            note=f"主办：{lead.unit.name}"
            + (
                f"；协办：{'、'.join(units[u].name for u in assist_unit_ids)}"
                if assist_unit_ids
                else ""
            )
            + (f"；意见：{instructions}" if instructions else ""),
            public_note=f"已交由{lead.unit.name}办理",
            clock_due_at=lead.due_at,
        )
        audit.record(
            "appeal_dispatched",
            actor=actor,
            target=appeal,
            at=now,
            changes={
                "status": [before, appeal.status],
                "lead": lead.unit.code,
                "assist": [units[u].code for u in assist_unit_ids],
                "units": names,
                "category": "/".join(c for c in (category_l1, category_l2) if c),
            },
        )
    return appeal


def check_category(category_l1: str, category_l2: str = "") -> tuple[str, str]:
    """(l1, l2) if they name classes of the shipped taxonomy (二级 under its 一级)."""
    from shegong.textmining.taxonomy import Taxonomy

    taxonomy = Taxonomy.default()
    l1, l2 = (category_l1 or "").strip(), (category_l2 or "").strip()
    if l1 not in taxonomy.level1:
        raise DomainError(f"诉求类别“{l1[:50]}”不在分类目录中")
    if l2 and l2 not in taxonomy.level2(l1):
        raise DomainError(f"二级类别“{l2[:50]}”不属于“{l1}”")
    return l1, l2


def set_category(
    *,
    actor: Any,
    appeal_id: int,
    category_l1: str,
    category_l2: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Appeal:
    """定类/改类: the dispatcher's final category, the label triage learns from."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    l1, l2 = check_category(category_l1, category_l2)
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        check_version(appeal, expected_version)
        if appeal.anonymised_at is not None:
            raise DomainError("该诉求已匿名化，不能再修改类别")
        before = "/".join(c for c in (appeal.category_l1, appeal.category_l2) if c)
        appeal.category_l1, appeal.category_l2, appeal.category_by = l1, l2, actor
        bump(appeal, ["category_l1", "category_l2", "category_by"])
        audit.record(
            "appeal_category_set",
            actor=actor,
            target=appeal,
            at=now,
            changes={"category": [before, "/".join(c for c in (l1, l2) if c)]},
        )
    return appeal


def sign_order(
    *, actor: Any, order_id: int, expected_version: int | None = None, now: datetime | None = None
) -> WorkOrder:
    require_capability(actor, HANDLE)
    now = now or timezone.now()
    with transaction.atomic():
        order = _load_order(actor, order_id)
        require_unit(actor, order)
        check_version(order, expected_version)
        order.status = next_order_status(order, WorkOrderAction.SIGN)
        order.signed_at = now
        bump(order, ["status", "signed_at"])
        met = order.sign_due_at is None or now <= order.sign_due_at
        event(
            order.appeal,
            EventKind.SIGNED,
            actor=actor,
            at=now,
            work_order=order,
            clock_due_at=order.sign_due_at,
            clock_met=met,
        )
        audit.record(
            "work_order_signed",
            actor=actor,
            target=order,
            at=now,
            changes={"status": [WorkOrderStatus.PENDING, order.status], "sign_met": met},
        )
    return order


def _territorial_fallback(appeal: Appeal, returning: Unit) -> Unit | None:
    """属地兜底: the unit above the returning one, else the street/district unit of the place."""
    if returning.parent_id:
        parent = Unit.objects.filter(
            pk=returning.parent_id, is_active=True, is_handling_unit=True
        ).first()
        if parent is not None and not accused_conflict(appeal, parent):
            return parent
    region = appeal.region
    ancestors = [p for p in region.path.strip("/").split("/") if p]
    for depth in range(len(ancestors), 0, -1):
        path = "/" + "/".join(ancestors[:depth]) + "/"
        unit = (
            Unit.objects.filter(
                region__path=path,
                kind__in=["street", "district", "department"],
                is_active=True,
                is_handling_unit=True,
            )
            .exclude(pk=returning.pk)
            .order_by("pk")
            .first()
        )
        if unit is not None and not accused_conflict(appeal, unit):
            return unit
    return None


def return_order(
    *,
    actor: Any,
    order_id: int,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> WorkOrder:
    """退单 (wrong unit): back to dispatch, counted; the policy's Nth return escalates."""
    require_capability(actor, HANDLE)
    now = now or timezone.now()
    reason = reason_required(reason, "退单理由")
    with transaction.atomic():
        order = _load_order(actor, order_id)
        require_unit(actor, order)
        check_version(order, expected_version)
        before = order.status
        order.status = next_order_status(order, WorkOrderAction.RETURN)
        order.returned_at = now
        order.return_reason = reason
        bump(order, ["status", "returned_at", "return_reason"])
        appeal = (
            Appeal.objects.select_for_update()
            .select_related("policy", "region")
            .get(pk=order.appeal_id)
        )
        objection = compute_deadline(appeal.policy, ClockKey.OBJECTION, order.dispatched_at)
        met = objection is None or now <= objection.due
        event(
            appeal,
            EventKind.RETURNED,
            actor=actor,
            at=now,
            work_order=order,
            note=reason,
            clock_due_at=objection.due if objection else None,
            clock_met=met,
        )
        audit.record(
            "work_order_returned",
            actor=actor,
            target=order,
            at=now,
            changes={"status": [before, order.status], "within_objection_window": met},
            note=reason,
        )
        if order.role == WorkOrderRole.LEAD:
            for other in appeal.work_orders.filter(
                status__in=[WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED]
            ):
                other.status = next_order_status(other, WorkOrderAction.CANCEL)
                other.closed_at = now
                bump(other, ["status", "closed_at"])
            appeal.status = next_appeal_status(appeal, AppealAction.RETURNED)
            appeal.returns += 1
            appeal.lead_unit = None
            bump(appeal, ["status", "returns", "lead_unit"])
            dispatchers = department_users()
            notify(
                dispatchers,
                f"退单待重新派单：{appeal.title}",
                f"{order.unit.name}：{reason}",
                url=f"/appeals/{appeal.pk}/",
                level="warning",
            )
            if appeal.returns >= appeal.policy.returns_before_escalation:
                fallback = _territorial_fallback(appeal, order.unit)
                if fallback is not None:
                    appeal.status = next_appeal_status(appeal, AppealAction.DISPATCH)
                    lead = _new_order(
                        appeal,
                        fallback,
                        WorkOrderRole.LEAD,
                        actor=None,
                        now=now,
                        instructions=f"第{appeal.returns}次退单，按属地兜底提级办理",
                    )
                    appeal.lead_unit = fallback
                    bump(appeal, ["status", "lead_unit"])
                    event(
                        appeal,
                        EventKind.ESCALATED,
                        actor=None,
                        at=now,
                        work_order=lead,
                        note=f"第{appeal.returns}次退单，提级至{fallback.name}（属地兜底）",
                        public_note=f"已交由{fallback.name}办理",
                        clock_due_at=lead.due_at,
                    )
                    audit.record(
                        "appeal_escalated",
                        actor=None,
                        target=appeal,
                        at=now,
                        changes={"returns": appeal.returns, "to": fallback.code},
                    )
    return order


def reassign_appeal(
    *,
    actor: Any,
    appeal_id: int,
    lead_unit_id: int,
    reason: str,
    assist_unit_ids: list[int] | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Appeal:
    """改派: withdraw the open orders and dispatch again."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    reason = reason_required(reason, "改派理由")
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        check_version(appeal, expected_version)
        open_orders = list(
            appeal.work_orders.select_for_update().filter(
                status__in=[WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED]
            )
        )
        if not open_orders:
            raise DomainError("没有在办工单，请直接派单")
        for order in open_orders:
            order.status = next_order_status(order, WorkOrderAction.CANCEL)
            order.closed_at = now
            bump(order, ["status", "closed_at"])
        event(appeal, EventKind.REASSIGNED, actor=actor, at=now, note=reason)
        audit.record(
            "appeal_reassigned",
            actor=actor,
            target=appeal,
            at=now,
            changes={"withdrawn": [o.unit.code for o in open_orders]},
            note=reason,
        )
        appeal.status = (
            AppealStatus.ACCEPTED if appeal.status == AppealStatus.DISPATCHED else appeal.status
        )
        bump(appeal, ["status"])
    return dispatch_appeal(
        actor=actor,
        appeal_id=appeal_id,
        lead_unit_id=lead_unit_id,
        assist_unit_ids=assist_unit_ids,
        instructions=f"改派：{reason}",
        now=now,
    )
