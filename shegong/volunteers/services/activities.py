"""Activities, time slots, sign-up with a waitlist, check-in/out and hours confirmation.

Capacity: ``sign_up`` and ``cancel_signup`` lock the slot row (``select_for_update``; on
SQLite every transaction is IMMEDIATE, which serialises writers), so two volunteers
taking the last place at once cannot both be confirmed: the second is waitlisted. A
cancellation of a confirmed place promotes the first eligible waitlisted volunteer in
the same transaction.

Lock order (PostgreSQL): activity row first, then its slot rows. ``sign_up`` locks the
activity before the slot and re-reads its status under the lock; cancelling an activity
(``change_activity_status``) locks the activity, then all its slots, then cancels the
sign-ups. So a sign-up either commits before the cancellation (and is cancelled by it) or
waits and then sees the activity cancelled — never CONFIRMED on a cancelled activity, and
no deadlock between the two.

Check-in: the manager's screen shows a QR code of a signed, expiring token
(``django.core.signing.TimestampSigner``; ``policy.token_ttl_seconds``) carrying the slot
and a random nonce. A volunteer's scan records ``(nonce, volunteer)`` once
(:class:`CheckinScan`, unique), so a replayed token — a second scan, a screenshot — is
refused. The first scan checks in, a later scan (of a newer code) checks out. Managers
check people in and out by hand when they have no phone.

Hours = overlap of [check-in, check-out] with the slot, rounded down to
``policy.rounding_minutes`` and capped by ``policy.max_hours_per_day`` (记录办法 第七条第二款:
time actually contributed, in hours). The manager confirms (and may adjust, with a reason);
confirmation appends the ledger entry (谁组织谁记录).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from shegong.core import audit
from shegong.core.exceptions import DomainError, TransitionNotAllowed
from shegong.core.notify import queue_sms
from shegong.core.permissions import require_capability
from shegong.core.pii import plain
from shegong.core.roles import Cap

from ..choices import (
    ACTIVITY_TRANSITIONS,
    ActivityStatus,
    AttendanceState,
    CheckMethod,
    EntryKind,
    ServiceCategory,
    SignupStatus,
    VolunteerStatus,
)
from ..models import (
    Activity,
    CheckinScan,
    HoursEntry,
    Signup,
    Skill,
    Slot,
    Team,
    Volunteer,
    VolunteerPolicy,
)
from .common import age_on, clean_hours, get_policy
from .deadlines import deadline_of
from .ledger import EntryDraft, append_entries

TOKEN_SALT = "shegong.volunteers.checkin"  # noqa: S105 — a signing namespace, not a secret
MAX_SLOTS = 50


@dataclass(frozen=True)
class SlotInput:
    starts_at: datetime
    ends_at: datetime
    capacity: int


def _check_slot(slot: SlotInput) -> None:
    if slot.starts_at >= slot.ends_at:
        raise DomainError("时段的结束时间应晚于开始时间")
    if slot.ends_at - slot.starts_at > timedelta(hours=24):
        raise DomainError("一个时段不能超过24小时，请拆分为多个时段")
    if not 1 <= slot.capacity <= 10000:
        raise DomainError("名额应在1到10000之间")


def create_activity(
    *,
    actor: Any,
    team_id: int,
    title: str,
    description: str,
    region_id: int,
    address: str,
    contact_name: str,
    recruit_start: datetime,
    recruit_end: datetime,
    slots: Sequence[SlotInput],
    category: str = ServiceCategory.COMMUNITY,
    min_age: int | None = None,
    max_age: int | None = None,
    risky: bool = False,
    insurance_confirmed: bool = False,
    skill_names: Sequence[str] = (),
) -> Activity:
    """A draft activity of a team in the actor's scope, held in a region in their scope."""
    from shegong.regions.models import Region

    require_capability(actor, Cap.VOLUNTEER_ACTIVITIES, "您的角色不能发布志愿服务活动")
    title, description = (title or "").strip(), (description or "").strip()
    if not title or len(title) > 120:
        raise DomainError("请填写活动名称（不超过120个字）")
    if not description:
        raise DomainError("请填写服务内容")
    if not (contact_name or "").strip():
        raise DomainError("请填写活动负责人")
    if recruit_start >= recruit_end:
        raise DomainError("招募截止时间应晚于招募开始时间")
    if min_age is not None and max_age is not None and min_age > max_age:
        raise DomainError("最低年龄不能大于最高年龄")
    if category not in ServiceCategory.values:
        raise DomainError("服务类别无效")
    if not slots:
        raise DomainError("请至少设置一个活动时段")
    if len(slots) > MAX_SLOTS:
        raise DomainError(f"一个活动最多{MAX_SLOTS}个时段")
    for slot in slots:
        _check_slot(slot)
    with transaction.atomic():
        team = Team.objects.visible_to(actor).filter(pk=team_id, is_active=True).first()
        if team is None:
            raise DomainError("队伍不存在或不在您的管辖范围内")
        region = Region.objects.visible_to(actor).filter(pk=region_id).first()
        if region is None:
            raise DomainError("活动地点不在您的管辖范围内")
        activity = Activity.objects.create(
            team=team,
            title=title,
            description=description,
            category=category,
            region=region,
            address=(address or "").strip()[:200],
            contact_name=contact_name.strip()[:50],
            min_age=min_age,
            max_age=max_age,
            risky=risky,
            insurance_confirmed=insurance_confirmed,
            recruit_start=recruit_start,
            recruit_end=recruit_end,
            created_by=actor,
        )
        skills = [
            Skill.objects.get_or_create(name=n.strip()[:50])[0] for n in skill_names if n.strip()
        ]
        activity.required_skills.set(skills)
        Slot.objects.bulk_create(
            [
                Slot(
                    activity=activity, starts_at=s.starts_at, ends_at=s.ends_at, capacity=s.capacity
                )
                for s in slots
            ]
        )
        audit.record(
            "volunteer_activity_created",
            actor=actor,
            target=activity,
            changes={"title": title, "slots": len(slots)},
        )
    return activity


