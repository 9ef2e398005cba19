"""``DuesAssessment`` (what a member owes per month in a year) and ``DuesPayment`` (ledger).

Contract read by ``compliance``:

* ``DuesAssessment``: one row per (member, year); ``monthly_amount`` is what each month of
  that year owes (computed by ``partyrules.dues.monthly_amount`` from ``category`` and
  ``base``, or the approved hardship amount; 0 = waived). Months before the member's first
  owed month (``partyrules.dues.first_month_owed``) owe nothing.
* ``DuesPayment`` rows are never updated or deleted. ``month`` is the first day of the month
  paid for; ``amount`` is positive for a payment and negative for a reversal (which names
  the row it reverses). A month is paid when the sum over its rows is ≥ its amount.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope
from shegong.organizations.models.orgs import OrgAwareQuerySet

from ..choices import AssessmentSource, Category, PaymentKind, PaymentMethod


class AssessmentQuerySet(OrgAwareQuerySet):
    org_path_fields = ("member__organization__path",)


class DuesAssessment(models.Model):
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="dues_assessments"
    )
    year = models.PositiveSmallIntegerField("年度")
    category = models.CharField("党员类别", max_length=20, choices=Category.choices)
    base = models.DecimalField(
        "计算基数（元/月）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    computed_amount = models.DecimalField("按比例应缴（元/月）", max_digits=10, decimal_places=2)
    hardship_amount = models.DecimalField(
        "减免后金额（元/月）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    hardship_approved_on = models.DateField("减免批准日期", null=True, blank=True)
    hardship_approved_by = models.CharField("批准的上级党委", max_length=150, blank=True)
    monthly_amount = models.DecimalField("月应缴（元）", max_digits=10, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)
    source = models.CharField(
        "录入方式", max_length=10, choices=AssessmentSource.choices, default=AssessmentSource.FORM
    )

    scope = Scope(capability=Cap.DUES_VIEW, region="member__organization__region")
    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = "党费核定"
        verbose_name_plural = "党费核定"
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="dues_assessment_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}年 {self.monthly_amount}元/月"

    @property
    def audit_region_path(self) -> str:
        return str(self.member.organization.region.path)


APPEND_ONLY = "党费缴纳记录只能追加，不能修改或删除：请登记一笔冲正"


class PaymentQuerySet(OrgAwareQuerySet):
    """Append-only: ``update``/``delete`` refuse (a correction is a reversing row)."""

    org_path_fields = ("organization__path",)

    def update(self, **kwargs: object) -> int:
        raise TypeError(APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(APPEND_ONLY)


class DuesPayment(models.Model):
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="dues_payments"
    )
    organization = models.ForeignKey(
        "organizations.PartyOrganization",
        verbose_name="收缴党组织",
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.DateField("所属月份", help_text="该月第一天")
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2)
    kind = models.CharField(
        "类型", max_length=10, choices=PaymentKind.choices, default=PaymentKind.PAYMENT
    )
    method = models.CharField("缴纳方式", max_length=10, choices=PaymentMethod.choices)
    reverses = models.OneToOneField(
        "self",
        verbose_name="冲正的记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    paid_on = models.DateField("缴纳日期")
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.DUES_VIEW, region="organization__region")
    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "党费缴纳记录"
        verbose_name_plural = "党费缴纳记录"
        ordering = ["-month", "-pk"]
        indexes = [
            models.Index(fields=["member", "month"], name="dues_member_month_idx"),
            models.Index(fields=["organization", "month"], name="dues_org_month_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.month:%Y-%m} {self.amount}元"

    def save(
        self,
        force_insert: bool | tuple[models.base.ModelBase, ...] = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Iterable[str] | None = None,
    ) -> None:
        if self.pk is not None and not force_insert:
            raise TypeError(APPEND_ONLY)
        super().save(
            force_insert=force_insert,
            force_update=force_update,
            using=using,
            update_fields=update_fields,
        )

    def delete(
        self, using: str | None = None, keep_parents: bool = False
    ) -> tuple[int, dict[str, int]]:
        raise TypeError(APPEND_ONLY)

    @property
    def audit_region_path(self) -> str:
        return str(self.organization.region.path)
