"""Clock warnings and escalations, run by the periodic job (safe to run twice).

Every step is a compare-and-swap UPDATE (``filter(pk=…, breached_at=None).update(…)``): if
two workers or a retried job reach the same work order, exactly one wins and writes the
timeline event and notifications; the other does nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shegong.core import audit
from shegong.core.notify import notify
from shegong.units.models import Unit

from ..choices import AppealStatus, EventKind, WorkOrderStatus
from ..models import Appeal, WorkOrder
from .common import department_users, event

OPEN = [WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED]
BATCH = 500


def _unit_and_parent_users(unit: Unit) -> list:
    User = get_user_model()
    ids = [unit.pk] + ([unit.parent_id] if unit.parent_id else [])
    return list(User.objects.filter(unit_id__in=ids, is_active=True))


def warn_due_soon(now: datetime | None = None) -> int:
    """临期提醒: open orders whose due time is within their policy's warning window."""
    now = now or timezone.now()
    count = 0
    horizon = now + timedelta(days=30)
    candidates = (
        WorkOrder.objects.filter(
            status__in=OPEN, warned_at__isnull=True, due_at__gt=now, due_at__lte=horizon
        )
        .select_related("appeal__policy", "unit")
        .order_by("due_at")
    )
    for order in candidates.iterator(chunk_size=BATCH):
        due_at = order.due_at  # not null: filtered on due_at above
        if due_at is None or due_at - timedelta(hours=order.appeal.policy.warn_hours) > now:
            continue
        with transaction.atomic():
            if (
                WorkOrder.objects.filter(pk=order.pk, warned_at__isnull=True).update(warned_at=now)
                != 1
            ):
                continue
            event(
                order.appeal,
                EventKind.WARNED,
                actor=None,
                at=now,
                work_order=order,
                note=f"距办理期限不足{order.appeal.policy.warn_hours}小时",
                clock_due_at=order.due_at,
            )
            notify(
                _unit_and_parent_users(order.unit),
                f"临期提醒：{order.appeal.title}",
                f"{order.appeal.number} 将于 "
                f"{timezone.localtime(order.due_at):%Y-%m-%d %H:%M} 到期",
                url=f"/appeals/{order.appeal_id}/",
                level="warning",
            )
        count += 1
    return count


def escalate_breached(now: datetime | None = None) -> dict[str, int]:
    """超期: level 1 (unit and its head unit) when the due time passes; level 2 (the
    department's dispatchers) after the policy's ``escalate_after_hours``."""
    now = now or timezone.now()
    first = second = 0
    breached = (
        WorkOrder.objects.filter(status__in=OPEN, breached_at__isnull=True, due_at__lt=now)
        .select_related("appeal", "unit")
        .order_by("due_at")
    )
    for order in breached.iterator(chunk_size=BATCH):
        with transaction.atomic():
            won = WorkOrder.objects.filter(pk=order.pk, breached_at__isnull=True).update(
                breached_at=now, escalation_level=1, escalated_at=now
            )
            if won != 1:
                continue
            event(
                order.appeal,
                EventKind.BREACHED,
                actor=None,
                at=now,
                work_order=order,
                note=f"{order.unit.name}超过办理期限，已提醒本单位及上级单位",
                clock_due_at=order.due_at,
                clock_met=False,
            )
            notify(
                _unit_and_parent_users(order.unit),
                f"已超期：{order.appeal.title}",
                f"{order.appeal.number} 办理期限 {timezone.localtime(order.due_at):%Y-%m-%d %H:%M}",
                url=f"/appeals/{order.appeal_id}/",
                level="danger",
            )
            audit.record(
                "work_order_breached",
                actor=None,
                target=order,
                at=now,
                changes={"escalation_level": [0, 1]},
            )
        first += 1
    level_one = WorkOrder.objects.filter(status__in=OPEN, escalation_level=1).select_related(
        "appeal__policy", "unit"
    )
    for order in level_one.iterator(chunk_size=BATCH):
        wait = timedelta(hours=order.appeal.policy.escalate_after_hours)
        if order.escalated_at is None or order.escalated_at + wait > now:
            continue
        with transaction.atomic():
            won = WorkOrder.objects.filter(pk=order.pk, escalation_level=1).update(
                escalation_level=F("escalation_level") + 1, escalated_at=now
            )
            if won != 1:
                continue
            event(
                order.appeal,
                EventKind.ESCALATED,
                actor=None,
                at=now,
                work_order=order,
                note="超期未办结，已升级至社会工作部督办",
            )
            notify(
                department_users(),
                f"超期升级：{order.appeal.title}",
                f"{order.unit.name} · {order.appeal.number}",
                url=f"/appeals/{order.appeal_id}/",
                level="danger",
            )
            audit.record(
                "work_order_escalated",
                actor=None,
                target=order,
                at=now,
                changes={"escalation_level": [1, 2]},
            )
        second += 1
    return {"breached": first, "escalated": second}


def flag_triage_breaches(now: datetime | None = None) -> int:
    """受理/告知 clock (信访工作条例 第二十二、二十三条): registered and still undecided."""
    now = now or timezone.now()
    count = 0
    late = Appeal.objects.filter(
        status=AppealStatus.REGISTERED, triage_breached_at__isnull=True, triage_due_at__lt=now
    )
    for appeal in late.iterator(chunk_size=BATCH):
        with transaction.atomic():
            if (
                Appeal.objects.filter(pk=appeal.pk, triage_breached_at__isnull=True).update(
                    triage_breached_at=now
                )
                != 1
            ):
                continue
            event(
                appeal,
                EventKind.BREACHED,
                actor=None,
                at=now,
                note="超过受理/告知期限",
                clock_due_at=appeal.triage_due_at,
                clock_met=False,
            )
            notify(
                department_users(),
                f"受理超期：{appeal.title}",
                appeal.number,
                url=f"/appeals/{appeal.pk}/",
                level="danger",
            )
        count += 1
    return count
