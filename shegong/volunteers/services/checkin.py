"""QR check-in/out (signed tokens), the manager's check, absence, and hours confirmation
into the ledger."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.lib.text import parse_id

from ..choices import (
    AttendanceState,
    CheckMethod,
    EntryKind,
    SignupStatus,
)
from ..models import (
    CheckinScan,
    HoursEntry,
    Signup,
    Slot,
    Volunteer,
    VolunteerPolicy,
)
from .common import clean_hours, get_policy
from .deadlines import deadline_of
from .ledger import EntryDraft, append_entries

TOKEN_SALT = "shegong.volunteers.checkin"  # noqa: S105 — a signing namespace, not a secret


# ---- check-in tokens ------------------------------------------------------------------


def checkin_token(slot_id: int) -> str:
    """A fresh token for the slot's QR code: signed, timestamped, with a random nonce."""
    nonce = secrets.token_urlsafe(12)
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(f"{slot_id}.{nonce}")


def checkin_qr_token(*, actor: User, slot_id: int) -> tuple[Slot, str]:
    """The token shown on a manager's screen (only for a slot in their scope)."""
    require_capability(actor, Cap.VOLUNTEER_ACTIVITIES, "您的角色不能组织签到")
    slot = Slot.objects.visible_to(actor).select_related("activity").filter(pk=slot_id).first()
    if slot is None:
        raise DomainError("活动时段不存在或不在您的管辖范围内")
    return slot, checkin_token(slot.pk)


def read_token(token: str, *, max_age: int | None = None) -> tuple[int, str]:
    """(slot id, nonce) of a valid token; DomainError when expired or forged."""
    ttl = max_age if max_age is not None else get_policy().token_ttl_seconds
    try:
        value = signing.TimestampSigner(salt=TOKEN_SALT).unsign(token, max_age=ttl)
    except signing.SignatureExpired:
        raise DomainError(
            "二维码已过期，请扫描现场最新的签到二维码", code="token_expired"
        ) from None
    except signing.BadSignature:
        raise DomainError("二维码无效，请扫描活动现场的签到二维码", code="token_invalid") from None
    slot_part, _, nonce = value.partition(".")
    slot_pk = parse_id(slot_part)
    if slot_pk is None or not nonce:
        raise DomainError("二维码无效，请扫描活动现场的签到二维码", code="token_invalid")
    return slot_pk, nonce


def _window_problem(slot: Slot, now: datetime, policy: VolunteerPolicy) -> str | None:
    if now < slot.starts_at - timedelta(minutes=policy.early_checkin_minutes):
        return f"活动开始前{policy.early_checkin_minutes}分钟内才能签到"
    if now > slot.ends_at + timedelta(minutes=policy.late_checkout_minutes):
        return "签到签退时间已过，请联系活动负责人补登"
    return None


