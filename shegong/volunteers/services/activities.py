"""Activities and time slots; this page also describes sign-up with a waitlist (``signups``)
and check-in/out with hours confirmation (``checkin``).

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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError, TransitionNotAllowed
from shegong.core.notify import queue_sms
from shegong.core.permissions import require_capability
from shegong.core.pii import plain
from shegong.core.roles import Cap

from ..choices import (
    ACTIVITY_TRANSITIONS,
    ActivityStatus,
    ServiceCategory,
    SignupStatus,
    VolunteerStatus,
)
from ..models import (
    Activity,
    Signup,
    Skill,
    Slot,
    Team,
    Volunteer,
    VolunteerPolicy,
)
from .common import age_on, get_policy

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
    actor: User,
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


def add_slot(*, actor: User, activity_id: int, slot: SlotInput) -> Slot:
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


def change_activity_status(*, actor: User, activity_id: int, to: str, reason: str = "") -> Activity:
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
