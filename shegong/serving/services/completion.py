"""Proof and closing: the resident's confirmation (SMS code on the portal, or the
community's confirmation), the hours onto the volunteer ledger (hash-chained, typed
双报到 when served under a 双报到), and the originating appeal replied and closed through
the appeals services with the order's evidence."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.appeals.choices import WorkOrderStatus
from shegong.appeals.services.common import acts_for_unit
from shegong.appeals.services.workflow import close_appeal, reply_order
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import has_capability, require_capability
from shegong.core.pii import blind_index, plain
from shegong.core.roles import Cap
from shegong.lib.masking import mask_name
from shegong.volunteers.choices import EntryKind
from shegong.volunteers.models import HoursEntry
from shegong.volunteers.services.common import get_policy as volunteer_policy
from shegong.volunteers.services.ledger import EntryDraft, append_entries

from ..choices import ClaimStatus, ConfirmMethod, NeedKind, OrderStatus
from ..models import Claim, ServiceOrder
from .common import load_order

CONFIRMABLE = (OrderStatus.DONE, OrderStatus.FULL, OrderStatus.OPEN)


def ledger_draft(claim: Claim, order: ServiceOrder, now: datetime) -> EntryDraft:
    """The hours ledger entry of a served claim (kind 双报到 when claimed under a 双报到),
    for the order's confirmation and for a check-out recorded after it alike."""
    return EntryDraft(
        volunteer_id=claim.volunteer_id,
        kind=EntryKind.DUAL_REPORT if claim.report_id else EntryKind.SERVICE,
        hours=claim.hours or Decimal("0"),
        service_date=timezone.localdate(claim.checked_out_at or now),
        region_id=order.community_id,
        title=order.title,
        organizer=order.community.name,
        content=(order.report or order.title)[:255],
        report_unit_id=claim.report.home_unit_id if claim.report else None,
        source_ref=f"serving.claim:{claim.pk}",
    )


def _confirm(
    order: ServiceOrder, *, actor: User | None, method: str, now: datetime
) -> list[HoursEntry]:
    if order.status not in CONFIRMABLE:
        raise DomainError("该服务订单已确认或已取消")
    served = list(
        Claim.objects.select_for_update(of=("self",))
        .select_related("report", "volunteer")
        .filter(order=order, status=ClaimStatus.OUT)
    )
    if not served:
        raise DomainError("还没有志愿者完成签到签退，不能确认")
    margin = timedelta(minutes=volunteer_policy().late_checkout_minutes)
    still_in = Claim.objects.filter(order=order, status=ClaimStatus.IN)
    if now <= order.ends_at + margin and still_in.exists():
        # they may still check out; confirming now would leave their claim open for ever
        raise DomainError("还有志愿者在服务中（未签退），请待其签退后再确认")
    order.status = OrderStatus.CONFIRMED
    order.confirmed_at = now
    order.confirm_method = method
    order.confirmed_by = actor
    order.save(update_fields=["status", "confirmed_at", "confirm_method", "confirmed_by"])
    # the unserved places, and (the check-out margin over) who never checked out: no hours
    Claim.objects.filter(
        order=order, status__in=[ClaimStatus.CLAIMED, ClaimStatus.ASSIGNED, ClaimStatus.IN]
    ).update(status=ClaimStatus.CANCELLED)
    drafts = [ledger_draft(claim, order, now) for claim in served if claim.hours]
    label = "居民短信确认" if method == ConfirmMethod.SMS else ""
    entries = append_entries(
        drafts, confirmer=actor, now=now, cause="service_order_confirmed", confirmer_label=label
    )
    by_claim = {e.source_ref: e for e in entries}
    for claim in served:
        entry = by_claim.get(f"serving.claim:{claim.pk}")
        if entry is not None:
            Claim.objects.filter(pk=claim.pk).update(entry=entry)
    audit.record(
        "service_order_confirmed",
        actor=actor,
        target=order,
        changes={
            "confirm_method": method,
            "entries": [e.pk for e in entries],
            "hours": str(sum((e.hours for e in entries), start=0)),
        },
    )
    return entries


def confirm_by_resident(*, order_id: int, phone: str, now: datetime | None = None) -> ServiceOrder:
    """The resident confirmed on the portal with an SMS code sent to ``phone`` (the caller
    checked the code); the phone must be the one the order was entered with."""
    now = now or timezone.now()
    with transaction.atomic():
        order = ServiceOrder.objects.select_for_update(of=("self",)).filter(pk=order_id).first()
        if order is None or not order.resident_phone_bidx:
            raise DomainError("服务订单不存在")
        if blind_index("phone", phone) != order.resident_phone_bidx:
            raise DomainError("手机号码与登记的不一致")
        _confirm(order, actor=None, method=ConfirmMethod.SMS, now=now)
    return order


