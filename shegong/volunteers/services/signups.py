"""Sign-up with a waitlist, cancellation and promotion from the waitlist.

Capacity and lock order: see ``activities`` (the slot row is locked; the activity before
the slot)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.notify import queue_sms
from shegong.core.permissions import require_capability
from shegong.core.pii import plain
from shegong.core.roles import Cap

from ..choices import (
    SignupStatus,
)
from ..models import (
    Activity,
    Signup,
    Slot,
    Volunteer,
    VolunteerPolicy,
)
from .activities import eligibility
from .common import get_policy


def _load_volunteer_for(actor: User | None, volunteer_id: int) -> Volunteer:
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
    *, volunteer_id: int, slot_id: int, actor: User | None = None, now: datetime | None = None
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
    actor: User | None = None,
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
