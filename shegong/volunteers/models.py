"""志愿服务: volunteers, teams, activities with time slots, sign-ups with a waitlist,
check-in/out, an append-only hash-chained hours ledger, star levels and certificates.

Every row here is written only by ``volunteers.services`` (audited, scoped). The ledger
(:class:`HoursEntry`) is append-only: saving an existing entry, deleting one, or
``QuerySet.update/delete`` on entries raises. Each volunteer's entries form their own SM3
hash chain (``seq`` gap-free from 1, ``prev_hash`` → ``hash``); the head of the chain, the
running total and the star level live on the :class:`Volunteer` row and are advanced under
``select_for_update`` of that row, so a total or a star level is one primary-key read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from shegong.core.pii import BlindIndexField, EncryptedField
from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet

from .choices import (
    ActivityStatus,
    AttendanceState,
    AwardLevel,
    CertificateStatus,
    CheckMethod,
    EntryKind,
    EvaluationRating,
    Gender,
    GuardianConsent,
    MemberRole,
    RecordStatus,
    RegistrationSource,
    SignupStatus,
    TeamKind,
    VolunteerStatus,
)

VOLUNTEERS_VIEW = Cap.VOLUNTEERS_VIEW
GENESIS = "0" * 64

# Defaults with their sources (domain-rules §7); the admin edits VolunteerPolicy.
DEFAULT_STAR_THRESHOLDS = [100, 300, 600, 1000, 1500]  # 民政部 2012 志愿服务记录办法; 团中央 办法


def default_star_thresholds() -> list[int]:
    return list(DEFAULT_STAR_THRESHOLDS)


class VolunteerPolicy(models.Model):
    """The city's volunteer-service policy (one row, pk=1), edited by ``volunteers.policy``.

    Each default cites its source; where the regulations are silent the default is a
    documented design decision (docs/volunteers.md).
    """

    star_thresholds = models.JSONField(
        "星级门槛（小时，一星至五星）",
        default=default_star_thresholds,
        help_text="民政部2012年《志愿服务记录办法》/团中央办法：100、300、600、1000、1500小时",
    )
    min_age = models.PositiveSmallIntegerField(
        "最低注册年龄", default=14, help_text="团中央《中国注册志愿者管理办法》第四条：14周岁"
    )
    adult_age = models.PositiveSmallIntegerField(
        "成年年龄", default=18, help_text="民法典第十七条：18周岁以上为成年人"
    )
    rounding_minutes = models.PositiveSmallIntegerField(
        "时长取整（分钟，向下）",
        default=15,
        help_text="记录办法第七条第二款：服务时间以小时为单位，由组织科学合理确定",
    )
    max_hours_per_day = models.DecimalField(
        "每人每日时长上限（小时）", max_digits=5, decimal_places=2, default=Decimal("12")
    )
    early_checkin_minutes = models.PositiveSmallIntegerField("最早提前签到（分钟）", default=30)
    late_checkout_minutes = models.PositiveSmallIntegerField(
        "时段结束后可签退（分钟）", default=120
    )
    # Short, so a forwarded link is stale before it can be used far away (review: 30 s).
    token_ttl_seconds = models.PositiveIntegerField("签到二维码有效期（秒）", default=30)
    cancel_hours_before = models.PositiveSmallIntegerField(
        "开始前多少小时内不能自行取消", default=24
    )
    record_deadline_working_days = models.PositiveSmallIntegerField(
        "活动结束后记录时限（工作日）",
        default=10,
        help_text="志愿服务记录与证明出具办法第十一条：10个工作日",
    )
    issuer_name = models.CharField("证明出具单位（平台）", max_length=100, default="市志愿服务平台")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "志愿服务规则"
        verbose_name_plural = "志愿服务规则"

    def __str__(self) -> str:
        return "志愿服务规则"


class Skill(models.Model):
    """A skill volunteers offer and activities require (专业技能, 记录办法 第五条)."""

    name = models.CharField("技能", max_length=50, unique=True)

    class Meta:
        verbose_name = "技能"
        verbose_name_plural = "技能"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VolunteerQuerySet(ScopedQuerySet):
    pass


class Volunteer(models.Model):
    """A registered volunteer (志愿者). ``number`` is the public 志愿者统一编号 (MZ/T 061-2015:
    never the ID number).

    Invariants: ``id_number_bidx`` and ``phone_bidx`` are unique; ``total_hours`` equals the
    sum of the volunteer's ledger entries, ``ledger_seq``/``ledger_head`` are the last
    entry's ``seq``/``hash`` and ``star_level`` follows from ``total_hours`` and the policy
    (all maintained by ``services.ledger.append_entries`` under a row lock). A minor
    (``birth_date`` → age < adult age) has ``guardian_consent_at`` set.
    """

    number = models.CharField("志愿者编号", max_length=20, unique=True)
    name = EncryptedField("姓名", kind="name")
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    id_number = EncryptedField("身份证号", kind="id_number")
    id_number_bidx = BlindIndexField(source="id_number", unique=True)
    phone = EncryptedField("手机号码", kind="phone")
    phone_bidx = BlindIndexField(source="phone", unique=True)
    phone_verified_at = models.DateTimeField("手机验证时间", null=True, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name="居住区域", on_delete=models.PROTECT, related_name="+"
    )
    service_regions = models.ManyToManyField(
        "regions.Region", verbose_name="服务区域", blank=True, related_name="+"
    )
    skills = models.ManyToManyField(Skill, verbose_name="专业技能", blank=True)
    service_categories = models.JSONField("服务类别", default=list, blank=True)
    availability = models.JSONField("可服务时间", default=list, blank=True)
    guardian_name = EncryptedField("监护人姓名", kind="name", blank=True)
    guardian_phone = EncryptedField("监护人电话", kind="phone", blank=True)
    guardian_relation = models.CharField("与监护人关系", max_length=20, blank=True)
    guardian_consent_at = models.DateTimeField("监护人同意时间", null=True, blank=True)
    guardian_consent_method = models.CharField(
        "监护人同意方式", max_length=10, choices=GuardianConsent.choices, blank=True
    )
    consent_at = models.DateTimeField("本人同意登记时间")
    publicity_consent = models.BooleanField(
        "同意在光荣榜公开（脱敏姓名）",
        default=False,
        help_text="志愿服务条例第二十条：未经本人同意不得公开志愿者信息",
    )
    source = models.CharField("登记方式", max_length=10, choices=RegistrationSource.choices)
    status = models.CharField(
        "状态", max_length=10, choices=VolunteerStatus.choices, default=VolunteerStatus.ACTIVE
    )
    party_member = models.BooleanField("党员（双报到）", default=False)
    report_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="双报到单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    late_cancellations = models.PositiveIntegerField("临时取消次数", default=0)
    no_shows = models.PositiveIntegerField("缺席次数", default=0)
    total_hours = models.DecimalField(
        "累计服务时长", max_digits=10, decimal_places=2, default=Decimal("0")
    )
    star_level = models.PositiveSmallIntegerField("星级", default=0)
    ledger_seq = models.PositiveIntegerField(default=0)
    ledger_head = models.CharField(max_length=64, default=GENESIS)
    registered_at = models.DateTimeField("注册时间", auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # A team's unit sees its members while they are members (an ended membership does not
    # keep the volunteer's personal data in view).
    scope = Scope(
        capability=VOLUNTEERS_VIEW,
        region="region",
        unit=("memberships__team__unit",),
        path_filters={"memberships__team__unit": {"memberships__left_at": None}},
    )
    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"
        ordering = ["-pk"]
        indexes = [models.Index(fields=["-total_hours"], name="vol_total_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def star_label(self) -> str:
        return f"{'一二三四五六七八九十'[self.star_level - 1]}星" if self.star_level else "—"


class TeamQuerySet(ScopedQuerySet):
    pass


class Team(models.Model):
    """A 志愿服务队 or 志愿服务组织 linked to a region and (optionally) a community/unit.

    Invariant: an organization's ``credit_code`` is a valid 统一社会信用代码 (validated by
    the service); managers are staff users shown as the team's contacts.
    """

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=TeamKind.choices, default=TeamKind.TEAM)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区域", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name="挂靠社区/单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    description = models.TextField("简介", blank=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="管理员", blank=True, related_name="+"
    )
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=VOLUNTEERS_VIEW, region="region", unit="unit")
    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = "志愿服务队伍"
        verbose_name_plural = "志愿服务队伍"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A volunteer's membership of a team. Invariant: at most one open membership
    (``left_at`` null) per volunteer and team."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(
        "身份", max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    joined_at = models.DateTimeField("加入时间", auto_now_add=True)
    left_at = models.DateTimeField("退出时间", null=True, blank=True)

    class Meta:
        verbose_name = "队员"
        verbose_name_plural = "队员"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"], condition=Q(left_at=None), name="vol_one_open_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_id}:{self.volunteer_id}"


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


class AppendOnlyQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("hours entries are append-only: add a reversing entry instead")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("hours entries are append-only: add a reversing entry instead")


class HoursEntry(models.Model):
    """One entry of a volunteer's hours ledger (append-only, hash-chained per volunteer).

    ``hours`` is negative only for a REVERSAL, which names the entry it reverses
    (``reverses``); an entry is reversed at most once. ``hash = SM3(canonical JSON incl.
    prev_hash)`` — see ``services.ledger.entry_hash``. ``source_ref`` lets later apps (the
    双报到 party-member register) link their own record ("party.member:123").
    """

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveIntegerField()
    kind = models.CharField("类型", max_length=12, choices=EntryKind.choices)
    hours = models.DecimalField("时长（小时）", max_digits=7, decimal_places=2)
    service_date = models.DateField("服务日期")
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="服务地点", on_delete=models.PROTECT, related_name="+"
    )
    report_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("活动名称", max_length=120)
    content = models.CharField("服务内容", max_length=255, blank=True)
    organizer = models.CharField("活动组织单位", max_length=100)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmer_repr = models.CharField("确认人", max_length=150)
    recorded_at = models.DateTimeField("记录时间")
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    reason = models.CharField("冲正原因", max_length=255, blank=True)
    source_ref = models.CharField(max_length=64, blank=True, db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    scope = Scope(capability=VOLUNTEERS_VIEW, region="region", unit="team__unit")
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "服务时长记录"
        verbose_name_plural = "服务时长记录"
        ordering = ["volunteer_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "seq"], name="vol_entry_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.hours}h"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("hours entries are append-only: add a reversing entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("hours entries are append-only: add a reversing entry instead")


class CertificateQuerySet(ScopedQuerySet):
    pass


class Certificate(models.Model):
    """A 志愿服务记录证明 (记录办法 第十四、十五、十七条): the hours and service records of a
    volunteer up to ledger entry ``ledger_seq`` whose hash was ``ledger_hash``.

    ``signature`` is an HMAC over the printed contents (so an edit of this row is detected);
    the verification page also re-walks the volunteer's chain up to ``ledger_seq`` (so an
    edit of the ledger is detected). Revocation keeps the row.
    """

    number = models.CharField("证明编号", max_length=32, unique=True)
    verify_code = models.CharField(max_length=40, unique=True)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    issuer_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issuer_name = models.CharField("记录单位", max_length=100)
    name_masked = models.CharField(max_length=50)
    id_masked = models.CharField(max_length=30)
    hours = models.DecimalField("服务时长", max_digits=10, decimal_places=2)
    entry_count = models.PositiveIntegerField()
    ledger_seq = models.PositiveIntegerField()
    ledger_hash = models.CharField(max_length=64)
    first_date = models.DateField(null=True, blank=True)
    last_date = models.DateField(null=True, blank=True)
    issued_at = models.DateTimeField("出具时间")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=255, blank=True)
    # 记录办法 第十四条: other recorded information may be added. When chosen, the training
    # and award records printed on the certificate are kept here (as printed, with each
    # record's id and revision) and covered by the signature.
    include_records = models.BooleanField("包含培训与表彰记录", default=False)
    records = models.JSONField("证明所列培训与表彰记录", default=list, blank=True)
    signature = models.CharField(max_length=64)

    scope = Scope(capability=VOLUNTEERS_VIEW, region="volunteer__region", unit="issuer_team__unit")
    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = "志愿服务记录证明"
        verbose_name_plural = "志愿服务记录证明"
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    @property
    def records_display(self) -> list[dict[str, Any]]:
        """``records`` for pages and the PDF: the signed records keep the award level's
        stored value (``county``); people read its label (县（区）级)."""
        labels = dict(AwardLevel.choices)
        return [
            {**item, "level": labels.get(item["level"], item["level"])} if "level" in item else item
            for item in self.records
        ]


# --- training, award and evaluation records (记录办法 第八至十条) ---------------------------


class RecordQuerySet(ScopedQuerySet):
    def valid(self) -> RecordQuerySet:
        return self.filter(status=RecordStatus.VALID)


# Who may read — and, through the services, correct or void — a record: staff whose region
# holds the volunteer's residence region, and staff of the unit that recorded it
# (``recorder_unit``: the recording team's unit, or the recording person's unit) or of a
# unit above it. Team membership is deliberately not a path: a volunteer's current or past
# team gives its unit no hold over records another unit made.
RECORD_SCOPE = Scope(
    capability=VOLUNTEERS_VIEW,
    region="volunteer__region",
    unit=("recorder_unit", "team__unit"),
)


class VolunteerRecord(models.Model):
    """Common part of the training, award and evaluation records.

    Invariants: written only by ``services.records`` (audited). A correction (第十三条)
    edits the row in place, increments ``revision`` and records the old/new values in the
    audit trail; voiding sets ``status=voided`` with a reason and keeps the row — records
    are never deleted. ``recorded_at`` (entry) and the event date are both kept, so an
    evaluation made later than 10 working days after the service is visible (第十一条,
    which covers service and evaluation records). ``recorder_unit`` scopes the record
    (``RECORD_SCOPE``).
    """

    team = models.ForeignKey(
        Team,
        verbose_name="记录队伍",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorder_name = models.CharField("记录单位", max_length=100)
    # The unit that made the record (the team's unit, else the recording person's unit;
    # imports too): it scopes who may read and change the record (``RECORD_SCOPE``).
    recorder_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="记录机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=10, choices=RecordStatus.choices, default=RecordStatus.VALID
    )
    revision = models.PositiveIntegerField("版本", default=1)
    recorded_at = models.DateTimeField("记录时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField("作废原因", max_length=255, blank=True)

    scope = RECORD_SCOPE
    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_valid(self) -> bool:
        return self.status == RecordStatus.VALID

    @property
    def audit_region_path(self) -> str:
        """Audit events about the record are filed under the volunteer's region."""
        return str(self.volunteer.region.path)  # type: ignore[attr-defined]


