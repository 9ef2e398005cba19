"""Claiming (认领), assignment, check-in/out with a signed QR token, photos and the
short report.

Two claims of the last place: the place is taken by one conditional UPDATE
(``places_taken < people_needed``) — on PostgreSQL the second UPDATE waits for the
first's row lock and re-checks the condition, on SQLite transactions are IMMEDIATE — so
only one succeeds (test_claim_race.py runs it with two connections on PostgreSQL).
The open-claims limit is checked after the place is taken, under the volunteer's row lock,
so one volunteer's two simultaneous claims cannot both pass it (test_claim_race.py too)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import IO

from django.core import signing
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from shegong.accounts.models import User
from shegong.appeals.attachments import sniff
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.lib.text import parse_id
from shegong.volunteers.models import Volunteer
from shegong.volunteers.services.common import get_policy as volunteer_policy

from ..choices import ClaimStatus, OrderStatus
from ..models import Claim, DualReport, OrderPhoto, ServiceOrder
from .common import get_policy, load_order
from .matching import exclusion_reason, open_claims_of

TOKEN_SALT = "shegong.serving.checkin"  # noqa: S105 — a signing namespace, not a secret
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTOS_PER_ORDER = 9
IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp"}


def _eligible(volunteer: Volunteer, order: ServiceOrder, now: datetime) -> DualReport | None:
    """The volunteer may serve this order: reported to its community, or living in its
    district; and not excluded by the rules. Returns the 双报到 it is served under."""
    report = (
        DualReport.objects.active()
        .filter(volunteer=volunteer, community_id=order.community_id)
        .first()
    )
    if report is None:
        district = order.community.parent.parent if order.community.parent else None
        home = volunteer.region.path
        if district is None or not home.startswith(district.path):
            raise DomainError("该服务不在您居住的区县，也不是您报到的社区")
    open_claims = open_claims_of(volunteer.pk)
    why_not = exclusion_reason(
        volunteer,
        order,
        today=timezone.localdate(now),
        policy=get_policy(),
        adult_age=volunteer_policy().adult_age,
        open_claims=open_claims,
    )
    if why_not:
        raise DomainError(f"不能认领：{why_not}")
    return report


def _take_place(order: ServiceOrder, now: datetime) -> None:
    taken = ServiceOrder.objects.filter(
        pk=order.pk, status=OrderStatus.OPEN, places_taken__lt=F("people_needed")
    ).update(
        places_taken=F("places_taken") + 1,
        status=Case(
            When(places_taken=F("people_needed") - 1, then=Value(OrderStatus.FULL)),
            default=Value(OrderStatus.OPEN),
        ),
        first_claimed_at=Coalesce(F("first_claimed_at"), Value(now)),
    )
    if not taken:
        raise DomainError("名额已满或服务已结束")


def _new_claim(
    order: ServiceOrder, volunteer: Volunteer, now: datetime, *, actor: User | None
) -> Claim:
    try:
        with transaction.atomic():
            _take_place(order, now)
            # One volunteer claiming two orders at once: the open claims are counted under
            # the volunteer's row lock, so the second waits and sees the first's claim. The
            # order row is locked first (by the UPDATE), as confirmation locks the order and
            # then the volunteers' ledger rows.
            list(Volunteer.objects.select_for_update().filter(pk=volunteer.pk).values_list("pk"))
            report = _eligible(volunteer, order, now)
            claim = Claim.objects.create(
                order=order,
                volunteer=volunteer,
                report=report,
                status=ClaimStatus.ASSIGNED if actor else ClaimStatus.CLAIMED,
                claimed_at=now,
                assigned_by=actor,
            )
            audit.record(
                "service_order_assigned" if actor else "service_order_claimed",
                actor=actor,
                target=claim,
                target_repr=f"{order.number} 认领",
                changes={"order": order.number, "volunteer": volunteer.number},
            )
    except IntegrityError:
        raise DomainError("已认领该服务") from None
    return claim


def claim_order(*, volunteer_id: int, order_id: int, now: datetime | None = None) -> Claim:
    """A volunteer (or reported member) claims a place on the portal."""
    now = now or timezone.now()
    volunteer = Volunteer.objects.select_related("region").filter(pk=volunteer_id).first()
    order = (
        ServiceOrder.objects.select_related("community__parent__parent").filter(pk=order_id).first()
    )
    if volunteer is None or order is None:
        raise DomainError("服务订单不存在")
    if order.ends_at <= now:
        raise DomainError("服务时间已过")
    return _new_claim(order, volunteer, now, actor=None)


def assign(*, actor: User, order_id: int, volunteer_id: int, now: datetime | None = None) -> Claim:
    """The community assigns a suggested person (same rules as a claim)."""
    require_capability(actor, Cap.SERVING_MANAGE, "您的角色不能指派服务")
    now = now or timezone.now()
    order = load_order(actor, order_id)
    volunteer = Volunteer.objects.select_related("region").filter(pk=volunteer_id).first()
    if volunteer is None:
        raise DomainError("志愿者不存在")
    return _new_claim(order, volunteer, now, actor=actor)


def cancel_claim(*, volunteer_id: int, claim_id: int, now: datetime | None = None) -> Claim:
    """The volunteer gives the place back before checking in."""
    now = now or timezone.now()
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update(of=("self",))
            .filter(pk=claim_id, volunteer_id=volunteer_id)
            .first()
        )
        if claim is None or claim.status not in (ClaimStatus.CLAIMED, ClaimStatus.ASSIGNED):
            raise DomainError("该认领不能取消")
        claim.status = ClaimStatus.CANCELLED
        claim.save(update_fields=["status"])
        ServiceOrder.objects.filter(pk=claim.order_id, places_taken__gt=0).update(
            places_taken=F("places_taken") - 1,
            status=Case(
                When(status=OrderStatus.FULL, then=Value(OrderStatus.OPEN)), default=F("status")
            ),
        )
        audit.record("service_claim_cancelled", actor=None, target=claim)
    return claim


# ---- check-in ----------------------------------------------------------------------


def checkin_token(order_id: int) -> str:
    """The order's check-in QR: signed with the volunteers' mechanism (a timestamped
    signer under its own salt); valid within the order's service window."""
    nonce = secrets.token_urlsafe(8)
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(f"{order_id}.{nonce}")


