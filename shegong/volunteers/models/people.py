"""Volunteers, their skills, teams and team membership."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from shegong.core.pii import BlindIndexField, EncryptedField
from shegong.core.scoping import Scope, ScopedQuerySet

from ..choices import (
    Gender,
    GuardianConsent,
    MemberRole,
    RegistrationSource,
    TeamKind,
    VolunteerStatus,
)
from .common import GENESIS, VOLUNTEERS_VIEW


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
