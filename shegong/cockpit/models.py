"""Region boundaries for the cockpit's map (issue 17 part 2, docs/cockpit.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Boundaries(models.Model):
    """The administrator's uploaded GeoJSON (one FeatureCollection, each feature's
    ``properties.code`` a region code of the tree), stored in the database — the platform
    runs on an intranet: no online tiles, no outside map service. The newest row is used."""

    geojson = models.TextField("边界数据（GeoJSON）")
    features = models.PositiveIntegerField("区划数")
    codes = models.JSONField("区划代码", default=list)
    uploaded_at = models.DateTimeField("上传时间")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )

    class Meta:
        verbose_name = "区划边界"
        verbose_name_plural = "区划边界"
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"区划边界 {self.features} 个（{self.uploaded_at:%Y-%m-%d}）"
