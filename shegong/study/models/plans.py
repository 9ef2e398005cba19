"""Study plans (学习计划) and sessions (集体学习: 专题学习, 研讨交流, 党课), and the study policy.

A plan or session with an ``organization`` belongs to that branch; one without belongs to the
department's own cadres (机关干部) and is seen by city-wide staff only (the region scope of a
row without an organization matches nobody below the city).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope
from shegong.lib.partyrules.study import DEFAULT_STUDY_POLICY, StudyPolicy
from shegong.organizations.models.orgs import OrgAwareQuerySet

from ..choices import StudyKind


class StudyPlanQuerySet(OrgAwareQuerySet):
    org_path_fields = ("organization__path",)


class StudyPlan(models.Model):
    organization = models.ForeignKey(
        "organizations.PartyOrganization",
        verbose_name="党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="study_plans",
        help_text="留空为部机关干部学习计划",
    )
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("计划名称", max_length=200)
    content = models.TextField("学习内容与安排", blank=True)
    planned_hours = models.DecimalField(
        "计划学时", max_digits=5, decimal_places=1, default=Decimal("0")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.STUDY_VIEW, region="organization__region")
    objects = StudyPlanQuerySet.as_manager()

    class Meta:
        verbose_name = "学习计划"
        verbose_name_plural = "学习计划"
        ordering = ["-year", "organization_id", "pk"]
        indexes = [models.Index(fields=["organization", "year"], name="study_plan_org_year")]

    def __str__(self) -> str:
        return f"{self.year}年 {self.title}"

    @property
    def audit_region_path(self) -> str:
        return str(self.organization.region.path) if self.organization else ""


class StudySessionQuerySet(OrgAwareQuerySet):
    org_path_fields = ("organization__path",)


class StudySession(models.Model):
    """One collective study (专题学习, 研讨交流, 党课). Recording its attendance writes one
    ``StudyRecord`` per person present with the session's hours (``record_attendance``)."""

    organization = models.ForeignKey(
        "organizations.PartyOrganization",
        verbose_name="党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="study_sessions",
        help_text="留空为部机关干部学习",
    )
    plan = models.ForeignKey(
        StudyPlan,
        verbose_name="所属计划",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    kind = models.CharField("形式", max_length=20, choices=StudyKind.choices)
    topic = models.CharField("主题", max_length=200)
    held_on = models.DateField("日期")
    hours = models.DecimalField("学时", max_digits=4, decimal_places=1)
    speaker = models.CharField("主讲人", max_length=50, blank=True)
    materials = models.TextField("学习材料", blank=True)
    attendance_recorded_at = models.DateTimeField("登记出席时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.STUDY_VIEW, region="organization__region")
    objects = StudySessionQuerySet.as_manager()

    class Meta:
        verbose_name = "集体学习"
        verbose_name_plural = "集体学习"
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["organization", "held_on"], name="study_session_org")]
        constraints = [
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="study_session_hours")
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_kind_display()}：{self.topic}"

    @property
    def audit_region_path(self) -> str:
        return str(self.organization.region.path) if self.organization else ""


class StudySettings(models.Model):
    """The yearly requirement (one row, pk=1); defaults are ``partyrules.study``'s."""

    member_hours = models.DecimalField(
        "党员每年学时", max_digits=5, decimal_places=1, default=DEFAULT_STUDY_POLICY.member_hours
    )
    leader_hours = models.DecimalField(
        "书记、班子成员每年学时",
        max_digits=5,
        decimal_places=1,
        default=DEFAULT_STUDY_POLICY.leader_hours,
    )
    cadre_hours = models.DecimalField(
        "部机关干部每年学时",
        max_digits=5,
        decimal_places=1,
        default=DEFAULT_STUDY_POLICY.member_hours,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "学时要求"
        verbose_name_plural = "学时要求"

    def __str__(self) -> str:
        return f"党员 {self.member_hours} / 书记 {self.leader_hours} 学时"

    def policy(self) -> StudyPolicy:
        return StudyPolicy(member_hours=self.member_hours, leader_hours=self.leader_hours)