def compute_hours(
    slot: Slot, checked_in: datetime, checked_out: datetime, policy: VolunteerPolicy
) -> Decimal:
    """Hours of the overlap with the slot, rounded down to the policy's step and capped."""
    start = max(checked_in, slot.starts_at)
    end = min(checked_out, slot.ends_at)
    seconds = max(0, int((end - start).total_seconds()))
    step = max(1, policy.rounding_minutes) * 60
    seconds -= seconds % step
    hours = (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return min(hours, Decimal(policy.max_hours_per_day))


def scan_checkin(
    *,
    volunteer_id: int,
    token: str,
    now: datetime | None = None,
    ip: str | None = None,
    user_agent: str = "",
) -> Signup:
    """The volunteer scanned the slot's QR: check in (first scan) or out (a later scan).

    The scanning phone's address and user agent are kept with the scan, so a check-in and
    check-out from different addresses show as 异常 to the manager (``scan_anomalies``)."""
    now = now or timezone.now()
    policy = get_policy()
    slot_id, nonce = read_token(token, max_age=policy.token_ttl_seconds)
    with transaction.atomic():
        signup = (
            Signup.objects.select_for_update(of=("self",))
            .filter(slot_id=slot_id, volunteer_id=volunteer_id, status=SignupStatus.CONFIRMED)
            .first()
        )
        if signup is None:
            raise DomainError("您没有被录用参加这个时段，不能签到")
        slot = Slot.objects.get(pk=slot_id)
        problem = _window_problem(slot, now, policy)
        if problem:
            raise DomainError(problem)
        if signup.attendance not in (AttendanceState.NONE, AttendanceState.IN):
            raise DomainError("您已签退，无需再次扫码")
        try:
            with transaction.atomic():
                CheckinScan.objects.create(
                    nonce=nonce,
                    volunteer_id=volunteer_id,
                    signup=signup,
                    used_at=now,
                    ip=ip or None,
                    user_agent=(user_agent or "")[:255],
                )
        except IntegrityError:
            raise DomainError(
                "这个二维码您已经扫过了，请扫描现场最新的二维码", code="token_replayed"
            ) from None
        _apply_check(signup, slot, now, CheckMethod.QR, policy)
        audit.record(
            "volunteer_checked_in"
            if signup.attendance == AttendanceState.IN
            else "volunteer_checked_out",
            actor=None,
            target=signup,
            target_repr=f"签到 {slot}",
            changes={"method": "qr", "attendance": signup.attendance},
        )
    return signup


def scan_anomalies(signup_ids: Iterable[int]) -> dict[int, str]:
    """Sign-ups whose QR scans came from more than one client address (check-in on one
    network, check-out on another: perhaps a forwarded link) → a short explanation.
    A hint for the manager confirming hours, not proof: phones switch between Wi-Fi and
    mobile data, and one forwarded link used from the same place is not caught."""
    ips: dict[int, set[str]] = defaultdict(set)
    for signup_id, ip in CheckinScan.objects.filter(
        signup_id__in=list(signup_ids), ip__isnull=False
    ).values_list("signup_id", "ip"):
        if ip:
            ips[signup_id].add(ip)
    return {
        sid: f"签到和签退来自不同网络地址（{'、'.join(sorted(found))}），请核实是否本人到场"
        for sid, found in ips.items()
        if len(found) > 1
    }


def _apply_check(
    signup: Signup, slot: Slot, now: datetime, method: str, policy: VolunteerPolicy
) -> None:
    if signup.attendance == AttendanceState.NONE:
        signup.attendance = AttendanceState.IN
        signup.checked_in_at = now
        signup.check_in_method = method
        signup.save(update_fields=["attendance", "checked_in_at", "check_in_method"])
        return
    assert signup.checked_in_at is not None
    if now <= signup.checked_in_at:
        raise DomainError("签退时间应晚于签到时间")
    signup.attendance = AttendanceState.OUT
    signup.checked_out_at = now
    signup.check_out_method = method
    signup.computed_hours = compute_hours(slot, signup.checked_in_at, now, policy)
    signup.save(
        update_fields=["attendance", "checked_out_at", "check_out_method", "computed_hours"]
    )


def manager_check(
    *, actor: User, signup_id: int, at: datetime | None = None, now: datetime | None = None
) -> Signup:
    """Check a confirmed volunteer in (or, if in, out) by hand — for people without a
    phone. ``at`` lets the manager enter the real time (not in the future)."""
    require_capability(actor, Cap.VOLUNTEER_ACTIVITIES, "您的角色不能代为签到")
    now = now or timezone.now()
    at = at or now
    if at > now + timedelta(minutes=1):
        raise DomainError("签到签退时间不能晚于现在")
    policy = get_policy()
    with transaction.atomic():
        signup = (
            Signup.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=signup_id, status=SignupStatus.CONFIRMED)
            .first()
        )
        if signup is None:
            raise DomainError("报名记录不存在、未录用或不在您的管辖范围内")
        slot = Slot.objects.get(pk=signup.slot_id)
        if at < slot.starts_at - timedelta(minutes=policy.early_checkin_minutes):
            raise DomainError(f"活动开始前{policy.early_checkin_minutes}分钟内才能签到")
        if signup.attendance not in (AttendanceState.NONE, AttendanceState.IN):
            raise DomainError("该志愿者已签退")
        _apply_check(signup, slot, at, CheckMethod.MANAGER, policy)
        audit.record(
            "volunteer_checked_in"
            if signup.attendance == AttendanceState.IN
            else "volunteer_checked_out",
            actor=actor,
            target=signup,
            target_repr=f"代签 {slot}",
            changes={"method": "manager", "at": at, "attendance": signup.attendance},
        )
    return signup


def mark_absent(*, actor: User, signup_id: int, now: datetime | None = None) -> Signup:
    require_capability(actor, Cap.VOLUNTEER_ACTIVITIES, "您的角色不能登记缺席")
    now = now or timezone.now()
    with transaction.atomic():
        signup = (
            Signup.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=signup_id, status=SignupStatus.CONFIRMED)
            .first()
        )
        if signup is None:
            raise DomainError("报名记录不存在、未录用或不在您的管辖范围内")
        slot = Slot.objects.get(pk=signup.slot_id)
        if now < slot.starts_at:
            raise DomainError("活动尚未开始，不能登记缺席")
        if signup.attendance != AttendanceState.NONE:
            raise DomainError("该志愿者已签到，不能登记缺席")
        signup.attendance = AttendanceState.ABSENT
        signup.save(update_fields=["attendance"])
        Volunteer.objects.filter(pk=signup.volunteer_id).update(no_shows=F("no_shows") + 1)
        audit.record("volunteer_marked_absent", actor=actor, target=signup)
    return signup