def order_qr_token(*, actor: User, order_id: int) -> tuple[ServiceOrder, str]:
    require_capability(actor, Cap.SERVING_VIEW, "您的角色不能查看服务订单")
    order = load_order(actor, order_id)
    return order, checkin_token(order.pk)


def read_token(token: str) -> int:
    try:
        value = signing.TimestampSigner(salt=TOKEN_SALT).unsign(token, max_age=7 * 86400)
    except signing.BadSignature:
        raise DomainError("签到码无效或已过期", code="token_invalid") from None
    order_part, _, _nonce = value.partition(".")
    order_id = parse_id(order_part)
    if order_id is None:
        raise DomainError("签到码无效或已过期", code="token_invalid")
    return order_id


def served_hours(start: datetime, end: datetime) -> Decimal:
    policy = volunteer_policy()
    seconds = max(0, int((end - start).total_seconds()))
    step = max(1, policy.rounding_minutes) * 60
    seconds -= seconds % step
    hours = (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return min(hours, Decimal(policy.max_hours_per_day))


def scan(*, volunteer_id: int, token: str, now: datetime | None = None) -> Claim:
    """First scan checks in, the next checks out (within the window and its margins)."""
    now = now or timezone.now()
    order_id = read_token(token)
    policy = volunteer_policy()
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(order_id=order_id, volunteer_id=volunteer_id)
            .exclude(status=ClaimStatus.CANCELLED)
            .first()
        )
        if claim is None:
            raise DomainError("您没有认领这项服务，不能签到")
        order = claim.order
        if order.status not in (OrderStatus.OPEN, OrderStatus.FULL, OrderStatus.DONE):
            raise DomainError("这项服务已结束")
        if now < order.starts_at - timedelta(minutes=policy.early_checkin_minutes):
            raise DomainError(f"服务开始前{policy.early_checkin_minutes}分钟内才能签到")
        if now > order.ends_at + timedelta(minutes=policy.late_checkout_minutes):
            raise DomainError("签到签退时间已过，请联系社区补登")
        if claim.status in (ClaimStatus.CLAIMED, ClaimStatus.ASSIGNED):
            claim.status = ClaimStatus.IN
            claim.checked_in_at = now
            action = "service_checked_in"
        elif claim.status == ClaimStatus.IN:
            claim.status = ClaimStatus.OUT
            claim.checked_out_at = now
            # the overlap of check-in → check-out with the service window (serving-rules)
            claim.hours = served_hours(
                max(claim.checked_in_at or now, order.starts_at), min(now, order.ends_at)
            )
            action = "service_checked_out"
        else:
            raise DomainError("您已签退，无需再次扫码")
        claim.save(update_fields=["status", "checked_in_at", "checked_out_at", "hours"])
        audit.record(
            action,
            actor=None,
            target=claim,
            target_repr=f"{order.number} 签到",
            changes={"status": claim.status, "hours": str(claim.hours or "")},
        )
    return claim


