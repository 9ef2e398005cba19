"""人民建议征集: themed solicitations, 采纳评估, implementation milestones, rewards, and the
citizen's consent to publish a closed appeal on the public transparency page.

A suggestion *is* an :class:`~shegong.appeals.models.Appeal` of kind ``people_suggestion``
(registered by ``appeals.services.intake.submit_appeal``, dispatched and replied through
``appeals.services.workflow``). This app adds what the appeal model has no room for, in
rows of its own linked one-to-one to the appeal, and never changes the appeal itself.

Every row here is written only by ``suggestions.services`` (audited, scoped).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from shegong.appeals.models import Appeal
from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet

from .choices import (
    ADOPTED_OUTCOMES,
    ConsentSource,
    ConversionTarget,
    ExclusionGround,
    FeedbackMode,
    Outcome,
    RerouteStream,
    RewardKind,
    ThemeStatus,
)

SUGGESTIONS_VIEW = Cap.SUGGESTIONS_VIEW


class ThemeQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> ThemeQuerySet:
        """Themes of the user's region or unit subtree, plus every city-wide theme
        (``region`` null): a street worker should know what the city is asking about."""
        if (
            user is None
            or not getattr(user, "is_authenticated", False)
            or not user.is_active
            or not user.has_capability(SUGGESTIONS_VIEW)
        ):
            return self.none()
        scoped = super().visible_to(user)
        if user.is_superuser or user.has_citywide_scope:
            return scoped
        return self.filter(Q(pk__in=scoped.values("pk")) | Q(region__isnull=True))

    def public(self) -> ThemeQuerySet:
        """What the citizen portal may show (never a draft)."""
        return self.filter(status__in=[ThemeStatus.OPEN, ThemeStatus.CLOSED, ThemeStatus.CONCLUDED])

    def accepting(self, today: date) -> ThemeQuerySet:
        """Open and inside its solicitation window today."""
        return self.filter(status=ThemeStatus.OPEN, start_date__lte=today, end_date__gte=today)


class SolicitationTheme(models.Model):
    """A 专项征集 topic (e.g. 每月一题) published with its window and channels
    (上海市人民建议征集若干规定 第八、十一条).

    Invariants: ``start_date <= end_date``; status moves only along
    ``choices.THEME_TRANSITIONS`` (draft → open → closed → concluded) in
    ``services.themes``; a concluded theme has a non-empty ``summary`` (征集结果, published
    collectively, 第十二条); ``region`` null means city-wide.
    """

    title = models.CharField("征集主题", max_length=200)
    description = models.TextField("征集内容与要求")
    background = models.TextField("背景说明", blank=True)
    channel_note = models.CharField(
        "其他征集渠道",
        max_length=255,
        blank=True,
        help_text="如来信地址、电话；网上渠道为群众门户",
    )
    start_date = models.DateField("征集开始日期")
    end_date = models.DateField("征集截止日期")
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="征集范围",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空表示全市",
    )
    owner_unit = models.ForeignKey(
        "units.Unit", verbose_name="发起单位", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=12, choices=ThemeStatus.choices, default=ThemeStatus.DRAFT
    )
    summary = models.TextField("征集结果", blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    concluded_at = models.DateTimeField("结果公布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=SUGGESTIONS_VIEW, region="region", unit="owner_unit")
    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = "征集主题"
        verbose_name_plural = "征集主题"
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=models.F("end_date")), name="theme_window_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(status=ThemeStatus.CONCLUDED) | ~Q(summary=""),
                name="theme_concluded_has_summary",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_region_path(self) -> str:
        return self.region.path if self.region is not None else ""

    @property
    def scope_label(self) -> str:
        return self.region.full_name if self.region is not None else "全市"

    def is_accepting(self, today: date) -> bool:
        return self.status == ThemeStatus.OPEN and self.start_date <= today <= self.end_date


class ViaAppealQuerySet(ScopedQuerySet):
    """Rows that belong to an appeal are visible exactly when the appeal is (scope and the
    检举控告 rule of ``AppealQuerySet.visible_to``), and the role may read suggestions."""

    appeal_lookup = "appeal"

    def visible_to(self, user: Any) -> Any:
        if (
            user is None
            or not getattr(user, "is_authenticated", False)
            or not user.is_active
            or not user.has_capability(SUGGESTIONS_VIEW)
        ):
            return self.none()
        appeals = Appeal.objects.visible_to(user).values("pk")
        return self.filter(**{f"{self.appeal_lookup}__in": appeals})


class ThemeSubmission(models.Model):
    """Links a suggestion to the theme it answers. Invariant: an appeal answers at most one
    theme (one-to-one); only ``people_suggestion`` appeals are linked (services)."""

    theme = models.ForeignKey(
        SolicitationTheme, on_delete=models.PROTECT, related_name="submissions"
    )
    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="theme_link")
    via_portal = models.BooleanField("网上提交时选择", default=False)
    linked_at = models.DateTimeField("关联时间")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    scope = Scope(
        capability=SUGGESTIONS_VIEW, region="appeal__region", unit=("appeal__work_orders__unit",)
    )
    objects = ViaAppealQuerySet.as_manager()

    class Meta:
        verbose_name = "主题建议"
        verbose_name_plural = "主题建议"
        ordering = ["-linked_at"]

    def __str__(self) -> str:
        return f"{self.theme_id} ← {self.appeal_id}"

    @property
    def audit_region_path(self) -> str:
        return self.appeal.region.path


class EvaluationQuerySet(ViaAppealQuerySet):
    def pending(self) -> EvaluationQuerySet:
        return self.filter(outcome=Outcome.PENDING)

    def overdue(self, now: datetime) -> EvaluationQuerySet:
        """Still 待评估 after the due time (the list highlights these first)."""
        return self.filter(outcome=Outcome.PENDING, due_at__lt=now)


class SuggestionEvaluation(models.Model):
    """采纳评估 of one suggestion by the responsible unit, within a deadline.

    Invariants (services, and the check constraints below):
    - ``unit`` is a unit holding a work order on the appeal (so its staff can see it);
    - ``due_at`` is computed once when the evaluation starts (the policy's handle clock, or
      a configured number of natural days) and stored, with its ``provisional`` flag;
    - ``outcome`` is 待评估 exactly while ``evaluated_at`` is empty; every decided outcome
      carries ``reasons`` (信访工作条例 第二十九条 requires a reply, 上海 第十二条 feedback);
    - a conversion target (上海 第十三条) is set exactly for 采纳 / 部分采纳;
    - 不作为人民建议 (上海 第十条第二款) records the ground and the stream it should go to;
      re-routing the appeal itself is done in the appeals workflow, not here.
    """

    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="evaluation")
    unit = models.ForeignKey(
        "units.Unit", verbose_name="评估单位", on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField("开始评估时间")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField("评估期限", db_index=True)
    due_provisional = models.BooleanField("期限暂定", default=False)
    outcome = models.CharField(
        "评估结果", max_length=12, choices=Outcome.choices, default=Outcome.PENDING, db_index=True
    )
    reasons = models.TextField("评估理由", blank=True)
    conversion_target = models.CharField(
        "转化方式", max_length=20, choices=ConversionTarget.choices, blank=True
    )
    feedback_mode = models.CharField(
        "反馈方式", max_length=12, choices=FeedbackMode.choices, blank=True
    )
    exclusion_ground = models.CharField(
        "不作为人民建议的情形", max_length=20, choices=ExclusionGround.choices, blank=True
    )
    reroute_stream = models.CharField(
        "转办渠道", max_length=10, choices=RerouteStream.choices, blank=True
    )
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField("评估时间", null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    scope = Scope(
        capability=SUGGESTIONS_VIEW, region="appeal__region", unit=("appeal__work_orders__unit",)
    )
    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = "采纳评估"
        verbose_name_plural = "采纳评估"
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(outcome=Outcome.PENDING) & Q(evaluated_at__isnull=True))
                | (~Q(outcome=Outcome.PENDING) & Q(evaluated_at__isnull=False) & ~Q(reasons="")),
                name="evaluation_decided_with_reasons",
            ),
            models.CheckConstraint(
                condition=(Q(outcome__in=ADOPTED_OUTCOMES) & ~Q(conversion_target=""))
                | (~Q(outcome__in=ADOPTED_OUTCOMES) & Q(conversion_target="")),
                name="evaluation_conversion_iff_adopted",
            ),
            models.CheckConstraint(
                condition=(
                    Q(outcome=Outcome.EXCLUDED) & ~Q(exclusion_ground="") & ~Q(reroute_stream="")
                )
                | (~Q(outcome=Outcome.EXCLUDED) & Q(exclusion_ground="") & Q(reroute_stream="")),
                name="evaluation_exclusion_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal.number} · {self.get_outcome_display()}"

    @property
    def audit_region_path(self) -> str:
        return self.appeal.region.path

    @property
    def is_decided(self) -> bool:
        return self.outcome != Outcome.PENDING

    @property
    def is_adopted(self) -> bool:
        return self.outcome in ADOPTED_OUTCOMES

    def is_overdue(self, now: datetime) -> bool:
        return self.outcome == Outcome.PENDING and self.due_at < now


class MilestoneQuerySet(ViaAppealQuerySet):
    appeal_lookup = "evaluation__appeal"


class ImplementationMilestone(models.Model):
    """One step of carrying out an adopted suggestion (落实, 上海 第十三条; CONSUL/Decidim
    style milestones). Invariants: only on 采纳/部分采纳 evaluations; done ⇒ evidence."""

    evaluation = models.ForeignKey(
        SuggestionEvaluation, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField("节点", max_length=200)
    due_date = models.DateField("计划完成日期")
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    evidence = models.TextField("完成情况与佐证", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    scope = Scope(
        capability=SUGGESTIONS_VIEW,
        region="evaluation__appeal__region",
        unit=("evaluation__appeal__work_orders__unit",),
    )
    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = "落实节点"
        verbose_name_plural = "落实节点"
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | ~Q(evidence=""),
                name="milestone_done_with_evidence",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_region_path(self) -> str:
        return self.evaluation.appeal.region.path

    def is_late(self, today: date) -> bool:
        return self.done_at is None and self.due_date < today


class RewardQuerySet(ViaAppealQuerySet):
    appeal_lookup = "evaluation__appeal"


class Reward(models.Model):
    """感谢信 / 荣誉 / 奖金 for a contribution (信访工作条例 第二十九条). A ledger row: never
    edited or deleted. Invariants: 奖金 has a positive amount, the other kinds none;
    荣誉 and 奖金 only for 采纳/部分采纳 (a 感谢信 may thank any evaluated suggestion)."""

    evaluation = models.ForeignKey(
        SuggestionEvaluation, on_delete=models.PROTECT, related_name="rewards"
    )
    kind = models.CharField("奖励方式", max_length=10, choices=RewardKind.choices)
    amount = models.DecimalField(
        "金额（元）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    note = models.CharField("说明", max_length=255, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField("给予时间")

    scope = Scope(
        capability=SUGGESTIONS_VIEW,
        region="evaluation__appeal__region",
        unit=("evaluation__appeal__work_orders__unit",),
    )
    objects = RewardQuerySet.as_manager()

    class Meta:
        verbose_name = "奖励"
        verbose_name_plural = "奖励"
        ordering = ["granted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=RewardKind.BONUS) & Q(amount__gt=0))
                | (~Q(kind=RewardKind.BONUS) & Q(amount__isnull=True)),
                name="reward_amount_only_for_bonus",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount or ''}".strip()

    @property
    def audit_region_path(self) -> str:
        return self.evaluation.appeal.region.path


class PublicationConsent(models.Model):
    """The citizen agreed that their appeal may appear, anonymised, on the public
    transparency page (个人信息保护法 第十三、十四、十五条: consent, informed, withdrawable).

    Consent alone never publishes: ``services.publication.public_appeals`` also requires the
    appeal to be closed and excludes 检举控告, identity-confidential appeals and appeals with
    attachments, whatever was consented. The public texts are stored already anonymised
    (names, phone/ID numbers, house numbers removed by ``anonymise.scrub``) and re-scrubbed
    on every save, so an edit cannot put personal data back.
    """

    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="publication")
    consented_at = models.DateTimeField("同意时间")
    source = models.CharField("同意方式", max_length=10, choices=ConsentSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    anonymised_title = models.CharField("公开标题", max_length=200)
    anonymised_summary = models.TextField("公开摘要")
    anonymised_reply = models.TextField("公开答复", blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(
        capability=SUGGESTIONS_VIEW, region="appeal__region", unit=("appeal__work_orders__unit",)
    )
    objects = ViaAppealQuerySet.as_manager()

    class Meta:
        verbose_name = "公开同意"
        verbose_name_plural = "公开同意"
        ordering = ["-consented_at"]

    def __str__(self) -> str:
        return f"{self.appeal_id} 公开同意"

    @property
    def audit_region_path(self) -> str:
        return self.appeal.region.path

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
