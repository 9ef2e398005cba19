"""``Member``: one person in one branch, from 入党申请人 to 正式党员.

Contract for the apps built on members (transfers, dues, orglife, study, compliance):

* ``organization`` is the branch (党支部 / 联合党支部 / 临时党支部, or a 党总支/党委 that
  keeps members directly) whose roll the person is on. It is never null: a member who moved
  out of the city keeps the last branch with ``standing = transferred_out`` so the branch's
  archive shows them. **Only ``transfers`` services change it**, inside a transaction that
  locks the row (``select_for_update``); nothing else writes ``organization``.
* ``stage`` is the result of replaying the person's development events through
  ``partyrules.development``; only the members' development services write it.
  Members in the party are ``stage in MEMBER_STAGES`` (预备党员, 正式党员).
* ``standing`` says whether the record is on the roll (``ON_ROLL``); counts, dues, meeting
  attendance expectations and compliance look only at members on the roll.
* ``standing == transferring`` while a 组织关系转接 is open (set and cleared by
  ``transfers``); the member stays on the old branch's roll until the receiving end accepts.
* ``joined_branch_on`` is the first day the person belongs to the current branch (the day
  of admission or of a transfer in); the 6-month checks start from it (partyrules D7).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from shegong.core.pii import BlindIndexField, EncryptedField, plain
from shegong.core.roles import Cap
from shegong.core.scoping import Scope
from shegong.lib.masking import mask_name
from shegong.lib.partyrules.months import age_on
from shegong.organizations.models.orgs import OrgAwareQuerySet

from ..choices import (
    MEMBER_STAGES,
    ON_ROLL,
    Discipline,
    Education,
    Gender,
    Stage,
    Standing,
    WorkerGroup,
)


class MemberQuerySet(OrgAwareQuerySet):
    org_path_fields = ("organization__path",)

    def on_roll(self) -> MemberQuerySet:
        return self.filter(standing__in=ON_ROLL)

    def party_members(self) -> MemberQuerySet:
        """预备党员 and 正式党员 on the roll."""
        return self.on_roll().filter(stage__in=MEMBER_STAGES)


class Member(models.Model):
    organization = models.ForeignKey(
        "organizations.PartyOrganization",
        verbose_name="所在党组织",
        on_delete=models.PROTECT,
        related_name="member_records",
    )
    name = EncryptedField("姓名", kind="name")
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_number = EncryptedField("身份证号", kind="id_number")
    id_number_bidx = BlindIndexField(source="id_number", unique=True)
    phone = EncryptedField("手机号码", kind="phone", blank=True)
    phone_bidx = BlindIndexField(source="phone")
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    education = models.CharField(
        "学历", max_length=10, choices=Education.choices, blank=True, default=Education.NONE
    )
    stage = models.CharField("发展阶段", max_length=20, choices=Stage.choices)
    standing = models.CharField(
        "在册状态", max_length=20, choices=Standing.choices, default=Standing.ACTIVE
    )
    discipline = models.CharField(
        "党纪处分", max_length=20, choices=Discipline.choices, blank=True, default=""
    )
    applied_on = models.DateField("递交入党申请日期", null=True, blank=True)
    admitted_on = models.DateField(
        "入党日期", null=True, blank=True, help_text="支部大会讨论接收为预备党员的日期"
    )
    confirmed_on = models.DateField(
        "转正日期", null=True, blank=True, help_text="党龄自转正之日起计算"
    )
    joined_branch_on = models.DateField("转入本支部日期")
    is_floating = models.BooleanField("流动党员", default=False)
    floating_destination = models.CharField("流入地/外出去向", max_length=150, blank=True)
    floating_since = models.DateField(
        "外出日期", null=True, blank=True, help_text="外出满6个月的，应提示转接组织关系"
    )
    employer = models.ForeignKey(
        "organizations.Entity",
        verbose_name="工作单位（两新组织）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_members",
    )
    employer_name = models.CharField("工作单位", max_length=200, blank=True)
    worker_group = models.CharField(
        "新就业群体", max_length=20, choices=WorkerGroup.choices, blank=True, default=""
    )
    platform = models.ForeignKey(
        "organizations.Entity",
        verbose_name="所属平台",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="platform_party_members",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="平台账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_member",
    )
    left_on = models.DateField("离册日期", null=True, blank=True)
    roster_stage = models.CharField(
        "建档时阶段",
        max_length=20,
        blank=True,
        default="",
        help_text="按党员名册登记（未经本平台记录发展过程）的预备党员或正式党员；"
        "其发展过程以入党、转正日期为准",
    )
    next_due_on = models.DateField(
        "最近办理期限",
        null=True,
        blank=True,
        editable=False,
        help_text="发展党员下一步骤的最近期限（由发展党员服务按已记录步骤维护，不随日期变化）",
    )
    next_due_code = models.CharField(
        "最近期限事项", max_length=20, blank=True, default="", db_default="", editable=False
    )
    note = models.CharField("备注", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.MEMBERS_VIEW, region="organization__region")
    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["organization_id", "pk"]
        indexes = [
            models.Index(fields=["organization", "standing", "stage"], name="member_org_idx"),
            models.Index(
                fields=["employer"], name="member_employer_idx", condition=Q(employer__isnull=False)
            ),
            models.Index(
                fields=["platform"], name="member_platform_idx", condition=Q(platform__isnull=False)
            ),
            # the 发展党员 page: nearest deadline first (nulls last), then pk
            models.Index(fields=["next_due_on", "id"], name="member_next_due_idx"),
        ]

    def __str__(self) -> str:
        # Masked whatever ``name`` holds (an unsaved record holds the plain string): this is
        # what the audit log stores as the target's label, and personal data is never logged.
        return f"{mask_name(plain(self.name))}（{self.get_stage_display()}）"

    @property
    def audit_region_path(self) -> str:
        return str(self.organization.region.path)

    @property
    def is_party_member(self) -> bool:
        return self.stage in MEMBER_STAGES

    @property
    def on_roll(self) -> bool:
        return self.standing in ON_ROLL

    def party_standing_years(self, today: date) -> int | None:
        """党龄 in whole years from 转正 (None before 转正)."""
        start = self.confirmed_on
        if start is None or self.stage != Stage.FULL:
            return None
        return max(age_on(start, today), 0)
