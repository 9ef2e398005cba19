"""Community needs: 微心愿 (by the community or a resident on the portal), community
projects, and appeals (or part of one) converted into a service order.

The appeal ↔ order clocks (docs/service-orders.md): converting changes nothing on the
appeal's clocks — its lead work order keeps its due date and its unit; the order must be
due no later than that date (an approved extension of the work order moves the limit with
it); the appeal is replied and closed only through the appeals services, with the order's
evidence (``services.completion``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from shegong.accounts.models import User
from shegong.appeals.choices import EventKind, WorkOrderRole, WorkOrderStatus
from shegong.appeals.models import Appeal
from shegong.appeals.services.common import acts_for_unit, event
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import has_capability, require_capability
from shegong.core.pii import plain
from shegong.core.roles import Cap
from shegong.core.tree import subtree_q
from shegong.lib.validators import ValidationFailure, validate_mobile
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region
from shegong.volunteers.models import Skill

from ..choices import ClaimStatus, NeedKind, OrderStatus
from ..models import ServiceOrder
from .common import community, community_in_scope, load_order, new_number


@dataclass
class NeedData:
    """What a need says, whoever enters it."""

    title: str
    community_id: int
    address: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    due_at: datetime | None = None
    people_needed: int = 1
    skills: Sequence[str] = field(default_factory=list)
    elderly_alone: bool = False
    disabled: bool = False
    minors: bool = False
    resident_name: str = ""
    resident_phone: str = ""


# How far ahead a need may be planned, and how long its window and deadline may run: a
# bound on what a typed date can be (a year 9999 window would overflow the check-in
# margins), generous for a community project.
HORIZON = timedelta(days=366)
TEXT_LIMITS = (
    ("title", "服务内容", 120),
    ("address", "服务地点", 200),
    ("description", "详细说明", 2000),
    ("resident_name", "居民姓名", 50),
)


def _aware(value: datetime) -> datetime:
    """A time without a zone (the API accepts ISO text) is read as local (Beijing) time."""
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _clean(data: NeedData, now: datetime) -> None:
    data.starts_at = _aware(data.starts_at)
    data.ends_at = _aware(data.ends_at)
    data.due_at = _aware(data.due_at) if data.due_at else None
    data.title = (data.title or "").strip()
    data.address = (data.address or "").strip()
    if len(data.title) < 2:
        raise DomainError("请填写服务内容")
    if not data.address:
        raise DomainError("请填写服务地点")
    for name, label, limit in TEXT_LIMITS:
        if len((getattr(data, name) or "").strip()) > limit:
            raise DomainError(f"{label}不能超过{limit}字")
    if data.starts_at >= data.ends_at:
        raise DomainError("服务结束时间应晚于开始时间")
    if data.ends_at <= now:
        raise DomainError("服务时间已过，请重新选择")
    if data.starts_at > now + HORIZON:
        raise DomainError("服务开始时间应在一年之内")
    if data.ends_at - data.starts_at > HORIZON:
        raise DomainError("服务时间跨度不能超过一年")
    if not 1 <= data.people_needed <= 50:
        raise DomainError("需要人数应为1至50人")
    data.due_at = data.due_at or data.ends_at
    if data.due_at < data.ends_at:
        raise DomainError("完成期限不能早于服务结束时间")
    if data.due_at - data.ends_at > HORIZON:
        raise DomainError("完成期限不能晚于服务结束后一年")
    if data.resident_phone:
        try:
            data.resident_phone = validate_mobile(data.resident_phone)
        except ValidationFailure as exc:
            raise DomainError(exc.message) from None


def _create(
    data: NeedData,
    kind: str,
    *,
    actor: User | None,
    place: Region,
    now: datetime,
    from_portal: bool = False,
    appeal: Appeal | None = None,
    work_order_id: int | None = None,
) -> ServiceOrder:
    order = ServiceOrder.objects.create(
        number=new_number(now),
        kind=kind,
        title=data.title[:120],
        description=data.description.strip(),
        community=place,
        address=data.address[:200],
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        due_at=data.due_at or data.ends_at,
        people_needed=data.people_needed,
        elderly_alone=data.elderly_alone,
        disabled=data.disabled,
        minors=data.minors,
        resident_name=data.resident_name.strip()[:50],
        resident_phone=data.resident_phone,
        from_portal=from_portal,
        appeal=appeal,
        work_order_id=work_order_id,
        created_by=actor,
        created_at=now,
    )
    names = [s.strip() for s in data.skills if s and s.strip()]
    if names:
        order.skills.set(Skill.objects.filter(name__in=names))
    return order


def create_need(
    *, actor: User, data: NeedData, kind: str = NeedKind.WISH, now: datetime | None = None
) -> ServiceOrder:
    """A 微心愿 or community project entered by the community."""
    require_capability(actor, Cap.SERVING_MANAGE, "您的角色不能登记社区需求")
    if kind not in (NeedKind.WISH, NeedKind.PROJECT):
        raise DomainError("请选择需求类型")
    now = now or timezone.now()
    _clean(data, now)
    place = community_in_scope(actor, data.community_id)
    with transaction.atomic():
        order = _create(data, kind, actor=actor, place=place, now=now)
        audit.record("service_order_created", actor=actor, target=order, changes=_summary(order))
    return order


def portal_wish(*, data: NeedData, now: datetime | None = None) -> ServiceOrder:
    """A resident's 微心愿 from the portal (the caller verified the phone by SMS code)."""
    now = now or timezone.now()
    if not data.resident_phone:
        raise DomainError("请填写手机号码")
    data.people_needed = 1
    _clean(data, now)
    place = community(data.community_id)
    with transaction.atomic():
        order = _create(data, NeedKind.WISH, actor=None, place=place, now=now, from_portal=True)
        audit.record("service_order_created", actor=None, target=order, changes=_summary(order))
    return order


