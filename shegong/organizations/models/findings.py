"""Findings of the coverage rules (a finding's lifecycle: open, assigned, closed)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope

from ..choices import (
    OPEN_FINDING_STATUSES,
    FindingStatus,
    Rule,
)
from .entities import Entity
from .orgs import OrgAwareQuerySet, PartyOrganization


class FindingQuerySet(OrgAwareQuerySet):
    org_path_fields = ("organization__path", "entity__organization__path")

    def open(self) -> FindingQuerySet:
        return self.filter(status__in=OPEN_FINDING_STATUSES)


class Finding(models.Model):
    """A gap the rules engine found, and the task to close it.

    Idempotent by ``(rule, subject_key)``: at most one open finding per rule and subject
    (partial unique constraint). Re-running the engine updates the evidence of open
    findings, opens new ones and auto-resolves those whose condition no longer holds.
    """

    rule = models.CharField("规则", max_length=30, choices=Rule.choices)
    subject_key = models.CharField("对象键", max_length=60)
    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.CASCADE, related_name="findings"
    )
    organization = models.ForeignKey(
        PartyOrganization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="findings",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=255, editable=False, db_index=True)
    street = models.ForeignKey(
        "regions.Region",
        verbose_name="街道/乡镇",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_name = models.CharField("对象", max_length=200)
    evidence = models.CharField("依据事实", max_length=500)
    legal_basis = models.CharField("依据", max_length=200)
    responsible_level = models.CharField("责任主体", max_length=200)
    status = models.CharField(
        "状态", max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField("完成时限", null=True, blank=True)
    opened_at = models.DateTimeField("发现时间")
    last_seen_at = models.DateTimeField("最近核查")
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    close_note = models.CharField("办结说明", max_length=500, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    scope = Scope(capability=Cap.ORGS_VIEW, region_path_column="region_path")
    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = "覆盖问题"
        verbose_name_plural = "覆盖问题"
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=models.Q(status__in=["open", "assigned"]),
                name="finding_open_once",
            )
        ]
        indexes = [models.Index(fields=["status", "street"], name="finding_status_street_idx")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}：{self.subject_name}"

    @property
    def audit_region_path(self) -> str:
        return self.region_path

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_FINDING_STATUSES
