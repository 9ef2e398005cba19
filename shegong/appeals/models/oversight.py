"""Notice templates, revisits, reviews (复查/复核) and supervision (督办)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet

from ..choices import (
    ReviewLevel,
    ReviewOutcome,
    RevisitMethod,
    Satisfaction,
)
from .appeal import Appeal
from .orders import WorkOrder


class NoticeKind(models.TextChoices):
    ACCEPTANCE = "acceptance", "受理告知书"
    REJECTION = "rejection", "不予受理告知书"
    REDIRECTION = "redirection", "告知书（其他法定途径）"
    DISPATCH = "dispatch", "转送/交办单"
    REPLY = "reply", "答复意见书"


class NoticeTemplate(models.Model):
    """Admin-editable text of a written notice; rendered to DOCX and PDF by ``notices``.

    ``body`` uses Django template syntax with the context documented in docs/appeals-notices.md
    (appeal, number, petitioner_name, unit, reply, reason, due_date, today, …).
    """

    kind = models.CharField("文书类型", max_length=20, choices=NoticeKind.choices, unique=True)
    title = models.CharField("标题", max_length=100)
    body = models.TextField("正文模板")
    issuer = models.CharField("落款单位", max_length=100, default="中共示范市委社会工作部")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "文书模板"
        verbose_name_plural = "文书模板"

    def __str__(self) -> str:
        return self.title


class Revisit(models.Model):
    """回访: the citizen's verdict on one handling round. Solved and satisfied are kept
    apart (解决 ≠ 满意). 不满意 or 未解决 starts 重办 (services.revisit)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="revisits")
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="revisits")
    round = models.PositiveSmallIntegerField("办理轮次")
    method = models.CharField("方式", max_length=10, choices=RevisitMethod.choices)
    contacted = models.BooleanField("承办单位是否联系了诉求人")
    resolved = models.BooleanField("问题是否解决")
    satisfaction = models.CharField("满意度", max_length=15, choices=Satisfaction.choices)
    comment = models.TextField("意见", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("回访时间")

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "round"], name="one_revisit_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} 第{self.round}轮 {self.get_satisfaction_display()}"


class Review(models.Model):
    """复查 (第三十五条) or 复核 (第三十六条): requested within the window after the written
    reply (or the 复查 opinion), decided by the level above within its limit; hearing time
    (听证) is excluded from the decision clock by pushing ``due_at`` when the hearing ends."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="reviews")
    level = models.CharField("层级", max_length=10, choices=ReviewLevel.choices)
    requested_at = models.DateTimeField("申请时间")
    request_text = models.TextField("申请事实和理由")
    window_end = models.DateTimeField("申请期限")
    reviewer_unit = models.ForeignKey(
        "units.Unit", verbose_name="复查/复核机关", on_delete=models.PROTECT, related_name="reviews"
    )
    due_at = models.DateTimeField("办理期限")
    hearing_started_at = models.DateTimeField("听证开始", null=True, blank=True)
    hearing_seconds = models.PositiveIntegerField("听证用时（秒）", default=0)
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField("结论", max_length=10, blank=True, choices=ReviewOutcome.choices)
    opinion = models.TextField("复查/复核意见", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "复查复核"
        verbose_name_plural = "复查复核"
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "level"], name="one_review_per_level")
        ]
        indexes = [
            # The workbench's 待复查复核 (count and page) of a reviewing unit: undecided
            # reviews are few, so an index of only those, by reviewing unit.
            models.Index(
                fields=["reviewer_unit"],
                condition=models.Q(decided_at__isnull=True),
                name="review_open_by_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.get_level_display()}"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None


class SupervisionQuerySet(ScopedQuerySet):
    pass


class Supervision(models.Model):
    """督办 / 领导批示 (挂牌督办): a leader's instruction on one or more appeals, with a
    deadline and required progress reports; overdue progress escalates once per report
    period (compare-and-swap on ``escalated_for``)."""

    title = models.CharField("督办事项", max_length=200)
    instruction = models.TextField("批示内容")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批示领导",
        on_delete=models.PROTECT,
        related_name="+",
    )
    appeals = models.ManyToManyField(Appeal, verbose_name="督办的诉求", related_name="supervisions")
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateTimeField("办结期限")
    report_every_days = models.PositiveSmallIntegerField("进展报告间隔（天）", default=7)
    next_report_due = models.DateTimeField("下次报告期限")
    escalated_for = models.DateTimeField("已升级的报告期限", null=True, blank=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(blank=True)

    scope = Scope(
        capability=Cap.APPEALS_VIEW, region="region", unit=("appeals__work_orders__unit",)
    )
    objects = SupervisionQuerySet.as_manager()

    class Meta:
        verbose_name = "督办"
        verbose_name_plural = "督办"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class SupervisionReport(models.Model):
    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("进展情况")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.supervision_id} {self.at:%Y-%m-%d}"
