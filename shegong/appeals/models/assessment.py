"""Assessment (考核): the configuration, the facts per appeal and unit, the monthly figures."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ..choices import (
    Satisfaction,
)
from .appeal import Appeal


class AssessmentConfig(models.Model):
    """三率 weights and marks (domain-rules §2.2: not official; configurable). One row, pk=1.

    composite = w_response·响应率 + w_resolution·解决率 + w_satisfaction·满意率
                + w_on_time·按期办结率; 满意率 = (满意 + basic_weight·基本满意) / 有效回访.
    """

    w_response = models.DecimalField("响应率权重", max_digits=4, decimal_places=3, default=0.1)
    w_resolution = models.DecimalField("解决率权重", max_digits=4, decimal_places=3, default=0.5)
    w_satisfaction = models.DecimalField("满意率权重", max_digits=4, decimal_places=3, default=0.4)
    w_on_time = models.DecimalField("按期办结率权重", max_digits=4, decimal_places=3, default=0)
    basic_weight = models.DecimalField("基本满意折算", max_digits=4, decimal_places=3, default=0.9)
    red_share = models.DecimalField(
        "红牌比例（排名末位）", max_digits=4, decimal_places=3, default=0.1
    )
    yellow_share = models.DecimalField("黄牌比例", max_digits=4, decimal_places=3, default=0.1)
    min_revisits = models.PositiveIntegerField("参与排名的最少有效回访数", default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "考核参数"
        verbose_name_plural = "考核参数"

    def __str__(self) -> str:
        return "考核参数"


class AssessmentFact(models.Model):
    """One handling round of one appeal as the assessment counts it: the lead unit of that
    round, whether the reply was on time, and the citizen's revisit. Maintained by
    ``services.assessment`` in the same transaction as the reply / revisit / 申诉 decision,
    together with :class:`UnitMonthStat`. A 重办 round is a new fact; the first round keeps
    its 不满意 (counted against the first handling)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="facts")
    round = models.PositiveSmallIntegerField()
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="facts")
    region_path = models.CharField(max_length=255, db_index=True)
    month = models.DateField(db_index=True)
    replied_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField()
    revisited = models.BooleanField(default=False)
    contacted = models.BooleanField(default=False)
    resolved = models.BooleanField(default=False)
    satisfaction = models.CharField(max_length=15, blank=True, choices=Satisfaction.choices)
    exempt = models.BooleanField("申诉免责", default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appeal", "round"], name="one_fact_per_round")
        ]
        indexes = [models.Index(fields=["month", "unit"])]

    def __str__(self) -> str:
        return f"{self.appeal_id}#{self.round}"


class UnitMonthStat(models.Model):
    """Counters per unit and month, kept equal to the GROUP BY over :class:`AssessmentFact`
    by F() increments (tests compare them on random data). ``ex_*`` count exempt facts;
    adjusted figures are raw minus exempt."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="month_stats")
    month = models.DateField(db_index=True)
    replied = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    revisited = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basic = models.PositiveIntegerField(default=0)
    dissatisfied = models.PositiveIntegerField(default=0)
    ex_replied = models.PositiveIntegerField(default=0)
    ex_on_time = models.PositiveIntegerField(default=0)
    ex_revisited = models.PositiveIntegerField(default=0)
    ex_contacted = models.PositiveIntegerField(default=0)
    ex_resolved = models.PositiveIntegerField(default=0)
    ex_satisfied = models.PositiveIntegerField(default=0)
    ex_basic = models.PositiveIntegerField(default=0)
    ex_dissatisfied = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="one_stat_per_unit_month")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"


class ScoreAppeal(models.Model):
    """申诉/免责: a unit contests one appeal's effect on its score (unreasonable demand, out of
    jurisdiction…); a reviewer accepts (the fact becomes exempt: adjusted figures change,
    raw ones never) or rejects."""

    fact = models.ForeignKey(AssessmentFact, on_delete=models.CASCADE, related_name="score_appeals")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    reason_kind = models.CharField(
        "申诉类型",
        max_length=20,
        choices=[
            ("unreasonable", "诉求不合理"),
            ("out_of_jurisdiction", "非本单位职责"),
            ("duplicate", "重复诉求"),
            ("other", "其他"),
        ],
    )
    text = models.TextField("申诉理由")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    status = models.CharField(
        max_length=10,
        default="pending",
        choices=[("pending", "待审核"), ("accepted", "已认可"), ("rejected", "未认可")],
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = "考核申诉"
        verbose_name_plural = "考核申诉"
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.fact} {self.get_status_display()}"
