"""Activities, their time slots, sign-ups (with a waitlist) and check-in scans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from shegong.core.scoping import Scope, ScopedQuerySet

from ..choices import (
    ActivityStatus,
    AttendanceState,
    CheckMethod,
    SignupStatus,
)
from .common import VOLUNTEERS_VIEW
from .people import Skill, Team, Volunteer


class ActivityQuerySet(ScopedQuerySet):
    def public(self) -> ActivityQuerySet:
        return self.filter(status__in=[ActivityStatus.PUBLISHED, ActivityStatus.CLOSED])


class Activity(models.Model):
    """A 志愿服务项目/活动 published by a team, held in a region, in one or more slots.

    Invariants: ``recruit_start < recruit_end``; ``min_age <= max_age`` when both set; a
    ``risky`` activity (抢险救灾 or other danger) never takes minors (山东 第十条; 浙江 第九条)
    and needs ``insurance_confirmed`` before publishing (志愿服务条例 第十七条第二款).
    """

    team = models.ForeignKey(Team, verbose_name="发布队伍", on_delete=models.PROTECT)
    title = models.CharField("活动名称", max_length=120)
    description = models.TextField("服务内容")
    category = models.CharField("服务类别", max_length=20, default="community")
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="活动地点（区域）",
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField("详细地点", max_length=200)
    contact_name = models.CharField("活动负责人", max_length=50)
    required_skills = models.ManyToManyField(Skill, verbose_name="所需技能", blank=True)
    min_age = models.PositiveSmallIntegerField("最低年龄", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("最高年龄", null=True, blank=True)
    risky = models.BooleanField("有人身危险（抢险救灾等）", default=False)
    insurance_confirmed = models.BooleanField("已购买人身意外保险", default=False)
    recruit_start = models.DateTimeField("招募开始")
    recruit_end = models.DateTimeField("招募截止")
    status = models.CharField(
        "状态", max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=VOLUNTEERS_VIEW, region="region", unit="team__unit")
    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "志愿服务活动"
        verbose_name_plural = "志愿服务活动"
        ordering = ["-recruit_start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recruit_start__lt=models.F("recruit_end")), name="vol_recruit_window"
            )
        ]

    def __str__(self) -> str:
        return self.title


class SlotQuerySet(ScopedQuerySet):
    pass


class Slot(models.Model):
    """One time slot of an activity with its capacity.

    Invariant: ``taken`` = number of CONFIRMED sign-ups, ``taken <= capacity``; both are
    changed only under ``select_for_update`` of this row (``services.signups``).
    """

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="slots")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("名额")
    taken = models.PositiveIntegerField("已录用", default=0)

    scope = Scope(
        capability=VOLUNTEERS_VIEW, region="activity__region", unit="activity__team__unit"
    )
    objects = SlotQuerySet.as_manager()

    class Meta:
        verbose_name = "活动时段"
        verbose_name_plural = "活动时段"
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="vol_slot_ordered"
            ),
            models.CheckConstraint(
                condition=Q(taken__lte=models.F("capacity")), name="vol_slot_cap"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)


class SignupQuerySet(ScopedQuerySet):
    pass


class Signup(models.Model):
    """A volunteer's sign-up for a slot and, later, their attendance and hours.

    Invariants: at most one CONFIRMED or WAITLISTED sign-up per (slot, volunteer); waitlist
    order is ``(created_at, pk)``; ``ledger_entry`` is set exactly when ``attendance`` is
    CONFIRMED (the hours went into the ledger).
    """

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    status = models.CharField("报名状态", max_length=12, choices=SignupStatus.choices)
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    promoted_at = models.DateTimeField("候补转录用时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    late_cancel = models.BooleanField("临时取消", default=False)
    attendance = models.CharField(
        "出勤", max_length=10, choices=AttendanceState.choices, default=AttendanceState.NONE
    )
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    check_in_method = models.CharField(max_length=10, choices=CheckMethod.choices, blank=True)
    check_out_method = models.CharField(max_length=10, choices=CheckMethod.choices, blank=True)
    computed_hours = models.DecimalField(
        "计算时长", max_digits=6, decimal_places=2, null=True, blank=True
    )
    ledger_entry = models.OneToOneField(
        "HoursEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    scope = Scope(
        capability=VOLUNTEERS_VIEW,
        region="slot__activity__region",
        unit="slot__activity__team__unit",
    )
    objects = SignupQuerySet.as_manager()

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "volunteer"],
                condition=Q(status__in=["confirmed", "waitlisted"]),
                name="vol_one_active_signup",
            )
        ]
        indexes = [
            # The few sign-ups whose hours are still open (待确认时长, services.deadlines).
            models.Index(
                fields=["slot"],
                condition=Q(status="confirmed", attendance__in=["in", "out"]),
                name="vol_signup_open",
            )
        ]

    def __str__(self) -> str:
        return f"报名 {self.volunteer_id} → {self.slot_id}"


class CheckinScan(models.Model):
    """A check-in token used by a volunteer. The unique (nonce, volunteer) refuses replay:
    the same QR token (or a screenshot of it) works once per volunteer.

    ``ip``/``user_agent`` of the phone that scanned: a check-in and a check-out from
    different addresses are flagged 异常 on the manager's roster (a forwarded link)."""

    nonce = models.CharField(max_length=32)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="+")
    signup = models.ForeignKey(Signup, on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField()
    ip = models.GenericIPAddressField("扫码地址", null=True, blank=True)
    user_agent = models.CharField("扫码设备", max_length=255, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["nonce", "volunteer"], name="vol_scan_once")]

    def __str__(self) -> str:
        return self.nonce
