"""Smart-triage state: admin routing rules, one stored triage per appeal, hotspots.

Invariants: a ``TriageResult`` is derived data (recomputable at any time by
``services.triage_appeal``) except its ``accepted_*`` fields, which record the dispatcher's
decision; ``Hotspot`` rows are replaced as a whole by each computation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet, ScopedUser
from shegong.core.tree import subtree_q


class RoutingRule(models.Model):
    """Category (+ optional level 2) in a region subtree → unit. Higher priority wins."""

    category_l1 = models.CharField("一级类别", max_length=50)
    category_l2 = models.CharField("二级类别", max_length=50, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="适用区划（含下级）",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    unit = models.ForeignKey(
        "units.Unit", verbose_name="承办单位", on_delete=models.CASCADE, related_name="+"
    )
    priority = models.IntegerField("优先级", default=0)
    is_active = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "分拨规则"
        verbose_name_plural = "分拨规则"
        ordering = ["-priority", "pk"]

    def __str__(self) -> str:
        return f"{self.category_l1}/{self.category_l2 or '*'} → {self.unit}"


class TriageResult(models.Model):
    """What triage suggested for one appeal, and which suggestion the dispatcher took."""

    appeal = models.OneToOneField("appeals.Appeal", on_delete=models.CASCADE, related_name="triage")
    category_l1 = models.CharField("一级类别", max_length=50, blank=True)
    category_l2 = models.CharField("二级类别", max_length=50, blank=True)
    confidence = models.FloatField("置信度", default=0.0)
    suggestions = models.JSONField("承办单位建议", default=list)
    duplicates = models.JSONField("疑似重复", default=list)
    same_person = models.JSONField("同一诉求人", default=list)
    group_people = models.PositiveIntegerField("相似诉求人数", default=0)
    flags = models.JSONField("文本提示", default=list)
    category_reason = models.CharField(
        "分类依据", max_length=500, blank=True, help_text="不是由模型直接得出的分类，说明其依据"
    )
    computed_at = models.DateTimeField("计算时间")
    accepted_at = models.DateTimeField("采纳时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "智能分拣结果"
        verbose_name_plural = "智能分拣结果"

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.category_l1}"


class HotspotQuerySet(ScopedQuerySet):
    def in_region_of(self, user: ScopedUser) -> HotspotQuerySet:
        """The region part of the scope, for whoever sees appeals (the cockpit's panel and
        the list a hotspot's number opens; ``visible_to`` also asks for the dispatchers'
        capability): the hotspots whose street lies in the user's region subtree. A hotspot
        without a known street is a superuser's only; a user without a region sees none."""
        path = user.scope_region_path
        if path:
            return self.filter(subtree_q(path, "region__path"))
        return self.all() if user.is_superuser else self.none()


class Hotspot(models.Model):
    """A category × street burst over its own baseline (the last computation only).

    Counts the cockpit's appeals (``appeals.filters.counted_q``): never a 检举控告 (第三十条:
    not in its count, keywords or samples) nor an appeal merged into another."""

    rank = models.PositiveIntegerField("排名")
    label = models.CharField("主题", max_length=100)
    place = models.CharField("地点", max_length=100)
    region = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    count = models.PositiveIntegerField("本期件数")
    baseline = models.FloatField("基线")
    z = models.FloatField("z 值")
    keywords = models.JSONField("关键词", default=list)
    sample_appeal_ids = models.JSONField("示例诉求", default=list)
    # The ids of the appeals ``count`` counts (so ``count == len(appeal_ids)``): the list a
    # hotspot's number opens (``views.hotspot_appeals``) shows exactly these.
    appeal_ids = models.JSONField("计入的诉求", default=list)
    computed_at = models.DateTimeField("计算时间")

    scope = Scope(capability=Cap.APPEALS_DISPATCH, region="region")
    objects = HotspotQuerySet.as_manager()

    class Meta:
        verbose_name = "诉求热点"
        verbose_name_plural = "诉求热点"
        ordering = ["rank"]

    def __str__(self) -> str:
        return f"{self.rank}. {self.label} @ {self.place}"
