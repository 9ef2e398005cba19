"""Credentials (职业水平证书), their registration periods, and continuing-education hours.

Contract: a credential's current period is its latest ``Registration``; the credential's
``period_start``/``valid_until`` mirror it (kept by ``services.credentials``) so lists and
figures query one table. Hours count in the period whose first..last day holds
``studied_on`` (``rules.in_period``)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet

from ..choices import CredentialLevel, HoursSource
from .people import Person


class CredentialQuerySet(ScopedQuerySet):
    pass


class Credential(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credentials")
    level = models.CharField("证书等级", max_length=20, choices=CredentialLevel.choices)
    title = models.CharField("证书名称", max_length=60, blank=True, help_text="其他证书填写")
    number = models.CharField("证书编号", max_length=40)
    passed_on = models.DateField("考试通过（取得）日期")
    first_registered_on = models.DateField("首次登记日期", null=True, blank=True)
    period_start = models.DateField("本登记周期起始", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True, db_index=True)
    reminded_for = models.DateField(
        "已提醒的有效期", null=True, blank=True, editable=False, help_text="同一周期只提醒一次"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.TALENT_VIEW, region="person__region", unit="person__unit")
    objects = CredentialQuerySet.as_manager()

    class Meta:
        verbose_name = "职业资格证书"
        verbose_name_plural = "职业资格证书"
        ordering = ["person_id", "-passed_on"]
        constraints = [
            models.UniqueConstraint(fields=["level", "number"], name="talent_credential_number")
        ]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.number}）"

    @property
    def display_name(self) -> str:
        if self.level == CredentialLevel.OTHER and self.title:
            return self.title
        return str(self.get_level_display())

    @property
    def audit_region_path(self) -> str:
        return str(self.person.region.path)


class Registration(models.Model):
    """One registration period of a credential (首次登记 or 再登记)."""

    credential = models.ForeignKey(
        Credential, on_delete=models.CASCADE, related_name="registrations"
    )
    renewal = models.BooleanField("再登记", default=False)
    registered_on = models.DateField("登记日期")
    period_start = models.DateField("周期起始")
    period_end = models.DateField("周期截止")
    hours_at_renewal = models.DecimalField(
        "再登记时上一周期学时", max_digits=6, decimal_places=1, null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "登记记录"
        verbose_name_plural = "登记记录"
        ordering = ["credential_id", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "period_start"], name="talent_registration_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_start}至{self.period_end}"


class HoursRecordQuerySet(ScopedQuerySet):
    pass


class HoursRecord(models.Model):
    """Continuing-education hours of one person on one day: from a class on the platform
    (``enrolment`` set, one record per enrolment), entered with evidence, or a completed
    social-work degree (counted once at the policy's ``degree_hours``)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="hours")
    source = models.CharField("来源", max_length=10, choices=HoursSource.choices)
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1, default=Decimal("0"))
    studied_on = models.DateField("学习日期")
    title = models.CharField("内容", max_length=120)
    evidence = models.CharField("证明材料", max_length=200, blank=True)
    enrolment = models.OneToOneField(
        "talent.Enrolment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.TALENT_VIEW, region="person__region", unit="person__unit")
    objects = HoursRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "继续教育学时"
        verbose_name_plural = "继续教育学时"
        ordering = ["person_id", "-studied_on"]
        indexes = [models.Index(fields=["person", "studied_on"], name="talent_hours_idx")]

    def __str__(self) -> str:
        return f"{self.title} {self.hours}学时"