def confirm_hours(
    *,
    actor: User,
    signup_id: int,
    hours: Decimal | None = None,
    note: str = "",
    now: datetime | None = None,
) -> HoursEntry:
    """The manager confirms a checked-out volunteer's hours → one ledger entry.

    The hours default to the computed ones; the manager may adjust them (with a reason,
    audited) — e.g. a volunteer who forgot to scan out — never above the slot's length or
    the daily cap. After the recording deadline (记录办法 第十一条, ``deadlines``) the
    ``note`` must explain the delay; the audit event then carries ``late``/``deadline``.
    ``now`` is for the demo generator and tests (it backdates the recording time and the
    lateness check); views and the API never pass it.
    """
    require_capability(actor, Cap.VOLUNTEER_ACTIVITIES, "您的角色不能确认服务时长")
    policy = get_policy()
    with transaction.atomic():
        signup = (
            Signup.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("slot__activity__team", "slot__activity__region")
            .filter(pk=signup_id)
            .first()
        )
        if signup is None:
            raise DomainError("报名记录不存在或不在您的管辖范围内")
        if signup.attendance == AttendanceState.CONFIRMED:
            raise DomainError("该志愿者的时长已确认")
        if signup.attendance != AttendanceState.OUT or signup.computed_hours is None:
            raise DomainError("志愿者签到并签退后才能确认时长")
        slot = signup.slot
        activity = slot.activity
        value = (
            signup.computed_hours
            if hours is None
            else clean_hours(hours, maximum=policy.max_hours_per_day, allow_zero=True)
        )
        slot_hours = Decimal((slot.ends_at - slot.starts_at).total_seconds()) / Decimal(3600)
        if value < 0 or value > slot_hours or value > policy.max_hours_per_day:
            raise DomainError("确认时长不能为负数，也不能超过时段长度和每日上限")
        if value != signup.computed_hours and not note.strip():
            raise DomainError("调整时长时请填写原因")
        due = deadline_of(slot, policy)
        deadline = due.end_date
        now = now or timezone.now()
        late = timezone.localdate(now) > deadline
        if late and not due.provisional and not note.strip():
            raise DomainError(
                f"已超过记录时限（{deadline:%Y-%m-%d}，活动结束后"
                f"{policy.record_deadline_working_days}个工作日，《志愿服务记录与证明出具办法》"
                "第十一条），请填写逾期确认说明"
            )
        service_date = timezone.localdate(slot.starts_at)
        same_day = HoursEntry.objects.filter(
            volunteer_id=signup.volunteer_id, service_date=service_date
        ).aggregate(total=Sum("hours"))["total"] or Decimal("0")
        if same_day + value > policy.max_hours_per_day:
            raise DomainError(
                f"该志愿者当日累计时长将超过{policy.max_hours_per_day}小时上限，请核实"
            )
        (entry,) = append_entries(
            [
                EntryDraft(
                    volunteer_id=signup.volunteer_id,
                    kind=EntryKind.SERVICE,
                    hours=value,
                    service_date=service_date,
                    region_id=activity.region_id,
                    title=activity.title,
                    organizer=activity.team.name,
                    content=activity.description[:255],
                    activity_id=activity.pk,
                    team_id=activity.team_id,
                    source_ref=f"signup:{signup.pk}",
                )
            ],
            confirmer=actor,
            now=now,
            cause="volunteer_hours_confirmed",
        )
        signup.attendance = AttendanceState.CONFIRMED
        signup.ledger_entry = entry
        signup.save(update_fields=["attendance", "ledger_entry"])
        audit.record(
            "volunteer_hours_confirmed",
            actor=actor,
            target=signup,
            target_repr=f"{activity.title} {value}小时",
            changes={
                "hours": str(value),
                "computed": str(signup.computed_hours),
                "volunteer": entry.volunteer_id,
                "seq": entry.seq,
                "head": entry.hash,
                **(
                    {"late": True, "deadline": deadline.isoformat(), "provisional": due.provisional}
                    if late
                    else {}
                ),
            },
            note=note,
        )
    return entry


def confirm_slot_hours(*, actor: User, slot_id: int, note: str = "") -> int:
    """Confirm the computed hours of everyone checked out of a slot (批量确认); ``note``
    is the reason for a confirmation after the recording deadline."""
    require_capability(actor, Cap.VOLUNTEER_ACTIVITIES, "您的角色不能确认服务时长")
    slot = Slot.objects.visible_to(actor).filter(pk=slot_id).first()
    if slot is None:
        raise DomainError("活动时段不存在或不在您的管辖范围内")
    ids = list(
        Signup.objects.filter(slot=slot, attendance=AttendanceState.OUT).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        confirm_hours(actor=actor, signup_id=pk, note=note)
    return len(ids)
