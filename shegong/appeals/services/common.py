"""Shared pieces of the appeal services: transitions, timeline events, permissions."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError, StaleObject, TransitionNotAllowed
from shegong.units.models import Unit

from ..choices import (
    APPEAL_TRANSITIONS,
    WORK_ORDER_TRANSITIONS,
    AppealAction,
    AppealKind,
    AppealStatus,
    WorkOrderAction,
    WorkOrderStatus,
)
from ..models import Appeal, AppealEvent, WorkOrder
from ..tasks import request_rollup_sync


def next_appeal_status(appeal: Appeal, action: str) -> str:
    target = APPEAL_TRANSITIONS.get((appeal.status, action))
    if target is None:
        raise TransitionNotAllowed(
            f"诉求当前为“{AppealStatus(appeal.status).label}”，不能“{AppealAction(action).label}”"
        )
    return target


def next_order_status(order: WorkOrder, action: str) -> str:
    target = WORK_ORDER_TRANSITIONS.get((order.status, action))
    if target is None:
        raise TransitionNotAllowed(
            f"工单当前为“{WorkOrderStatus(order.status).label}”，不能“{WorkOrderAction(action).label}”"
        )
    return target


def check_version(obj: Appeal | WorkOrder, expected: int | None) -> None:
    """Optimistic locking: refuse if someone else saved since the form was loaded."""
    if expected is not None and obj.version != expected:
        raise StaleObject("该诉求刚被其他人修改过，请刷新页面后再操作")


def bump(obj: Appeal | WorkOrder, fields: list[str]) -> None:
    """Save ``fields`` and increment the version in the same UPDATE."""
    model = type(obj)
    values = {f: getattr(obj, f) for f in fields}
    if isinstance(obj, Appeal):
        obj.updated_at = timezone.now()  # update() skips auto_now
        values["updated_at"] = obj.updated_at
    updated = model.objects.filter(pk=obj.pk, version=obj.version).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        raise StaleObject("该诉求刚被其他人修改过，请刷新页面后再操作")
    obj.version += 1
    if isinstance(obj, Appeal):
        request_rollup_sync()  # the cockpit's daily rollup, after commit


def build_event(
    appeal: Appeal,
    kind: str,
    *,
    actor: User | None,
    at: datetime,
    note: str = "",
    work_order: WorkOrder | None = None,
    public_note: str = "",
    clock_due_at: datetime | None = None,
    clock_met: bool | None = None,
    actor_label: str = "",
) -> AppealEvent:
    """An unsaved event (for bulk writes); ``event()`` saves it."""
    label = actor_label
    if actor is not None and not actor.pk:
        actor = None  # an unsaved or anonymous actor is the system
    if not label and actor is not None:
        unit = actor.unit
        label = unit.name if unit is not None else (actor.full_name or actor.username)
    return AppealEvent(
        appeal=appeal,
        work_order=work_order,
        kind=kind,
        at=at,
        actor=actor,
        actor_label=label or "系统",
        note=note,
        public=bool(public_note),
        public_note=public_note,
        clock_due_at=clock_due_at,
        clock_met=clock_met,
    )


def event(
    appeal: Appeal,
    kind: str,
    *,
    actor: User | None,
    at: datetime,
    note: str = "",
    work_order: WorkOrder | None = None,
    public_note: str = "",
    clock_due_at: datetime | None = None,
    clock_met: bool | None = None,
    actor_label: str = "",
) -> AppealEvent:
    row = build_event(
        appeal,
        kind,
        actor=actor,
        at=at,
        note=note,
        work_order=work_order,
        public_note=public_note,
        clock_due_at=clock_due_at,
        clock_met=clock_met,
        actor_label=actor_label,
    )
    row.save(force_insert=True)
    return row


def acts_for_unit(actor: User, unit: Unit) -> bool:
    """The actor belongs to the unit or to a unit above it (unit head, supervising body)."""
    if actor.is_superuser:
        return True
    path = actor.scope_unit_path
    return bool(path and unit.path.startswith(path))


def require_unit(actor: User, order: WorkOrder) -> None:
    if not acts_for_unit(actor, order.unit):
        raise PermissionDenied("只有承办单位的工作人员可以办理该工单")


def accused_conflict(appeal: Appeal, unit: Unit) -> bool:
    """信访工作条例 第三十条: never hand a 检举控告 to the accused unit or a unit below it."""
    if appeal.kind != AppealKind.XF_ACCUSATION:
        return False
    return any(unit.path.startswith(accused.path) for accused in appeal.accused_units.all())


def department_users() -> list[User]:
    """The department's dispatchers: told of returns, extension requests and escalations."""
    return list(User.objects.filter(role="dispatcher", is_active=True))


def reason_required(text: str, what: str = "理由") -> str:
    text = (text or "").strip()
    if len(text) < 2:
        raise DomainError(f"请填写{what}")
    return text