def photo_kind(data: bytes) -> tuple[str, str]:
    """(content type, extension) of an accepted photo: at most ``PHOTO_MAX_BYTES``, an image
    by its content (the appeals' magic-byte sniffing), never by its name or declared type."""
    if len(data) > PHOTO_MAX_BYTES:
        raise DomainError("照片不能超过 10 MB")
    kind = sniff(data)
    if kind is None or kind[0] not in IMAGE_TYPES:
        raise DomainError("只能上传 JPG、PNG 或 WebP 照片")
    return kind


def add_photo(
    *, volunteer_id: int | None, actor: User | None, order_id: int, upload: IO[bytes]
) -> OrderPhoto:
    """A photo of the service: checked by content (the appeals' magic-byte sniffing, images
    only), size-limited, stored under a random name. By a claimant or by staff in scope."""
    if actor is not None:
        require_capability(actor, Cap.SERVING_MANAGE, "您的角色不能上传服务照片")
        order = load_order(actor, order_id)
        if order.status == OrderStatus.CANCELLED:
            raise DomainError("该服务订单已取消")
        claim = None
    else:
        if volunteer_id is None:
            raise DomainError("您没有认领这项服务")
        claim = (
            Claim.objects.select_related("order")
            .filter(order_id=order_id, volunteer_id=volunteer_id)
            .exclude(status=ClaimStatus.CANCELLED)
            .first()
        )
        if claim is None:
            raise DomainError("您没有认领这项服务")
        order = claim.order
    data = upload.read(PHOTO_MAX_BYTES + 1)
    content_type, extension = photo_kind(data)
    if order.photos.count() >= PHOTOS_PER_ORDER:
        raise DomainError(f"每项服务最多 {PHOTOS_PER_ORDER} 张照片")
    with transaction.atomic():
        photo = OrderPhoto(
            order=order,
            token=secrets.token_hex(16),
            content_type=content_type,
            size=len(data),
            uploaded_at=timezone.now(),
            claim=claim,
        )
        photo.file.save(f"{photo.token}{extension}", ContentFile(data), save=False)
        photo.save()
        audit.record(
            "service_photo_added",
            actor=actor,
            target=order,
            changes={"photo": photo.token, "size": len(data)},
        )
    return photo


def submit_report(*, volunteer_id: int, order_id: int, text: str) -> ServiceOrder:
    """The short report of what was done; the order then waits for confirmation."""
    text = (text or "").strip()
    if len(text) < 5:
        raise DomainError("请简要填写服务情况（至少5个字）")
    with transaction.atomic():
        claim = Claim.objects.filter(
            order_id=order_id, volunteer_id=volunteer_id, status=ClaimStatus.OUT
        ).first()
        if claim is None:
            raise DomainError("签退后才能提交服务情况")
        order = ServiceOrder.objects.select_for_update(of=("self",)).get(pk=order_id)
        if order.status not in (OrderStatus.OPEN, OrderStatus.FULL, OrderStatus.DONE):
            raise DomainError("这项服务已结束")
        order.report = text[:1000]
        order.status = OrderStatus.DONE
        order.save(update_fields=["report", "status"])
        audit.record("service_reported", actor=None, target=order, changes={"status": order.status})
    return order
