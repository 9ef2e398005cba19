"""发展党员 steps and the reminders sent about their deadlines.

A person's history is the list of :class:`DevelopmentEvent` rows; replaying it through
``partyrules.development`` gives ``Member.stage`` (the members' development services write
both in one transaction). Rows are never edited: a wrong step is corrected by recording the
person's real history anew (decision in docs/members.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope
from shegong.organizations.models.orgs import OrgAwareQuerySet

from ..choices import EventKind


class DevelopmentEventQuerySet(OrgAwareQuerySet):
    org_path_fields = ("member__organization__path",)


class DevelopmentEvent(models.Model):
    member = models.ForeignKey(
        "members.Member",
        verbose_name="人员",
        on_delete=models.CASCADE,
        related_name="development_events",
    )
    kind = models.CharField("步骤", max_length=24, choices=EventKind.choices)
    on = models.DateField("日期")
    decision_body = models.CharField("决定机关", max_length=100, blank=True)
    document_ref = models.CharField("文件/会议记录编号", max_length=100, blank=True)
    extension_months = models.PositiveSmallIntegerField("延长月数", default=0)
    training_hours = models.DecimalField("集中培训学时", max_digits=6, decimal_places=1, default=0)
    training_days = models.PositiveSmallIntegerField("集中培训天数", default=0)
    pre_review_passed_on = models.DateField("预审通过日期", null=True, blank=True)
    volunteer_form_issued_on = models.DateField("入党志愿书发放日期", null=True, blank=True)
    publicity_first_day = models.DateField("公示开始日期", null=True, blank=True)
    publicity_last_day = models.DateField("公示结束日期", null=True, blank=True)
    leaving_unit_on = models.DateField("预计离开单位日期", null=True, blank=True)
    special_case = models.BooleanField("特殊情况（审批期限6个月）", default=False)
    people = models.ManyToManyField(
        "members.Member",
        verbose_name="入党介绍人/培养联系人",
        blank=True,
        related_name="sponsored_steps",
    )
    note = models.CharField("备注", max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.MEMBERS_VIEW, region="member__organization__region")
    objects = DevelopmentEventQuerySet.as_manager()

    class Meta:
        verbose_name = "发展党员步骤"
        verbose_name_plural = "发展党员步骤"
        ordering = ["member_id", "on", "pk"]
        indexes = [models.Index(fields=["member", "on"], name="devevent_member_on_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on:%Y-%m-%d}"

    @property
    def audit_region_path(self) -> str:
        return str(self.member.organization.region.path)


class DeadlineReminder(models.Model):
    """One reminder sent about one deadline of one person: the unique key makes the daily
    job idempotent (a second run the same day, or the next day, sends nothing new)."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="deadline_reminders"
    )
    code = models.CharField(max_length=24)
    due = models.DateField()
    overdue = models.BooleanField(default=False)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "发展党员期限提醒"
        verbose_name_plural = "发展党员期限提醒"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "code", "due", "overdue"], name="devreminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.due:%Y-%m-%d}"


class MembersPolicy(models.Model):
    """Parameters of the members app (one row, pk=1); defaults documented in docs/members.md."""

    remind_days_before = models.PositiveSmallIntegerField(
        "期限届满前提醒天数", default=14, help_text="发展党员各环节期限届满前若干天提醒支部管理员"
    )
    publicity_working_days = models.PositiveSmallIntegerField(
        "公示工作日数", default=5, help_text="地方发展党员公示制度（常见为5个工作日）"
    )
    training_min_hours = models.DecimalField(
        "发展对象集中培训最少学时",
        max_digits=5,
        decimal_places=1,
        default=24,
        help_text="《中国共产党发展党员工作细则》第十七条",
    )

    class Meta:
        verbose_name = "党员管理参数"
        verbose_name_plural = "党员管理参数"

    def __str__(self) -> str:
        return "党员管理参数"

    @classmethod
    def current(cls) -> MembersPolicy:
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy
