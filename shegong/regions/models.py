"""The jurisdiction tree: city → district → street/town → community/village → grid."""

from __future__ import annotations

from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet
from shegong.core.tree import TreeNode, TreeQuerySet

from .choices import RegionLevel


class RegionQuerySet(ScopedQuerySet, TreeQuerySet):  # type: ignore[override]
    pass


class Region(TreeNode):
    """One administrative division. ``code`` is unique city-wide; the tree is the
    jurisdiction every scope is expressed in. Invariant: a child's level is exactly its
    parent's level + 1 (enforced in services)."""

    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField("层级", choices=RegionLevel.choices)
    code = models.CharField("区划代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100)
    full_name = models.CharField("全称", max_length=255, blank=True, editable=False)
    is_active = models.BooleanField("有效", default=True)
    population = models.PositiveIntegerField("常住人口", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.REGIONS_VIEW, region="")
    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "path"])]

    def __str__(self) -> str:
        return self.full_name or self.name

    def path_segment(self) -> str:
        return self.code

    @property
    def level_label(self) -> str:
        return RegionLevel(self.level).label


class RegionBoundary(models.Model):
    """The optional boundary of one region: a GeoJSON Polygon/MultiPolygon (``[lon, lat]``)
    an administrator loaded (``shegong regions load-boundaries``), used to place an Open311
    ``lat``/``long`` in the smallest region containing it.

    Kept apart from ``Region`` so that loading a region (every list joins it) never drags its
    polygon along. The bounding box is stored in columns so a point look-up reads only the
    few boundaries whose box holds the point; ``area`` (square degrees) breaks ties between
    nested regions of one level.
    """

    region = models.OneToOneField(
        Region, verbose_name="区划", on_delete=models.CASCADE, related_name="boundary"
    )
    geometry = models.JSONField("边界")
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    area = models.FloatField()
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=Cap.REGIONS_VIEW, region="region")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "区划边界"
        verbose_name_plural = "区划边界"
        indexes = [models.Index(fields=["min_lon", "max_lon"])]

    def __str__(self) -> str:
        return f"{self.region} 的边界"
