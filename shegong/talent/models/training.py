"""Training classes with enrolment and QR attendance, and practice postings (实践锻炼).

Contract: a class holds at most ``capacity`` enrolments — ``services.training.enrol`` locks
the class row (``select_for_update``) before counting, so two enrolments for the last place
cannot both succeed on PostgreSQL. Attendance (``attended_at``) credits the class's hours
once (an ``HoursRecord`` per enrolment)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet

from ..choices import ClassKind, PostingKind
from .people import Person


class TrainingClassQuerySet(ScopedQuerySet):
    pass


class TrainingClass(models.Model):
    title = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=ClassKind.choices)
    unit = models.ForeignKey(
        "units.Unit", verbose_name="举办单位", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="面向区域", on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    place = models.CharField("地点", max_length=120, blank=True)
    capacity = models.PositiveIntegerField("名额")
    hours = models.DecimalField("计入学时", max_digits=4, decimal_places=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(capability=Cap.TALENT_VIEW, region="region", unit="unit")
    objects = TrainingClassQuerySet.as_manager()

    class Meta:
        verbose_name = "培训班"
        verbose_name_plural = "培训班"
        ordering = ["-starts_at", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_region_path(self) -> str:
        return str(self.region.path)


class EnrolmentQuerySet(ScopedQuerySet):
    pass


class Enrolment(models.Model):
    """One person enrolled in one class. Seen through the person (their region or unit),
    not through the class: a class may be open to a whole district or the city, and its
    page shows each viewer only the enrolments of people in their scope."""

    training = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="enrolments")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrolments")
    enrolled_at = models.DateTimeField("报名时间")
    attended_at = models.DateTimeField("签到时间", null=True, blank=True)
    method = models.CharField("签到方式", max_length=10, blank=True)

    scope = Scope(capability=Cap.TALENT_VIEW, region="person__region", unit="person__unit")
    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = "培训报名"
        verbose_name_plural = "培训报名"
        ordering = ["training_id", "enrolled_at"]
        constraints = [
            models.UniqueConstraint(fields=["training", "person"], name="talent_enrol_once")
        ]

    def __str__(self) -> str:
        return f"{self.training_id}/{self.person_id}"


class PostingQuerySet(ScopedQuerySet):
    pass


class Posting(models.Model):
    """A practice posting: 挂职, 轮岗 or 下沉社区 at a host unit, closed with an assessment."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="postings")
    kind = models.CharField("类型", max_length=12, choices=PostingKind.choices)
    host_unit = models.ForeignKey(
        "units.Unit", verbose_name="接收单位", on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    assessment = models.TextField("期满鉴定", blank=True)
    closed_on = models.DateField("鉴定日期", null=True, blank=True)
    hours = models.DecimalField("计入学时", max_digits=5, decimal_places=1, default=Decimal("0"))

    scope = Scope(
        capability=Cap.TALENT_VIEW,
        region="person__region",
        unit=("person__unit", "host_unit"),
    )
    objects = PostingQuerySet.as_manager()

    class Meta:
        verbose_name = "实践锻炼"
        verbose_name_plural = "实践锻炼"
        ordering = ["-starts_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on}"

    @property
    def audit_region_path(self) -> str:
        return str(self.person.region.path)