def confirm_by_community(
    *, actor: User, order_id: int, note: str = "", now: datetime | None = None
) -> ServiceOrder:
    """The community confirms (the resident has no phone or asked the community)."""
    require_capability(actor, Cap.SERVING_MANAGE, "您的角色不能确认服务")
    now = now or timezone.now()
    with transaction.atomic():
        order = load_order(actor, order_id, lock=True)
        _confirm(order, actor=actor, method=ConfirmMethod.COMMUNITY, now=now)
    return order


def evidence_text(order: ServiceOrder) -> str:
    """The reply's text: what was done, by how many, when, and how it was confirmed."""
    claims = list(order.claims.filter(status=ClaimStatus.OUT).select_related("volunteer"))
    names = "、".join(mask_name(plain(c.volunteer.name)) for c in claims)
    hours = sum((c.hours or 0 for c in claims), start=0)
    when = timezone.localtime(order.confirmed_at) if order.confirmed_at else None
    photos = order.photos.count()
    return (
        f"已安排志愿服务（服务订单{order.number}）：{order.title}。"
        f"服务人员{names}，共{len(claims)}人、{hours}小时"
        + (f"，现场照片{photos}张" if photos else "")
        + f"。服务情况：{order.report or '—'}。"
        + (f"已于{when:%Y-%m-%d %H:%M}经{order.get_confirm_method_display()}。" if when else "")
    )


def reply_appeal(*, actor: User, order_id: int, now: datetime | None = None) -> ServiceOrder:
    """The handling unit replies to the appeal with the order's evidence (appeals'
    ``reply_order``: its clock, on-time flag and citizen notice as for any reply)."""
    require_capability(actor, Cap.APPEALS_HANDLE, "只有承办单位可以答复诉求")
    now = now or timezone.now()
    order = load_order(actor, order_id)
    if order.kind != NeedKind.APPEAL or order.work_order is None:
        raise DomainError("该服务订单不是由诉求转来的")
    if order.status != OrderStatus.CONFIRMED:
        raise DomainError("服务确认完成后才能答复诉求")
    if not acts_for_unit(actor, order.work_order.unit):
        raise DomainError("只有主办单位的工作人员可以答复诉求")
    if order.work_order.status != WorkOrderStatus.SIGNED:
        raise DomainError("诉求工单不在办理中（请先签收，或已答复）")
    pending = ServiceOrder.objects.filter(
        work_order=order.work_order,
        status__in=[OrderStatus.OPEN, OrderStatus.FULL, OrderStatus.DONE],
    ).exclude(pk=order.pk)
    if pending.exists():
        raise DomainError("该诉求还有未完成的服务订单")
    done = ServiceOrder.objects.filter(work_order=order.work_order, status=OrderStatus.CONFIRMED)
    text = "\n".join(evidence_text(o) for o in done.order_by("pk"))
    with transaction.atomic():
        reply_order(actor=actor, order_id=order.work_order.pk, text=text, now=now)
        ServiceOrder.objects.filter(pk__in=done.values("pk")).update(appeal_replied_at=now)
        audit.record("service_appeal_replied", actor=actor, target=order)
    order.refresh_from_db()
    return order


def close_with_service(*, actor: User, order_id: int, now: datetime | None = None) -> ServiceOrder:
    """办结 the replied appeal (appeals' ``close_appeal``), noting the service as evidence."""
    require_capability(actor, Cap.APPEALS_DISPATCH, "只有派单员可以办结诉求")
    order = load_order(actor, order_id)
    if order.appeal_id is None or order.appeal_replied_at is None:
        raise DomainError("诉求答复后才能办结")
    close_appeal(
        actor=actor,
        appeal_id=order.appeal_id,
        note=f"以志愿服务办结：服务订单{order.number}",
        now=now,
    )
    return order


def may_reply(user: User, order: ServiceOrder) -> bool:
    return bool(
        order.kind == NeedKind.APPEAL
        and order.status == OrderStatus.CONFIRMED
        and order.appeal_replied_at is None
        and order.work_order is not None
        and has_capability(user, Cap.APPEALS_HANDLE)
        and acts_for_unit(user, order.work_order.unit)
    )