def add_slot(*, actor: Any, activity_id: int, slot: SlotInput) -> Slot:
    require_capability(actor, Cap.VOLUNTEER_ACTIVITIES, "您的角色不能修改活动")
    _check_slot(slot)
    with transaction.atomic():
        activity = Activity.objects.visible_to(actor).filter(pk=activity_id).first()
        if activity is None:
            raise DomainError("活动不存在或不在您的管辖范围内")
        if activity.status in (ActivityStatus.CLOSED, ActivityStatus.CANCELLED):
            raise DomainError("活动已结束或已取消，不能再增加时段")
        if activity.slots.count() >= MAX_SLOTS:
            raise DomainError(f"一个活动最多{MAX_SLOTS}个时段")
        row = Slot.objects.create(
            activity=activity,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            capacity=slot.capacity,
        )
        audit.record(
            "volunteer_slot_added",
            actor=actor,
            target=activity,
            changes={"starts_at": slot.starts_at, "capacity": slot.capacity},
        )
    return row


def change_activity_status(*, actor: Any, activity_id: int, to: str, reason: str = "") -> Activity:
    """Publish, close or cancel (``choices.ACTIVITY_TRANSITIONS``). Publishing a risky
    activity needs insurance (志愿服务条例 第十七条第二款); cancelling cancels every active
    sign-up and tells the volunteers by SMS."""
    require_capability(actor, Cap.VOLUNTEER_ACTIVITIES, "您的角色不能修改活动")
    if to not in ActivityStatus.values:
        raise DomainError("请选择要改成的活动状态")
    with transaction.atomic():
        activity = (
            Activity.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=activity_id)
        )
        row = activity.first()
        if row is None:
            raise DomainError("活动不存在或不在您的管辖范围内")
        if to not in ACTIVITY_TRANSITIONS.get(row.status, frozenset()):
            raise TransitionNotAllowed(
                f"活动当前为“{row.get_status_display()}”，不能改为“{ActivityStatus(to).label}”"
            )
        if to == ActivityStatus.PUBLISHED and row.risky and not row.insurance_confirmed:
            raise DomainError(
                "有人身危险的活动须先为志愿者购买人身意外保险（志愿服务条例第十七条）"
            )
        if to == ActivityStatus.CANCELLED and not (reason or "").strip():
            raise DomainError("请填写取消原因")
        old = row.status
        row.status = to
        row.save(update_fields=["status"])
        phones: list[str] = []
        if to == ActivityStatus.CANCELLED:
            # After the activity, lock its slots (sign_up's order) so no sign-up or
            # promotion is half-way while the sign-ups are cancelled.
            list(
                Slot.objects.select_for_update(of=("self",))
                .filter(activity=row)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            signups = Signup.objects.filter(
                slot__activity=row, status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]
            ).select_related("volunteer")
            for signup in signups:
                phones.append(plain(signup.volunteer.phone))
            signups.update(status=SignupStatus.CANCELLED, cancelled_at=timezone.now())
            Slot.objects.filter(activity=row).update(taken=0)
        audit.record(
            "volunteer_activity_status_changed",
            actor=actor,
            target=row,
            changes={"status": [old, to], "notified": len(phones)},
            note=reason,
        )
        if phones:
            text = f"【志愿服务】您报名的活动“{row.title}”已取消：{reason.strip()}。"
            for phone in phones:
                queue_sms(phone, text, purpose="志愿活动取消")
    return row


