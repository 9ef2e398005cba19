"""The report archive: one row per generated report (docs/reports.md).

Invariant: a ``READY`` report has its three files (DOCX, PDF, XLSX) under
``SHEGONG_DATA_DIR/reports/<pk>/`` (folder 0700, files 0600, never rewritten); a new
generation of the same kind, period and region is a new row (history is kept).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q

from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet, ScopedUser, active_user
from shegong.regions.choices import RegionLevel

from .choices import ReportKind, ReportStatus, Trigger


def district_path_of(region_path: str) -> str | None:
    """The path of the district containing ``region_path`` (city/district/… path segments),
    None for the city itself."""
    parts = [p for p in region_path.strip("/").split("/") if p]
    if len(parts) < 2:
        return None
    return f"/{parts[0]}/{parts[1]}/"


class ReportQuerySet(ScopedQuerySet):
    def visible_to(self, user: ScopedUser | AnonymousUser | None) -> ReportQuerySet:
        """The scope (a report whose region lies in the user's jurisdiction), plus the
        通报 rule: a district's report is also seen by the users of its streets and
        communities (docs/reports.md, "Who sees a report"). The city report stays with
        city-level users."""
        rows = super().visible_to(user)
        person = active_user(user)
        if person is None or not person.has_capability(Cap.REPORTS_VIEW):
            return rows
        district = district_path_of(person.scope_region_path or "")
        if district is None:
            return rows
        return rows | self.filter(Q(region__path=district, region__level=RegionLevel.DISTRICT))


class Report(models.Model):
    """One generated report of one kind, period and region (a district or the city)."""

    kind = models.CharField("报告类型", max_length=30, choices=ReportKind.choices)
    period = models.CharField("报告期", max_length=10)  # "2026-11" or "2026-Q3"
    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期")  # inclusive
    region = models.ForeignKey(
        "regions.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    trigger = models.CharField("生成方式", max_length=10, choices=Trigger.choices)
    requested_at = models.DateTimeField("申请时间")
    generated_at = models.DateTimeField("生成时间", null=True, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    files = models.JSONField("文件", default=dict)  # format → {"name", "size", "sha256"}
    error = models.TextField("错误信息", blank=True)

    scope = Scope(capability=Cap.REPORTS_VIEW, region="region")
    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "统计报告"
        verbose_name_plural = "统计报告"
        ordering = ["-period_start", "kind", "region__code", "-requested_at"]
        indexes = [models.Index(fields=["kind", "period", "region"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period}"
