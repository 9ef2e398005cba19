"""Annual evaluation (考核) and incentive/consequence decisions.

Contract: an ``Evaluation`` is one person in one ``Cycle``; ``grade`` is one of the policy's
grades, written only by ``services.evaluation.grade`` which locks the cycle row and refuses a
优秀 beyond the quota (per cycle and unit). A ``Decision`` is proposed with its basis (the
grade history at the time, frozen in ``basis_facts``) and takes effect only when a holder of
``TALENT_DECIDE`` approves it; nothing is decided automatically."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet

from ..choices import CycleStatus, DecisionKind, DecisionStatus
from .people import Person


class CycleQuerySet(ScopedQuerySet):
    pass


class Cycle(models.Model):
    year = models.PositiveSmallIntegerField("考核年度")
    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(
        "regions.Region", verbose_name="考核范围", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "阶段", max_length=10, choices=CycleStatus.choices, default=CycleStatus.SELF
    )
    publicity_until = models.DateField("公示截止", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.TALENT_VIEW, region="region")
    objects = CycleQuerySet.as_manager()

    class Meta:
        verbose_name = "考核周期"
        verbose_name_plural = "考核周期"
        ordering = ["-year", "pk"]
        constraints = [models.UniqueConstraint(fields=["year", "region"], name="talent_cycle_once")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return str(self.region.path)


class EvaluationQuerySet(ScopedQuerySet):
    pass


class Evaluation(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="evaluations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="evaluations")
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name="考核时所在单位",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="优秀比例按周期和单位计算",
    )
    self_report = models.TextField("个人述职", blank=True)
    grade = models.CharField("考核等次", max_length=10, blank=True)
    comment = models.TextField("评定意见", blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("评定时间", null=True, blank=True)
    evidence = models.JSONField("评定时的平台数据", default=dict, blank=True)
    appeal_text = models.TextField("复核申请", blank=True)
    appeal_result = models.TextField("复核结果", blank=True)
    appealed_at = models.DateTimeField("申请复核时间", null=True, blank=True)

    scope = Scope(capability=Cap.TALENT_VIEW, region="person__region", unit="person__unit")
    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = "年度考核"
        verbose_name_plural = "年度考核"
        ordering = ["cycle_id", "unit_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "person"], name="talent_evaluation_once")
        ]

    def __str__(self) -> str:
        return f"{self.cycle.year}年度考核"

    @property
    def audit_region_path(self) -> str:
        return str(self.person.region.path)


class DecisionQuerySet(ScopedQuerySet):
    pass


class Decision(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField("类型", max_length=12, choices=DecisionKind.choices)
    title = models.CharField("事项", max_length=120)
    basis = models.TextField("依据")
    basis_facts = models.JSONField("依据数据（提出时）", default=dict, blank=True)
    # 晋升/降级: the post when proposed and the post decided; approval moves the person
    # (``services.decisions.decide``), refused if the post changed in between.
    post_from = models.CharField("原岗位", max_length=30, blank=True)
    post_to = models.CharField("调整后岗位", max_length=30, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField("提出时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    scope = Scope(capability=Cap.TALENT_VIEW, region="person__region", unit="person__unit")
    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = "激励与处理决定"
        verbose_name_plural = "激励与处理决定"
        ordering = ["-proposed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"

    @property
    def audit_region_path(self) -> str:
        return str(self.person.region.path)
