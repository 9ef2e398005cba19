"""``ComplianceFinding``: one rule broken by one branch (or member) in one period."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope
from shegong.organizations.models.orgs import OrgAwareQuerySet

from ..choices import OPEN_STATUSES, FindingStatus, Rule


class ComplianceFindingQuerySet(OrgAwareQuerySet):
    org_path_fields = ("organization__path",)

    def open(self) -> ComplianceFindingQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class ComplianceFinding(models.Model):
    """Idempotent by ``(rule, subject_key)``; the key holds the period (and for a lapse risk
    the first month of the run), so a finding the secretary marked 已处理 is not reopened for
    the same period, and the next period opens its own. Open findings whose condition no
    longer holds are closed as ``auto_resolved`` by the next run; open findings older than
    the policy's ``escalate_after_days`` are escalated to the organization above."""

    rule = models.CharField("规则", max_length=30, choices=Rule.choices)
    subject_key = models.CharField("对象键", max_length=80)
    period = models.CharField("周期", max_length=20)
    quarter = models.PositiveIntegerField("检查季度", null=True, blank=True)
    organization = models.ForeignKey(
        "organizations.PartyOrganization",
        verbose_name="党组织",
        on_delete=models.CASCADE,
        related_name="+",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name="党员",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    meeting = models.ForeignKey(
        "orglife.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region_path = models.CharField(max_length=255, db_index=True)
    evidence = models.CharField("依据事实", max_length=500)
    basis = models.CharField("依据", max_length=200)
    status = models.CharField(
        "状态", max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    opened_at = models.DateTimeField("发现时间")
    last_seen_at = models.DateTimeField("最近核查")
    escalated_to = models.ForeignKey(
        "organizations.PartyOrganization",
        verbose_name="上报至",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalated_at = models.DateTimeField("上报时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    close_note = models.CharField("处理说明", max_length=500, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    scope = Scope(capability=Cap.COMPLIANCE_VIEW, region_path_column="region_path")
    objects = ComplianceFindingQuerySet.as_manager()

    class Meta:
        verbose_name = "合规问题"
        verbose_name_plural = "合规问题"
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=models.Q(status__in=["open", "escalated", "handled"]),
                name="compliance_finding_once",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status"], name="cf_org_status_idx"),
            # the findings list, newest first (hundreds of thousands at metro size)
            models.Index(fields=["opened_at", "id"], name="cf_opened_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}：{self.evidence[:40]}"

    @property
    def audit_region_path(self) -> str:
        return self.region_path

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
