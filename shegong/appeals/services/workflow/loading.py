"""What every workflow step shares: loading through the actor's scope, the people to
notify, the SMS to the citizen, the dispatch targets."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.notify import queue_sms
from shegong.core.pii import plain
from shegong.core.roles import Cap
from shegong.units.models import Unit

from ...models import Appeal, WorkOrder

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


def _unit_users(unit: Unit) -> QuerySet[User]:
    return User.objects.filter(unit=unit, is_active=True)


def _tell_citizen(appeal: Appeal, text: str) -> None:
    """SMS to the petitioner, recorded with the action and sent by a task after commit
    (a gateway error never rolls back or breaks the case; core.notify.queue_sms)."""
    petitioner = appeal.petitioner
    phone = plain(petitioner.phone) if petitioner is not None else ""
    if phone:
        queue_sms(phone, f"【社工平台】{text}", purpose="诉求办理进度")


def dispatch_targets() -> QuerySet[Unit]:
    """Units a dispatcher may choose: every active handling unit of the city (reference
    data, not scoped rows: dispatching across the tree is the dispatcher's job)."""
    return (
        Unit.objects.filter(is_active=True, is_handling_unit=True)
        .exclude(kind="community")
        .order_by("kind", "code")
    )


def unit_ids_by_codes(codes: list[str]) -> list[int]:
    return list(Unit.objects.filter(code__in=codes).values_list("pk", flat=True))