def eligibility(
    volunteer: Volunteer,
    activity: Activity,
    *,
    now: datetime,
    policy: VolunteerPolicy | None = None,
    skill_ids: set[int] | None = None,
    required_ids: set[int] | None = None,
) -> str | None:
    """Why ``volunteer`` may not sign up for ``activity`` now (Chinese), or None.

    Assignments must fit the volunteer's age and skills (志愿服务条例 第十五条); minors only
    with a guardian's consent and never for risky activities (山东 第十条, 浙江 第九条).
    """
    policy = policy or get_policy()
    if volunteer.status != VolunteerStatus.ACTIVE:
        return "您的志愿者身份已暂停，请联系所在社区"
    if activity.status != ActivityStatus.PUBLISHED:
        return "活动未在招募中"
    if not activity.recruit_start <= now <= activity.recruit_end:
        return "不在招募时间内"
    age = age_on(volunteer.birth_date, timezone.localdate(now))
    if age < policy.adult_age:
        if activity.risky:
            return "未成年人不能参加有人身危险的活动"
        if volunteer.guardian_consent_at is None:
            return "未成年人报名需监护人同意"
    if activity.min_age is not None and age < activity.min_age:
        return f"本活动要求年满{activity.min_age}周岁"
    if activity.max_age is not None and age > activity.max_age:
        return f"本活动要求年龄不超过{activity.max_age}周岁"
    if required_ids is None:
        required_ids = set(activity.required_skills.values_list("pk", flat=True))
    if required_ids:
        if skill_ids is None:
            skill_ids = set(volunteer.skills.values_list("pk", flat=True))
        if not required_ids <= skill_ids:
            return "本活动需要特定技能，您登记的技能不符合"
    return None


