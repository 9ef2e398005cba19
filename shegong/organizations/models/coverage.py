"""Coverage cells (the computed coverage per street and group) and dated snapshots."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet

from ..choices import (
    EntityKind,
    SizeBand,
)


class CoverageCellQuerySet(ScopedQuerySet):
    pass


class CoverageCell(models.Model):
    """Pre-aggregated coverage of the active entities of one street (街道/乡镇) by kind ×
    industry × size band. Rebuilt for the affected streets by every service that changes
    entities (``services.coverage.refresh_cells``, same transaction), and in full by the
    daily snapshot job, so the coverage page of a district reads a few thousand rows
    instead of grouping 50,000 entities. Invariant: equal to the live ``GROUP BY`` over
    ``Entity`` (tested). Street-level rows are only used for users whose jurisdiction
    contains whole streets; others get the live aggregation of their own rows.
    """

    street = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    street_path = models.CharField(max_length=255)
    kind = models.CharField(max_length=20, choices=EntityKind.choices)
    industry = models.CharField(max_length=1, blank=True)
    size_band = models.CharField(max_length=10, choices=SizeBand.choices)
    total = models.PositiveIntegerField(default=0)
    org_covered = models.PositiveIntegerField(default=0)
    work_covered = models.PositiveIntegerField(default=0)
    instructor_only = models.PositiveIntegerField(default=0)
    single = models.PositiveIntegerField(default=0)
    joint = models.PositiveIntegerField(default=0)
    attached = models.PositiveIntegerField(default=0)
    formal_members = models.PositiveIntegerField(default=0)
    probationary_members = models.PositiveIntegerField(default=0)

    scope = Scope(capability=Cap.ORGS_VIEW, region_path_column="street_path")
    objects = CoverageCellQuerySet.as_manager()

    class Meta:
        verbose_name = "覆盖率汇总"
        verbose_name_plural = "覆盖率汇总"
        indexes = [models.Index(fields=["street_path"], name="cell_street_path_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "kind", "industry", "size_band"], name="coverage_cell_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.street_id} {self.kind} {self.industry} {self.size_band}: {self.total}"


class CoverageSnapshot(models.Model):
    """Coverage figures of the whole city on one day (rows per street × entity kind)."""

    taken_on = models.DateField("日期", unique=True)
    taken_at = models.DateTimeField("生成时间")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField("来源", max_length=20, default="periodic")

    class Meta:
        verbose_name = "覆盖率快照"
        verbose_name_plural = "覆盖率快照"
        ordering = ["taken_on"]

    def __str__(self) -> str:
        return f"覆盖率快照 {self.taken_on}"


class CoverageSnapshotRow(models.Model):
    snapshot = models.ForeignKey(CoverageSnapshot, on_delete=models.CASCADE, related_name="rows")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, db_index=True)
    kind = models.CharField(max_length=20, choices=EntityKind.choices)
    total = models.PositiveIntegerField(default=0)
    org_covered = models.PositiveIntegerField(default=0)
    work_covered = models.PositiveIntegerField(default=0)
    formal_members = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "覆盖率快照明细"
        verbose_name_plural = "覆盖率快照明细"

    def __str__(self) -> str:
        return f"{self.region_id} {self.kind} {self.org_covered}/{self.total}"
