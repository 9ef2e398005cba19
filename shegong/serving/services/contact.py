"""The audited reveal of a service order's resident phone (the platform's reveal pattern:
``core.services.reveal_personal_data``, ``appeals.services.identity.reveal_identity``).

The phone is masked on every page. A role allowed to see personal data (``pii.reveal``)
opens it with a reason, recorded as ``pii_revealed``. When the order was converted from an
appeal the phone is the petitioner's, so the appeals' identity rule applies as well
(``can_see_identity``: a confidential petitioner or a 检举控告 only for the department's
dispatchers)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from shegong.accounts.models import User
from shegong.appeals.services.identity import can_see_identity
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import has_capability
from shegong.core.pii import plain
from shegong.core.roles import Cap

from ..models import ServiceOrder


def may_see_resident(user: User, order: ServiceOrder) -> bool:
    """Whether the order page shows the resident's masked name and phone at all: for an
    order converted from an appeal they are the petitioner's, shown (even masked) only to
    whom appeals' identity rule allows, as on the appeal's own page."""
    return order.appeal is None or can_see_identity(user, order.appeal)


def may_reveal_contact(user: User, order: ServiceOrder) -> bool:
    """Whether the page offers the reveal control (the service checks again)."""
    if not order.resident_phone or not has_capability(user, Cap.PII_REVEAL):
        return False
    return order.appeal is None or can_see_identity(user, order.appeal)


def reveal_contact(*, actor: User, order: ServiceOrder, reason: str) -> str:
    """The resident's phone in full, audited. The caller loaded ``order`` through
    ``ServiceOrder.objects.visible_to(actor)`` (out of scope: 404 before this)."""
    if not has_capability(actor, Cap.PII_REVEAL):
        raise PermissionDenied("您的角色不能查看完整个人信息")
    if order.appeal is not None and not can_see_identity(actor, order.appeal):
        raise PermissionDenied("您的角色不能查看该诉求人的身份信息")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("请填写查看原因（至少2个字）", code="reason_required")
    if not order.resident_phone:
        raise DomainError("该服务订单没有登记居民联系电话")
    audit.record(
        "pii_revealed",
        actor=actor,
        target=order,
        changes={"field": "resident_phone"},
        note=reason,
    )
    return plain(order.resident_phone)
