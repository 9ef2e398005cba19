"""``DuesHardship``: a reduction or waiver of one member's dues for one year (第七条),
proposed by the branch and decided by the superior 党委. An approval writes the amount onto
the ``DuesAssessment`` (``hardship_amount``/``monthly_amount``); the request row keeps who
proposed, who decided, when and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope
from shegong.organizations.models.orgs import OrgAwareQuerySet

from ..choices import HardshipStatus
from .ledger import DuesAssessment


class HardshipQuerySet(OrgAwareQuerySet):
    org_path_fields = ("assessment__member__organization__path",)

    def pending(self) -> HardshipQuerySet:
        return self.filter(status=HardshipStatus.PROPOSED)


class DuesHardship(models.Model):
    assessment = models.ForeignKey(
        DuesAssessment, on_delete=models.PROTECT, related_name="hardships"
    )
    amount = models.DecimalField("申请减免后金额（元/月）", max_digits=10, decimal_places=2)
    reason = models.CharField("困难情况", max_length=300)
    status = models.CharField(
        "状态", max_length=10, choices=HardshipStatus.choices, default=HardshipStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField("审批日期", null=True, blank=True)
    approving_body = models.CharField("审批的上级党委", max_length=150, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)

    scope = Scope(capability=Cap.DUES_VIEW, region="assessment__member__organization__region")
    objects = HardshipQuerySet.as_manager()

    class Meta:
        verbose_name = "党费减免申请"
        verbose_name_plural = "党费减免申请"
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment"],
                condition=models.Q(status="proposed"),
                name="dues_hardship_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment} 减免至 {self.amount}元（{self.get_status_display()}）"

    @property
    def audit_region_path(self) -> str:
        return str(self.assessment.member.organization.region.path)