class TrainingRecord(VolunteerRecord):
    """培训记录 (记录办法 第八条): 名称、主要内容、学习时长、举办单位、日期."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="trainings")
    title = models.CharField("培训名称", max_length=120)
    content = models.CharField("主要内容", max_length=255)
    hours = models.DecimalField("学习时长（小时）", max_digits=6, decimal_places=2)
    organizer = models.CharField("举办单位", max_length=100)
    held_on = models.DateField("培训日期")

    class Meta:
        verbose_name = "培训记录"
        verbose_name_plural = "培训记录"
        ordering = ["-held_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="vol_training_hours")]

    def __str__(self) -> str:
        return f"{self.title} {self.held_on}"

    @property
    def event_date(self) -> Any:
        return self.held_on


class AwardRecord(VolunteerRecord):
    """表彰奖励记录 (记录办法 第九条): 名称、日期、授予单位. A government award at county
    level or higher (``government`` and ``level`` in ``PROOF_LEVELS``) is recorded only with
    the proof the volunteer provided (``proof_note``: document number / attachment note)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="awards")
    title = models.CharField("表彰奖励名称", max_length=120)
    awarded_on = models.DateField("表彰日期")
    grantor = models.CharField("授予单位", max_length=100)
    level = models.CharField(
        "授予级别", max_length=12, choices=AwardLevel.choices, default=AwardLevel.OTHER
    )
    government = models.BooleanField("人民政府或其部门授予", default=False)
    proof_note = models.CharField("证明材料", max_length=255, blank=True)

    class Meta:
        verbose_name = "表彰奖励记录"
        verbose_name_plural = "表彰奖励记录"
        ordering = ["-awarded_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} {self.awarded_on}"

    @property
    def event_date(self) -> Any:
        return self.awarded_on


class EvaluationRecord(VolunteerRecord):
    """服务评价 (记录办法 第十条): the organising team's 服务质量评价 and 评价日期 of one
    service — a confirmed sign-up (``signup``; at most one valid evaluation each) or a
    service named by ``title``/``service_date``."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="evaluations")
    signup = models.ForeignKey(
        Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations"
    )
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("服务项目", max_length=120)
    service_date = models.DateField("服务日期")
    rating = models.CharField("服务质量评价", max_length=10, choices=EvaluationRating.choices)
    comment = models.CharField("评语", max_length=255, blank=True)
    evaluated_on = models.DateField("评价日期")

    class Meta:
        verbose_name = "服务评价"
        verbose_name_plural = "服务评价"
        ordering = ["-evaluated_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["signup"],
                condition=Q(status="valid", signup__isnull=False),
                name="vol_one_eval_per_signup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.get_rating_display()}"

    @property
    def event_date(self) -> Any:
        return self.service_date


class LedgerVerification(models.Model):
    """Outcome of ``shegong verify-volunteer-ledger`` (kept for the audit page)."""

    ran_at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    volunteers_checked = models.PositiveIntegerField()
    entries_checked = models.PositiveIntegerField()
    problems = models.JSONField(default=list)

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'broken'}"