def convert_appeal(
    *, actor: User, appeal_id: int, data: NeedData, now: datetime | None = None
) -> ServiceOrder:
    """Turn an appeal (or part of it: the title and description say which) into a service
    order. The appeal stays with its lead unit and keeps its clocks; the order is due no
    later than the lead work order."""
    require_capability(actor, Cap.SERVING_CONVERT, "您的角色不能将诉求转为服务订单")
    now = now or timezone.now()
    _clean(data, now)
    with transaction.atomic():
        appeal = (
            Appeal.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=appeal_id)
            .first()
        )
        if appeal is None:
            raise DomainError("诉求不存在或不在您的管辖范围内")
        lead = appeal.work_orders.filter(
            role=WorkOrderRole.LEAD,
            status__in=[WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED],
        ).first()
        if lead is None:
            raise DomainError("只有已派单、正在办理的诉求可以转为服务订单")
        if not (has_capability(actor, Cap.APPEALS_DISPATCH) or acts_for_unit(actor, lead.unit)):
            raise DomainError("只有派单员或主办单位可以将该诉求转为服务订单")
        if lead.due_at is not None and data.due_at and data.due_at > lead.due_at:
            limit = timezone.localtime(lead.due_at)
            raise DomainError(f"服务完成期限不能晚于诉求办理期限（{limit:%Y-%m-%d %H:%M}）")
        if lead.due_at is not None and data.ends_at > lead.due_at:
            raise DomainError("服务结束时间不能晚于诉求办理期限")
        place = community(data.community_id)
        if not place.path.startswith(appeal.region.path) and not appeal.region.path.startswith(
            place.path
        ):
            raise DomainError("服务社区应在诉求所在区域内")
        if not data.resident_phone and appeal.petitioner_id is not None:
            data.resident_name = plain(appeal.petitioner.name) or ""
            data.resident_phone = plain(appeal.petitioner.phone) or ""
        order = _create(
            data,
            NeedKind.APPEAL,
            actor=actor,
            place=place,
            now=now,
            appeal=appeal,
            work_order_id=lead.pk,
        )
        event(
            appeal,
            EventKind.NOTE,
            actor=actor,
            at=now,
            work_order=lead,
            note=f"转为志愿服务订单{order.number}：{order.title}（办理期限不变）",
        )
        audit.record(
            "appeal_converted_to_service",
            actor=actor,
            target=order,
            changes={**_summary(order), "appeal": appeal.number, "work_order": lead.pk},
        )
    return order


# The reason goes into the appeal's 办理记录 and the audit note.
CANCEL_REASON_MAX = 500


def cancel_order(
    *, actor: User, order_id: int, reason: str, now: datetime | None = None
) -> ServiceOrder:
    require_capability(actor, Cap.SERVING_MANAGE, "您的角色不能取消服务订单")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("请填写取消原因")
    if len(reason) > CANCEL_REASON_MAX:
        raise DomainError(f"取消原因不能超过{CANCEL_REASON_MAX}个字")
    now = now or timezone.now()
    with transaction.atomic():
        order = load_order(actor, order_id, lock=True)
        if order.status not in (OrderStatus.OPEN, OrderStatus.FULL):
            raise DomainError("该服务订单已完成或已取消")
        if order.claims.filter(status__in=[ClaimStatus.IN, ClaimStatus.OUT]).exists():
            # their hours would land nowhere: the community confirms the service instead
            raise DomainError("已有志愿者签到，不能取消；请待服务完成后确认")
        order.status = OrderStatus.CANCELLED
        order.save(update_fields=["status"])
        appeal = order.appeal
        if appeal is not None and order.work_order_id:
            event(
                appeal,
                EventKind.NOTE,
                actor=actor,
                at=now,
                work_order=order.work_order,
                note=f"服务订单{order.number}已取消：{reason}",
            )
        audit.record("service_order_cancelled", actor=actor, target=order, note=reason)
    return order


def _summary(order: ServiceOrder) -> dict[str, object]:
    return {
        "kind": order.kind,
        "community": order.community.code,
        "people_needed": order.people_needed,
        "due_at": order.due_at,
        "vulnerable": order.vulnerable,
    }


def communities_for(appeal: Appeal) -> QuerySet[Region]:
    """The communities an appeal's service may take place in: within the appeal's region,
    or, when the appeal is placed above community level, within its region's subtree; when
    it is placed in a grid, the grid's community."""
    region = appeal.region
    if region.level > RegionLevel.COMMUNITY and region.parent_id is not None:
        return Region.objects.filter(pk=region.parent_id)
    return Region.objects.filter(subtree_q(region.path), level=RegionLevel.COMMUNITY).order_by(
        "path"
    )
