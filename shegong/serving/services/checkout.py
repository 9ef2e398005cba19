"""A check-out the volunteer forgot, recorded afterwards by the community (补登签退).

The volunteers app's remedy for the same gap is the manager's 代签退 with the real time
(``volunteers.services.checkin.manager_check``: not in the future, after the check-in),
followed by the ordinary confirmation into the ledger. Here likewise: the claim becomes
checked out at the time entered, its hours computed by the QR check-out's own rule
(``claims.served_hours``: the overlap with the order's window, rounded down, capped per day), and
the hours reach the ledger the way every served claim's do — at the order's confirmation
(``completion._confirm``), or at once through the same ``ledger_draft`` →
``volunteers.services.ledger.append_entries`` when the order was already confirmed (the
confirmation had closed the claim without hours). Refused once the claim's hours are in
the ledger, so nobody is credited twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.volunteers.models import HoursEntry
from shegong.volunteers.services.common import get_policy as volunteer_policy
from shegong.volunteers.services.ledger import append_entries

from ..choices import ClaimStatus, OrderStatus
from ..models import Claim, ServiceOrder
from .claims import served_hours
from .common import load_order
from .completion import ledger_draft

REASON_MAX = 200


def _check_time(
    claim: Claim, at: datetime, *, starts: datetime, ends: datetime, now: datetime
) -> None:
    margin = volunteer_policy().late_checkout_minutes
    if at > now:
        raise DomainError("签退时间不能晚于现在")
    if claim.checked_in_at is None or at <= claim.checked_in_at:
        raise DomainError("签退时间应晚于签到时间")
    if at <= starts:
        raise DomainError("签退时间应晚于服务开始时间")
    if at > ends + timedelta(minutes=margin):
        latest = timezone.localtime(ends + timedelta(minutes=margin))
        raise DomainError(f"签退时间不能晚于服务结束后{margin}分钟（{latest:%Y-%m-%d %H:%M}）")


def record_checkout(
    *, actor: User, claim_id: int, at: datetime, reason: str, now: datetime | None = None
) -> Claim:
    """Record the check-out a volunteer who served forgot: the time ``at`` (within the
    order's window and its check-out margin, after the check-in, not in the future) and a
    reason (audited as the event's note, shown to the volunteer). Hours as for a QR
    check-out; credited at confirmation, or at once if the order is already confirmed."""
    require_capability(actor, Cap.SERVING_MANAGE, "您的角色不能补登签退")
    now = now or timezone.now()
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("请填写补登原因（至少2个字）")
    if len(reason) > REASON_MAX:
        raise DomainError(f"补登原因不能超过{REASON_MAX}个字")
    found = Claim.objects.visible_to(actor).filter(pk=claim_id).values_list("order_id", flat=True)
    order_id = found.first()
    if order_id is None:
        raise DomainError("认领记录不存在或不在您的管辖范围内")
    with transaction.atomic():
        # the order's lock first, then the claim's: the confirmation's order
        order = load_order(actor, order_id, lock=True)
        claim = (
            Claim.objects.select_for_update(of=("self",)).select_related("report").get(pk=claim_id)
        )
        if claim.entry_id is not None:
            raise DomainError("该志愿者本次服务时长已记入台账，不能重复补登")
        if claim.checked_in_at is None:
            raise DomainError("该志愿者没有签到，不能补登签退")
        if claim.checked_out_at is not None:
            raise DomainError("该志愿者已签退，服务时长将在确认时记入台账")
        if order.status == OrderStatus.CANCELLED:
            raise DomainError("该服务订单已取消")
        _check_time(claim, at, starts=order.starts_at, ends=order.ends_at, now=now)
        claim.hours = served_hours(
            max(claim.checked_in_at, order.starts_at), min(at, order.ends_at)
        )
        claim.status = ClaimStatus.OUT
        claim.checked_out_at = at
        claim.checkout_recorded_by = actor
        claim.checkout_reason = reason
        entry = None
        if order.status == OrderStatus.CONFIRMED:
            entry = _credit(claim, order, actor=actor, now=now)
            claim.entry = entry
        claim.save(
            update_fields=[
                "hours",
                "status",
                "checked_out_at",
                "checkout_recorded_by",
                "checkout_reason",
                "entry",
            ]
        )
        audit.record(
            "service_checkout_recorded",
            actor=actor,
            target=claim,
            target_repr=f"{order.number} 补登签退",
            changes={
                "checked_out_at": at,
                "hours": str(claim.hours),
                **({"entry": entry.pk, "seq": entry.seq, "head": entry.hash} if entry else {}),
            },
            note=reason,
        )
    return claim


def _credit(claim: Claim, order: ServiceOrder, *, actor: User, now: datetime) -> HoursEntry:
    """The hours of a claim the confirmation had closed without them, onto the ledger now
    (the volunteer's whole day within the daily cap, as a confirmation of activity hours)."""
    hours = claim.hours or Decimal("0")
    if not hours:
        raise DomainError("按补登的签退时间计算，服务时长为0小时，没有可记入台账的时长")
    cap = volunteer_policy().max_hours_per_day
    draft = ledger_draft(claim, order, now)
    same_day = HoursEntry.objects.filter(
        volunteer_id=claim.volunteer_id, service_date=draft.service_date
    ).aggregate(total=Sum("hours"))["total"] or Decimal("0")
    if same_day + hours > cap:
        raise DomainError(f"该志愿者当日累计时长将超过{cap}小时上限，请核实")
    (entry,) = append_entries([draft], confirmer=actor, now=now, cause="service_checkout_recorded")
    return entry
