"""The 两新 entity registry: entities, their party-building instructors and platform
workforce."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.pii import BlindIndexField, EncryptedField
from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet

from ..choices import (
    CoverageMode,
    EntityKind,
    Industry,
    InstructorRole,
    SizeBand,
    WorkerGroup,
)
from .orgs import OrgAwareQuerySet, PartyOrganization


class EntityQuerySet(OrgAwareQuerySet):
    org_path_fields = ("organization__path",)

    def active(self) -> EntityQuerySet:
        return self.filter(is_active=True)


class Entity(models.Model):
    """One 两新 organization keyed by its 统一社会信用代码, with its coverage facts.

    Coverage columns live on the row (not a side table) so the coverage page is one
    ``GROUP BY`` over indexed columns. ``region_path`` and ``street`` are copies of the
    region's path and its 街道 ancestor, maintained by the services that set ``region``.
    """

    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=20, choices=EntityKind.choices)
    industry = models.CharField("行业门类", max_length=1, choices=Industry.choices, blank=True)
    employees = models.PositiveIntegerField("从业人员数", default=0)
    size_band = models.CharField("规模", max_length=10, choices=SizeBand.choices)
    address = models.CharField("地址", max_length=255, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=255, editable=False, db_index=True)
    street = models.ForeignKey(
        "regions.Region",
        verbose_name="所在街道/乡镇",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supervising_unit = models.CharField(
        "业务主管单位", max_length=150, blank=True, help_text="行业协会商会、社会组织填写"
    )
    is_active = models.BooleanField("存续", default=True)
    # Coverage (组织覆盖 / 工作覆盖) and members employed here.
    coverage_mode = models.CharField(
        "组织覆盖方式", max_length=10, choices=CoverageMode.choices, default=CoverageMode.NONE
    )
    organization = models.ForeignKey(
        PartyOrganization,
        verbose_name="覆盖党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="covered_entities",
    )
    has_instructor = models.BooleanField("已派党建指导员/联络员", default=False)
    formal_members = models.PositiveIntegerField("正式党员数", default=0)
    probationary_members = models.PositiveIntegerField("预备党员数", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.ORGS_VIEW, region_path_column="region_path")
    objects = EntityQuerySet.as_manager()

    class Meta:
        verbose_name = "两新组织"
        verbose_name_plural = "两新组织"
        ordering = ["credit_code"]
        indexes = [
            models.Index(fields=["street", "kind"], name="entity_street_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.region_path

    @property
    def org_covered(self) -> bool:
        return self.coverage_mode != CoverageMode.NONE

    @property
    def work_covered(self) -> bool:
        return self.org_covered or self.has_instructor


class InstructorQuerySet(OrgAwareQuerySet):
    org_path_fields = ("entity__organization__path",)


class Instructor(models.Model):
    """A 党建工作指导员 / 联络员 assigned to an entity (工作覆盖 where no organization exists)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="instructors")
    name = models.CharField("姓名", max_length=50)
    role = models.CharField(
        "身份", max_length=20, choices=InstructorRole.choices, default=InstructorRole.INSTRUCTOR
    )
    phone = EncryptedField("手机号码", kind="phone")
    phone_bidx = BlindIndexField(source="phone")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="平台账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    assigned_on = models.DateField("选派日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)

    scope = Scope(capability=Cap.ORGS_VIEW, region_path_column="entity__region_path")
    objects = InstructorQuerySet.as_manager()

    class Meta:
        verbose_name = "党建指导员"
        verbose_name_plural = "党建指导员"
        ordering = ["ended_on", "-assigned_on"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"

    @property
    def audit_region_path(self) -> str:
        return self.entity.region_path


class PlatformWorkforceQuerySet(ScopedQuerySet):
    pass


class PlatformWorkforce(models.Model):
    """Workers of a new-employment-group platform in one region (e.g. 外卖骑手 in a district)."""

    platform = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="workforce")
    region = models.ForeignKey(
        "regions.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    group = models.CharField("群体", max_length=20, choices=WorkerGroup.choices)
    workers = models.PositiveIntegerField("从业人数", default=0)
    formal_members = models.PositiveIntegerField("其中正式党员", default=0)
    probationary_members = models.PositiveIntegerField("其中预备党员", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.ORGS_VIEW, region="region")
    objects = PlatformWorkforceQuerySet.as_manager()

    class Meta:
        verbose_name = "新就业群体"
        verbose_name_plural = "新就业群体"
        ordering = ["platform", "region__code", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "region", "group"], name="workforce_once_per_region_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_group_display()} {self.workers}"
