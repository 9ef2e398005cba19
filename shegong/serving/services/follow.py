"""A service order converted from an appeal follows the appeal's current lead work order.

When the lead work order is returned (退单) or withdrawn (改派) and the appeal is dispatched
again — by the dispatcher, or by the territorial fallback after repeated returns — appeals
creates a new lead work order. The service orders of that appeal that still wait on a reply
(not cancelled, not yet replied) are re-linked to it in the same transaction: the new unit
sees them (``ServiceOrder`` scope ``work_order__unit``), replies with their evidence by the
new work order's clock (``completion.reply_appeal``), and the appeal's 办理记录 and the
audit trail say so. Registered on appeals' extension point ``hooks.work_order_created`` in
``ServingConfig.ready`` (appeals sits below serving and does not know about it)."""

from __future__ import annotations

from django.utils import timezone

from shegong.appeals.choices import EventKind, WorkOrderRole, WorkOrderStatus
from shegong.appeals.hooks import LeadClosing, WorkOrderCreated
from shegong.appeals.services.common import event
from shegong.core import audit
from shegong.core.exceptions import DomainError

from ..choices import NeedKind, OrderStatus
from ..models import ServiceOrder


def follow_lead(created: WorkOrderCreated) -> None:
    """Re-link the appeal's waiting service orders to a new lead work order."""
    instance = created.work_order
    if instance.role != WorkOrderRole.LEAD:
        return
    if instance.status not in (WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED):
        return
    waiting = list(
        ServiceOrder.objects.select_for_update(of=("self",))
        .filter(appeal_id=instance.appeal_id, kind=NeedKind.APPEAL, appeal_replied_at=None)
        .exclude(status=OrderStatus.CANCELLED)
        .exclude(work_order=instance)
        .select_related("work_order__unit")
    )
    if not waiting:
        return
    at = instance.dispatched_at or timezone.now()
    for order in waiting:
        before = order.work_order
        order.work_order = instance
        order.save(update_fields=["work_order"])
        late = instance.due_at is not None and order.due_at > instance.due_at
        audit.record(
            "service_order_relinked",
            actor=instance.dispatched_by,
            target=order,
            at=at,
            changes={
                "work_order": [before.pk if before else None, instance.pk],
                "unit": [before.unit.code if before else None, instance.unit.code],
                "due_after_work_order": late,
            },
        )
        event(
            instance.appeal,
            EventKind.NOTE,
            actor=instance.dispatched_by,
            at=at,
            work_order=instance,
            note=f"服务订单{order.number}改随新的主办工单，由{instance.unit.name}答复"
            + ("（服务完成期限晚于新的办理期限）" if late else ""),
        )


def refuse_while_serving(closing: LeadClosing) -> None:
    """The appeal waits on its open service orders: its lead work order is not replied
    (the appeals page's ordinary reply included) nor cancelled by a merge while one of
    them is still open, claimed or reported but unconfirmed. Registered on appeals'
    ``hooks.lead_closing``; ``completion.reply_appeal`` passes once every order of the
    appeal is confirmed or cancelled."""
    numbers = list(
        ServiceOrder.objects.filter(
            appeal_id=closing.work_order.appeal_id,
            kind=NeedKind.APPEAL,
            status__in=[OrderStatus.OPEN, OrderStatus.FULL, OrderStatus.DONE],
        )
        .order_by("pk")
        .values_list("number", flat=True)[:5]
    )
    if not numbers:
        return
    listed = "、".join(numbers)
    if closing.action == "merge":
        raise DomainError(f"该诉求还有未完成的服务订单（{listed}），请先取消服务订单再合并")
    raise DomainError(
        f"该诉求还有未完成的服务订单（{listed}），请待服务确认后以服务结果答复，或先取消服务订单"
    )