def offered_activities(volunteer: Volunteer, *, now: datetime | None = None) -> Any:
    """Published activities open for recruitment that suit the volunteer's age (minors are
    never offered risky ones), nearest first: in the volunteer's street or one of their
    chosen service areas, then the same district, then the rest of the city."""
    from django.db.models import Case, IntegerField, Q, Value, When

    now = now or timezone.now()
    policy = get_policy()
    age = age_on(volunteer.birth_date, timezone.localdate(now))
    qs = Activity.objects.filter(
        status=ActivityStatus.PUBLISHED, recruit_start__lte=now, recruit_end__gte=now
    ).filter(
        Q(min_age__isnull=True) | Q(min_age__lte=age), Q(max_age__isnull=True) | Q(max_age__gte=age)
    )
    if age < policy.adult_age:
        qs = qs.filter(risky=False)
    path = volunteer.region.path
    segments = [s for s in path.split("/") if s]
    street = "/" + "/".join(segments[:3]) + "/" if len(segments) >= 3 else path
    district = "/" + "/".join(segments[:2]) + "/" if len(segments) >= 2 else path
    near = Q(region__path__startswith=street)
    for area in volunteer.service_regions.only("path"):
        near |= Q(region__path__startswith=area.path)
    return qs.annotate(
        nearness=Case(
            When(near, then=Value(0)),
            When(region__path__startswith=district, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("nearness", "recruit_end", "pk")


def _load_volunteer_for(actor: Any, volunteer_id: int) -> Volunteer:
    if actor is None:
        volunteer = Volunteer.objects.filter(pk=volunteer_id).first()
    else:
        require_capability(actor, Cap.VOLUNTEER_ACTIVITIES, "您的角色不能代为报名")
        # Staff sign up only volunteers in their jurisdiction (out of scope = not found).
        volunteer = Volunteer.objects.visible_to(actor).filter(pk=volunteer_id).first()
        if volunteer is None:
            raise DomainError("志愿者不存在或不在您的管辖范围内")
    if volunteer is None:
        raise DomainError("志愿者不存在")
    return volunteer


def sign_up(
    *, volunteer_id: int, slot_id: int, actor: Any = None, now: datetime | None = None
) -> Signup:
    """Take a place (CONFIRMED) or, when full, join the waitlist (WAITLISTED).

    ``actor=None``: the volunteer on the portal. A staff actor (``volunteers.activities``)
    signs someone up for a slot in their scope (e.g. a resident without a phone).
    """
    now = now or timezone.now()
    policy = get_policy()
    volunteer = _load_volunteer_for(actor, volunteer_id)
    with transaction.atomic():
        slots = Slot.objects.all()
        if actor is not None:
            slots = slots.filter(pk__in=Slot.objects.visible_to(actor).values("pk"))
        activity_id = slots.filter(pk=slot_id).values_list("activity_id", flat=True).first()
        if activity_id is None:
            raise DomainError("活动时段不存在")
        # Activity first, then the slot: the same order as cancelling the activity.
        activity = Activity.objects.select_for_update(of=("self",)).get(pk=activity_id)
        slot = Slot.objects.select_for_update(of=("self",)).get(pk=slot_id)
        problem = eligibility(volunteer, activity, now=now, policy=policy)
        if problem:
            raise DomainError(problem)
        if slot.starts_at <= now:
            raise DomainError("该时段已开始，不能再报名")
        active = Signup.objects.filter(
            volunteer=volunteer, status__in=[SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]
        )
        if active.filter(slot=slot).exists():
            raise DomainError("您已报名该时段")
        clash = active.filter(
            status=SignupStatus.CONFIRMED,
            slot__starts_at__lt=slot.ends_at,
            slot__ends_at__gt=slot.starts_at,
        ).first()
        if clash is not None:
            raise DomainError("与您已录用的其他活动时间冲突")
        if slot.taken < slot.capacity:
            status = SignupStatus.CONFIRMED
            Slot.objects.filter(pk=slot.pk).update(taken=F("taken") + 1)
        else:
            status = SignupStatus.WAITLISTED
        try:
            with transaction.atomic():
                signup = Signup.objects.create(slot=slot, volunteer=volunteer, status=status)
        except IntegrityError:
            raise DomainError("您已报名该时段") from None
        audit.record(
            "volunteer_signed_up",
            actor=actor,
            target=signup,
            target_repr=f"{volunteer.number} → {slot}",
            changes={"status": status, "slot": slot.pk},
        )
    return signup


def waitlist_position(signup: Signup) -> int:
    return (
        Signup.objects.filter(
            slot_id=signup.slot_id, status=SignupStatus.WAITLISTED, pk__lt=signup.pk
        ).count()
        + 1
    )


def cancel_signup(
    *,
    signup_id: int,
    actor: Any = None,
    volunteer_id: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Signup:
    """Cancel a sign-up (the volunteer's own, or by staff in scope).

    Rules: not after the slot has started; inside ``policy.cancel_hours_before`` a
    volunteer's own cancellation is allowed but recorded as 临时取消 (counted on the
    volunteer). Cancelling a confirmed place promotes the first eligible waitlisted
    volunteer (told by SMS).
    """
    now = now or timezone.now()
    policy = get_policy()
    with transaction.atomic():
        if actor is None:
            if volunteer_id is None:
                raise DomainError("报名记录不存在")
            signup = Signup.objects.filter(pk=signup_id, volunteer_id=volunteer_id).first()
        else:
            require_capability(actor, Cap.VOLUNTEER_ACTIVITIES, "您的角色不能取消报名")
            signup = Signup.objects.visible_to(actor).filter(pk=signup_id).first()
        if signup is None:
            raise DomainError("报名记录不存在")
        slot = Slot.objects.select_for_update(of=("self",)).get(pk=signup.slot_id)
        signup = Signup.objects.select_related("volunteer").get(pk=signup.pk)
        if signup.status not in (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED):
            raise DomainError("该报名已取消")
        if slot.starts_at <= now:
            raise DomainError("活动已开始，不能取消报名；如不能到场请联系活动负责人")
        was_confirmed = signup.status == SignupStatus.CONFIRMED
        late = (
            actor is None
            and was_confirmed
            and slot.starts_at - now < timedelta(hours=policy.cancel_hours_before)
        )
        signup.status = SignupStatus.CANCELLED
        signup.cancelled_at = now
        signup.late_cancel = late
        signup.save(update_fields=["status", "cancelled_at", "late_cancel"])
        if late:
            Volunteer.objects.filter(pk=signup.volunteer_id).update(
                late_cancellations=F("late_cancellations") + 1
            )
        promoted = None
        if was_confirmed:
            Slot.objects.filter(pk=slot.pk).update(taken=F("taken") - 1)
            promoted = _promote_from_waitlist(slot, now=now, policy=policy)
        audit.record(
            "volunteer_signup_cancelled",
            actor=actor,
            target=signup,
            target_repr=f"{signup.volunteer.number} → {slot}",
            changes={"late": late, "promoted": promoted.pk if promoted else None},
            note=reason,
        )
    return signup


def _promote_from_waitlist(slot: Slot, *, now: datetime, policy: VolunteerPolicy) -> Signup | None:
    """Confirm the first waitlisted volunteer who is still eligible (slot row is locked)."""
    activity = Activity.objects.get(pk=slot.activity_id)
    required = set(activity.required_skills.values_list("pk", flat=True))
    for candidate in (
        Signup.objects.filter(slot=slot, status=SignupStatus.WAITLISTED)
        .select_related("volunteer")
        .order_by("created_at", "pk")
    ):
        volunteer = candidate.volunteer
        clash = Signup.objects.filter(
            volunteer=volunteer,
            status=SignupStatus.CONFIRMED,
            slot__starts_at__lt=slot.ends_at,
            slot__ends_at__gt=slot.starts_at,
        ).exists()
        problem = eligibility(
            volunteer,
            activity,
            now=min(now, activity.recruit_end),
            policy=policy,
            required_ids=required,
        )
        if clash or problem:
            continue
        candidate.status = SignupStatus.CONFIRMED
        candidate.promoted_at = now
        candidate.save(update_fields=["status", "promoted_at"])
        Slot.objects.filter(pk=slot.pk).update(taken=F("taken") + 1)
        audit.record(
            "volunteer_signup_promoted",
            actor=None,
            target=candidate,
            target_repr=f"{volunteer.number} → {slot}",
            changes={"status": ["waitlisted", "confirmed"]},
        )
        phone = plain(volunteer.phone)
        text = (
            f"【志愿服务】您候补的活动“{activity.title}”"
            f"（{timezone.localtime(slot.starts_at):%m月%d日 %H:%M}）已转为录用，请准时参加。"
        )
        queue_sms(phone, text, purpose="候补转为录用")
        return candidate
    return None


# ---- check-in tokens ------------------------------------------------------------------


def checkin_token(slot_id: int) -> str:
    """A fresh token for the slot's QR code: signed, timestamped, with a random nonce."""
    nonce = secrets.token_urlsafe(12)
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(f"{slot_id}.{nonce}")


def checkin_qr_token(*, actor: Any, slot_id: int) -> tuple[Slot, str]:
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
    if not slot_part.isdigit() or not nonce:
        raise DomainError("二维码无效，请扫描活动现场的签到二维码", code="token_invalid")
    return int(slot_part), nonce


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
    *, actor: Any, signup_id: int, at: datetime | None = None, now: datetime | None = None
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


def mark_absent(*, actor: Any, signup_id: int, now: datetime | None = None) -> Signup:
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
    actor: Any,
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


def confirm_slot_hours(*, actor: Any, slot_id: int, note: str = "") -> int:
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
