"""Acceptance, dispatch and handling: one state machine, every transition audited.

Flow (信访工作条例 第二十二~三十四条; 接诉即办条例 第十一~十六条):
登记 → 受理 / 不予受理 / 告知其他途径 (诉访分离) / 转送 → 派单 (主办 + 协办, each a work
order with clocks) → 签收 → 退单 (reason; back to dispatch; the Nth return escalates to the
level above, 属地兜底) → 改派 → 办理 (notes, 联系诉求人) → 延期 (requested, approved,
capped, citizen told) → 答复 → 办结. 吹哨报到: a street summons units; each reports back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from shegong.core import audit
from shegong.core.calendar import get_calendar
from shegong.core.exceptions import DomainError
from shegong.core.notify import notify, queue_sms
from shegong.core.permissions import require_capability
from shegong.core.pii import plain
from shegong.core.roles import Cap
from shegong.units.models import Unit

from ..choices import (
    AppealAction,
    AppealStatus,
    ClockKey,
    EventKind,
    ExtensionStatus,
    RedirectChannel,
    Stream,
    WorkOrderAction,
    WorkOrderRole,
    WorkOrderStatus,
)
from ..models import Appeal, ExtensionRequest, WorkOrder
from . import assessment
from .common import (
    accused_conflict,
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
from .policies import compute_deadline

DISPATCH = Cap.APPEALS_DISPATCH
HANDLE = Cap.APPEALS_HANDLE


def _load_appeal(actor: Any, appeal_id: int, *, lock: bool = True) -> Appeal:
    qs = Appeal.objects.visible_to(actor)
    if lock:
        qs = qs.select_for_update()
    appeal = qs.select_related("policy", "region").filter(pk=appeal_id).first()
    if appeal is None:
        raise DomainError("诉求不存在或不在您的管辖范围内", code="not_found")
    return appeal


def _load_order(actor: Any, order_id: int) -> WorkOrder:
    order = (
        WorkOrder.objects.visible_to(actor)
        .select_for_update()
        .select_related("appeal", "unit", "appeal__policy")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise DomainError("工单不存在或不在您的管辖范围内", code="not_found")
    return order


def _unit_users(unit: Unit) -> Any:
    return get_user_model().objects.filter(unit=unit, is_active=True)


def _tell_citizen(appeal: Appeal, text: str) -> None:
    """SMS to the petitioner, recorded with the action and sent by a task after commit
    (a gateway error never rolls back or breaks the case; core.notify.queue_sms)."""
    petitioner = appeal.petitioner
    phone = plain(petitioner.phone) if petitioner is not None else ""
    if phone:
        queue_sms(phone, f"【社工平台】{text}", purpose="诉求办理进度")


def dispatch_targets() -> Any:
    """Units a dispatcher may choose: every active handling unit of the city (reference
    data, not scoped rows: dispatching across the tree is the dispatcher's job)."""
    return (
        Unit.objects.filter(is_active=True, is_handling_unit=True)
        .exclude(kind="community")
        .order_by("kind", "code")
    )


def unit_ids_by_codes(codes: list[str]) -> list[int]:
    return list(Unit.objects.filter(code__in=codes).values_list("pk", flat=True))


# --- acceptance -----------------------------------------------------------------------------


def accept_appeal(
    *,
    actor: Any,
    appeal_id: int,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Appeal:
    """受理: within the triage clock (信访工作条例 第二十三条: written notice within 15 days)."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        check_version(appeal, expected_version)
        appeal.status = next_appeal_status(appeal, AppealAction.ACCEPT)
        appeal.accepted_at = now
        bump(appeal, ["status", "accepted_at"])
        met = appeal.triage_due_at is None or now <= appeal.triage_due_at
        event(
            appeal,
            EventKind.ACCEPTED,
            actor=actor,
            at=now,
            note=note,
            public_note="您的诉求已受理",
            clock_due_at=appeal.triage_due_at,
            clock_met=met,
        )
        audit.record(
            "appeal_accepted",
            actor=actor,
            target=appeal,
            at=now,
            changes={"status": [AppealStatus.REGISTERED, appeal.status], "triage_met": met},
        )
        _tell_citizen(appeal, f"您的诉求（编号{appeal.number}）已受理，可凭查询码查看办理进度。")
    return appeal


def reject_appeal(
    *,
    actor: Any,
    appeal_id: int,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Appeal:
    """不予受理 with a reason; the written notice is generated from it (notices module)."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    reason = reason_required(reason, "不予受理的理由")
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        check_version(appeal, expected_version)
        before = appeal.status
        appeal.status = next_appeal_status(appeal, AppealAction.REJECT)
        appeal.decision_reason = reason
        appeal.closed_at = now
        bump(appeal, ["status", "decision_reason", "closed_at"])
        met = appeal.triage_due_at is None or now <= appeal.triage_due_at
        event(
            appeal,
            EventKind.REJECTED,
            actor=actor,
            at=now,
            note=reason,
            public_note=f"不予受理：{reason}",
            clock_due_at=appeal.triage_due_at,
            clock_met=met,
        )
        audit.record(
            "appeal_rejected",
            actor=actor,
            target=appeal,
            at=now,
            changes={"status": [before, appeal.status]},
            note=reason,
        )
        _tell_citizen(appeal, f"您的诉求（编号{appeal.number}）不予受理，理由：{reason}")
    return appeal


def redirect_appeal(
    *,
    actor: Any,
    appeal_id: int,
    channel: str,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Appeal:
    """诉访分离: tell the citizen the legal channel (litigation, arbitration, 复议 …)."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    if channel not in RedirectChannel.values:
        raise DomainError("请选择应当告知的法定途径")
    reason = reason_required(reason, "告知说明")
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        check_version(appeal, expected_version)
        before = appeal.status
        appeal.status = next_appeal_status(appeal, AppealAction.REDIRECT)
        appeal.redirect_channel = channel
        appeal.decision_reason = reason
        appeal.closed_at = now
        bump(appeal, ["status", "redirect_channel", "decision_reason", "closed_at"])
        label = RedirectChannel(channel).label
        event(
            appeal,
            EventKind.REDIRECTED,
            actor=actor,
            at=now,
            note=f"{label}：{reason}",
            public_note=f"请通过{label}途径解决：{reason}",
            clock_due_at=appeal.triage_due_at,
            clock_met=appeal.triage_due_at is None or now <= appeal.triage_due_at,
        )
        audit.record(
            "appeal_redirected",
            actor=actor,
            target=appeal,
            at=now,
            changes={"status": [before, appeal.status], "channel": channel},
            note=reason,
        )
        _tell_citizen(appeal, f"您的诉求（编号{appeal.number}）属于{label}处理范围：{reason}")
    return appeal


def forward_appeal(
    *,
    actor: Any,
    appeal_id: int,
    organ: str,
    reason: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Appeal:
    """转送 to a body outside the platform (e.g. 纪检监察, another city)."""
    require_capability(actor, DISPATCH)
    now = now or timezone.now()
    organ = reason_required(organ, "转送机关名称")
    with transaction.atomic():
        appeal = _load_appeal(actor, appeal_id)
        check_version(appeal, expected_version)
        before = appeal.status
        appeal.status = next_appeal_status(appeal, AppealAction.FORWARD)
        appeal.decision_reason = f"转送{organ}" + (f"：{reason}" if reason else "")
        appeal.closed_at = now
        bump(appeal, ["status", "decision_reason", "closed_at"])
        event(
            appeal,
            EventKind.FORWARDED,
            actor=actor,
            at=now,
            note=appeal.decision_reason,
            public_note=f"已转送{organ}办理",
            clock_due_at=appeal.triage_due_at,
            clock_met=appeal.triage_due_at is None or now <= appeal.triage_due_at,
        )
        audit.record(
            "appeal_forwarded",
            actor=actor,
            target=appeal,
            at=now,
            changes={"status": [before, appeal.status], "organ": organ},
        )
        _tell_citizen(appeal, f"您的诉求（编号{appeal.number}）已转送{organ}办理。")
    return appeal


# --- dispatch -------------------------------------------------------------------------------


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


# --- handling -------------------------------------------------------------------------------


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
