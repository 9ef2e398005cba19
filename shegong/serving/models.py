"""双报到 registrations, community needs (微心愿, appeals turned into service, projects),
claims with check-in/out, photos, and the serving policy.

Invariants: ``ServiceOrder.places_taken`` equals the number of its live claims and never
exceeds ``people_needed`` (kept by ``services.claims`` with a conditional UPDATE, so two
claims of the last place cannot both succeed); an order converted from an appeal is due no
later than the appeal's lead work order (``services.needs.convert_appeal``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from shegong.core.pii import BlindIndexField, EncryptedField
from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet, ScopedUser

from .choices import ClaimStatus, ConfirmMethod, NeedKind, OrderStatus, ReportKind


class ServingPolicy(models.Model):
    """The configurable 双报到 expectations and matching weights (one row, pk=1).
    Defaults and their sources: docs/rules/serving-rules.md."""

    member_hours_per_year = models.DecimalField(
        "在职党员每年社区服务时长（小时）", max_digits=6, decimal_places=2, default=Decimal("12")
    )
    member_services_per_year = models.PositiveSmallIntegerField(
        "在职党员每年参加社区服务次数", default=4
    )
    unit_services_per_year = models.PositiveSmallIntegerField(
        "报到单位每年认领服务项目次数", default=2
    )
    vulnerable_adult_only = models.BooleanField(
        "服务独居老人、残疾人、未成年人须由成年人承担", default=True
    )
    max_no_shows_vulnerable = models.PositiveSmallIntegerField(
        "服务困难群众时允许的最多缺席次数", default=2
    )
    weight_distance = models.PositiveSmallIntegerField("距离权重", default=40)
    weight_skills = models.PositiveSmallIntegerField("技能权重", default=30)
    weight_reliability = models.PositiveSmallIntegerField("可靠性权重", default=20)
    weight_workload = models.PositiveSmallIntegerField("工作量权重", default=10)
    max_open_claims = models.PositiveSmallIntegerField("每人同时认领上限", default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "双报到服务规则"
        verbose_name_plural = "双报到服务规则"

    def __str__(self) -> str:
        return "双报到服务规则"


class DualReportQuerySet(ScopedQuerySet):
    def active(self) -> DualReportQuerySet:
        return self.filter(ended_on__isnull=True)


class DualReport(models.Model):
    """A 双报到: an in-service party member (``kind=member``: ``volunteer`` set, ``member``
    set when the party-member record exists) or a unit's party organization
    (``kind=organization``: ``organization`` set) reports to ``community``.

    The community (its region subtree) sees the report; the member's branch and the
    reporting unit see it through ``organization``/``home_unit``."""

    kind = models.CharField("报到类型", max_length=12, choices=ReportKind.choices)
    community = models.ForeignKey(
        "regions.Region", verbose_name="报到社区", on_delete=models.PROTECT, related_name="+"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name="志愿者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name="党员档案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "organizations.PartyOrganization",
        verbose_name="所在党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    home_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="工作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_name = models.CharField("单位名称", max_length=100, blank=True)
    reason = models.CharField(
        "报到依据", max_length=20, default="residence", help_text="居住地或结对共建"
    )
    skills_note = models.CharField("特长与可提供服务", max_length=200, blank=True)
    reported_on = models.DateField("报到日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope = Scope(
        capability=Cap.SERVING_VIEW,
        region=("community", "organization__region"),
        unit="home_unit",
    )
    objects = DualReportQuerySet.as_manager()

    class Meta:
        verbose_name = "双报到"
        verbose_name_plural = "双报到"
        ordering = ["-reported_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "community"],
                condition=Q(ended_on=None, volunteer__isnull=False),
                name="serving_one_open_member_report",
            ),
            models.UniqueConstraint(
                fields=["organization", "community"],
                condition=Q(ended_on=None, kind="organization"),
                name="serving_one_open_org_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}报到 #{self.pk}"


class ServiceOrderQuerySet(ScopedQuerySet):
    pass


class ServiceOrder(models.Model):
    """A community need to be served: a 微心愿, an appeal (or part of it) turned into a
    service, or a community project. ``work_order`` is the appeal's lead work order when
    converted; its handling unit sees the order and replies to the appeal with its evidence."""

    number = models.CharField("编号", max_length=20, unique=True)
    kind = models.CharField("类型", max_length=10, choices=NeedKind.choices)
    title = models.CharField("服务内容", max_length=120)
    description = models.TextField("详细说明", blank=True)
    community = models.ForeignKey(
        "regions.Region", verbose_name="服务社区", on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField("服务地点", max_length=200)
    skills = models.ManyToManyField("volunteers.Skill", verbose_name="所需技能", blank=True)
    starts_at = models.DateTimeField("服务开始")
    ends_at = models.DateTimeField("服务结束")
    due_at = models.DateTimeField("完成期限")
    people_needed = models.PositiveSmallIntegerField("需要人数", default=1)
    places_taken = models.PositiveSmallIntegerField("已认领人数", default=0)
    elderly_alone = models.BooleanField("服务对象为独居老人", default=False)
    disabled = models.BooleanField("服务对象为残疾人", default=False)
    minors = models.BooleanField("服务对象为未成年人", default=False)
    status = models.CharField(
        "状态", max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    appeal = models.ForeignKey(
        "appeals.Appeal",
        verbose_name="来源诉求",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    work_order = models.ForeignKey(
        "appeals.WorkOrder",
        verbose_name="诉求工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resident_name = EncryptedField("居民姓名", kind="name", blank=True)
    resident_phone = EncryptedField("居民电话", kind="phone", blank=True)
    resident_phone_bidx = BlindIndexField(source="resident_phone")
    from_portal = models.BooleanField("居民网上提交", default=False)
    report = models.TextField("服务情况", blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirm_method = models.CharField(
        "确认方式", max_length=10, choices=ConfirmMethod.choices, blank=True
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_claimed_at = models.DateTimeField("首次认领时间", null=True, blank=True)
    appeal_replied_at = models.DateTimeField("诉求答复时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间")

    scope = Scope(capability=Cap.SERVING_VIEW, region="community", unit="work_order__unit")
    objects = ServiceOrderQuerySet.as_manager()

    class Meta:
        verbose_name = "服务订单"
        verbose_name_plural = "服务订单"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "community"], name="serving_order_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(places_taken__lte=models.F("people_needed")),
                name="serving_places_within_need",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="serving_window_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def reveal_allowed(self, actor: ScopedUser, field_name: str) -> bool:
        """Asked by ``core.services.reveal_personal_data`` (the generic /pii/ route): an
        order converted from an appeal carries the petitioner's phone, so appeals' identity
        rule applies (a confidential petitioner, a 检举控告: the department's only)."""
        if self.appeal is None:
            return True
        from shegong.appeals.services.identity import can_see_identity

        return can_see_identity(actor, self.appeal)

    @property
    def vulnerable(self) -> bool:
        return self.elderly_alone or self.disabled or self.minors

    @property
    def places_left(self) -> int:
        return max(0, self.people_needed - self.places_taken)


class ClaimQuerySet(ScopedQuerySet):
    def live(self) -> ClaimQuerySet:
        return self.exclude(status=ClaimStatus.CANCELLED)


class Claim(models.Model):
    """A volunteer (a reported member or any volunteer in scope) serving an order."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="claims")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="+"
    )
    report = models.ForeignKey(
        DualReport, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    status = models.CharField(
        "状态", max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.CLAIMED
    )
    claimed_at = models.DateTimeField("认领时间")
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    hours = models.DecimalField("服务时长", max_digits=6, decimal_places=2, null=True, blank=True)
    entry = models.ForeignKey(
        "volunteers.HoursEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A check-out the volunteer forgot, recorded afterwards by the community
    # (``services.checkout.record_checkout``): who recorded it and why.
    checkout_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="补登签退人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checkout_reason = models.CharField("补登签退原因", max_length=200, blank=True)

    scope = Scope(
        capability=Cap.SERVING_VIEW, region="order__community", unit="order__work_order__unit"
    )
    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = "认领"
        verbose_name_plural = "认领"
        ordering = ["order_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "volunteer"],
                condition=~Q(status=ClaimStatus.CANCELLED),
                name="serving_one_live_claim",
            )
        ]
        indexes = [models.Index(fields=["volunteer", "status"], name="serving_claim_vol_idx")]

    def __str__(self) -> str:
        return f"认领 #{self.pk}"


class OrderPhoto(models.Model):
    """A photo of the service (type checked by content, stored under a random name)."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="photos")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to="serving/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField()
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.token
