"""``StudyRecord``: hours a party member (or a department cadre with a platform account)
learned on a day.

Contract read by ``compliance`` and the secretary pages: a member's hours in a year are the
sum of ``hours`` over their records with ``studied_on`` in that year
(``partyrules.study.yearly_totals``); the owed hours come from ``partyrules.study``
(32 for members, 56 for secretaries by default).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope
from shegong.organizations.models.orgs import OrgAwareQuerySet

from ..choices import StudyKind


class StudyRecordQuerySet(OrgAwareQuerySet):
    org_path_fields = ("member__organization__path",)


class StudyRecord(models.Model):
    member = models.ForeignKey(
        "members.Member",
        verbose_name="党员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="study_records",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="机关干部",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="study_records",
    )
    kind = models.CharField("学习形式", max_length=20, choices=StudyKind.choices)
    title = models.CharField("学习内容", max_length=200)
    studied_on = models.DateField("学习日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1, default=Decimal("0"))
    session = models.ForeignKey(
        "study.StudySession",
        verbose_name="集体学习",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="records",
        help_text="由集体学习出席登记生成的记录",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.STUDY_VIEW, region="member__organization__region")
    objects = StudyRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "学习记录"
        verbose_name_plural = "学习记录"
        ordering = ["-studied_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) | models.Q(user__isnull=False),
                name="study_record_has_person",
            ),
            models.CheckConstraint(condition=models.Q(hours__gte=0), name="study_hours_nonneg"),
            models.UniqueConstraint(
                fields=["session", "member"],
                condition=models.Q(session__isnull=False, member__isnull=False),
                name="study_session_member_once",
            ),
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=models.Q(session__isnull=False, user__isnull=False),
                name="study_session_user_once",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "studied_on"], name="study_member_idx"),
            models.Index(fields=["user", "studied_on"], name="study_user_idx"),
            # the cockpit's 理论学习 panel reads one period of everyone's records
            models.Index(fields=["studied_on", "member"], name="study_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.studied_on} {self.title}（{self.hours}学时）"

    @property
    def audit_region_path(self) -> str:
        return str(self.member.organization.region.path) if self.member else ""
