"""Citizen appeals: 信访事项, 12345 诉求 and 人民建议, their work orders, clocks and timeline."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from shegong.core.pii import BlindIndexField, EncryptedField
from shegong.core.scoping import Scope, ScopedQuerySet
from shegong.core.tree import subtree_q

from .choices import (
    AppealKind,
    AppealStatus,
    Channel,
    ClockKey,
    EventKind,
    ExtensionStatus,
    RedirectChannel,
    Stream,
    TimeUnit,
    Urgency,
    WorkOrderRole,
    WorkOrderStatus,
)

APPEALS_VIEW = "appeals.view"


class AppealPolicy(models.Model):
    """The rules one kind of appeal runs under: clocks and limits, with their legal basis.

    Versioned and immutable once used: an appeal keeps the policy version it was registered
    under (``Appeal.policy``); changing a rule publishes a new version with its own
    ``effective_from`` (``services.policies.publish_policy_version``). A version may be
    limited to a region subtree (local rules, domain-rules §1.6); the most specific wins.
    """

    kind = models.CharField("诉求类别", max_length=30, choices=AppealKind.choices)
    version = models.PositiveIntegerField("版本")
    effective_from = models.DateTimeField("生效时间")
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="适用区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="留空表示全市适用",
    )
    name = models.CharField("名称", max_length=100)
    legal_basis = models.CharField("依据", max_length=255, blank=True)
    max_representatives = models.PositiveSmallIntegerField("集体访代表人数上限", default=5)
    max_extension_days = models.PositiveSmallIntegerField("延期上限（天）", default=30)
    max_extensions = models.PositiveSmallIntegerField("可延期次数", default=1)
    returns_before_escalation = models.PositiveSmallIntegerField(
        "退单几次后提级（属地兜底）", default=2
    )
    warn_hours = models.PositiveIntegerField("到期前提醒（小时）", default=24)
    escalate_after_hours = models.PositiveIntegerField("超期后再升级到部门（小时）", default=24)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "办理规则"
        verbose_name_plural = "办理规则"
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "region", "version"], name="policy_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    def clock(self, key: str, variant: str = "") -> PolicyClock | None:
        clocks = {(c.key, c.variant): c for c in self.clocks.all()}
        return clocks.get((key, variant)) or clocks.get((key, ""))


class PolicyClock(models.Model):
    """One time limit of a policy: value + unit (natural/working day, hour) + legal basis."""

    policy = models.ForeignKey(AppealPolicy, on_delete=models.CASCADE, related_name="clocks")
    key = models.CharField("时限", max_length=20, choices=ClockKey.choices)
    variant = models.CharField(
        "适用紧急程度",
        max_length=20,
        blank=True,
        choices=Urgency.choices,
        help_text="留空表示各紧急程度通用",
    )
    value = models.PositiveIntegerField("数值")
    unit = models.CharField("单位", max_length=20, choices=TimeUnit.choices)
    legal_basis = models.CharField("依据", max_length=255, blank=True)

    class Meta:
        verbose_name = "时限"
        verbose_name_plural = "时限"
        constraints = [
            models.UniqueConstraint(fields=["policy", "key", "variant"], name="policy_clock_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()} {self.value}{self.get_unit_display()}"


class PetitionerQuerySet(ScopedQuerySet):
    pass


class Petitioner(models.Model):
    """A person who brings appeals. Identity is encrypted; the blind indexes link one
    person's appeals across channels (person history) without decrypting anything."""

    name = EncryptedField("姓名", kind="name")
    phone = EncryptedField("联系电话", kind="phone")
    phone_bidx = BlindIndexField(source="phone")
    id_number = EncryptedField("身份证号", kind="id_number")
    id_number_bidx = BlindIndexField(source="id_number")
    address = EncryptedField("住址", kind="text")
    phone_verified_at = models.DateTimeField("手机验证时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Person history is for roles that may see identities, within their region.
    scope = Scope(capability="appeals.person_history", region=("appeals__region",))
    objects = PetitionerQuerySet.as_manager()

    class Meta:
        verbose_name = "诉求人"
        verbose_name_plural = "诉求人"

    def __str__(self) -> str:
        return str(self.name) or "匿名"


class AppealQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> AppealQuerySet:
        """Scope, then 信访工作条例 第三十条: a unit accused in a 检举控告 never sees it."""
        qs = super().visible_to(user)
        unit_path = getattr(user, "scope_unit_path", None)
        if unit_path and not user.is_superuser:
            accused = Appeal.accused_units.through.objects.filter(
                subtree_q(unit_path, "unit__path")
            ).values("appeal_id")
            qs = qs.exclude(Q(kind=AppealKind.XF_ACCUSATION) & Q(pk__in=accused))
        return qs

    def open(self) -> AppealQuerySet:
        return self.filter(
            status__in=[
                AppealStatus.REGISTERED,
                AppealStatus.ACCEPTED,
                AppealStatus.DISPATCHED,
                AppealStatus.REPLIED,
            ]
        )


class Appeal(models.Model):
    """One matter a citizen raised. Status changes only in ``appeals.services``."""

    number = models.CharField("登记编号", max_length=32, unique=True)
    tracking_hash = models.CharField(max_length=64, editable=False)
    kind = models.CharField("类别", max_length=30, choices=AppealKind.choices)
    stream = models.CharField("来源体系", max_length=20, choices=Stream.choices, db_index=True)
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    urgency = models.CharField(
        "紧急程度", max_length=20, choices=Urgency.choices, default=Urgency.NORMAL
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    region = models.ForeignKey(
        "regions.Region", verbose_name="发生地", on_delete=models.PROTECT, related_name="appeals"
    )
    address = models.CharField("详细地点", max_length=255, blank=True)
    petitioner = models.ForeignKey(
        Petitioner,
        verbose_name="诉求人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    identity_confidential = models.BooleanField(
        "身份保密",
        default=False,
        help_text="诉求人要求保密或检举控告：仅派单员及以上可见身份",
    )
    is_group = models.BooleanField("集体访/联名", default=False)
    headcount = models.PositiveIntegerField("人数", default=1)
    representatives = models.ManyToManyField(
        Petitioner, verbose_name="代表", blank=True, related_name="represented_appeals"
    )
    accused_units = models.ManyToManyField(
        "units.Unit", verbose_name="被检举控告单位", blank=True, related_name="accused_in"
    )
    proxied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代填人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proxy_note = models.CharField("代填说明", max_length=200, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField("登记时间", db_index=True)
    status = models.CharField(
        "状态",
        max_length=20,
        choices=AppealStatus.choices,
        default=AppealStatus.REGISTERED,
        db_index=True,
    )
    policy = models.ForeignKey(AppealPolicy, verbose_name="办理规则", on_delete=models.PROTECT)
    triage_due_at = models.DateTimeField("受理/告知期限", null=True, blank=True)
    triage_provisional = models.BooleanField(default=False)
    triage_breached_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    decision_reason = models.TextField("不予受理/告知理由", blank=True)
    redirect_channel = models.CharField(
        "告知途径", max_length=30, blank=True, choices=RedirectChannel.choices
    )
    lead_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_appeals",
    )
    returns = models.PositiveSmallIntegerField("退单次数", default=0)
    reply_text = models.TextField("答复意见", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_appeals",
    )
    split_from = models.ForeignKey(
        "self",
        verbose_name="拆分自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="split_children",
    )
    source_ref = models.CharField("外部编号", max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    scope = Scope(capability=APPEALS_VIEW, region="region", unit=("work_orders__unit",))
    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = "诉求"
        verbose_name_plural = "诉求"
        ordering = ["-registered_at"]
        indexes = [
            models.Index(fields=["status", "registered_at"]),
            models.Index(fields=["region", "registered_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in {
            AppealStatus.REGISTERED,
            AppealStatus.ACCEPTED,
            AppealStatus.DISPATCHED,
            AppealStatus.REPLIED,
        }


class WorkOrderQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> WorkOrderQuerySet:
        return self.filter(appeal__in=Appeal.objects.visible_to(user)).filter(
            pk__in=super().visible_to(user).values("pk")
        )

    def open(self) -> WorkOrderQuerySet:
        return self.filter(status__in=[WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED])


class WorkOrder(models.Model):
    """One unit's part of an appeal (主办, 协办 or a 吹哨 report), with its own clocks.

    Clocks are computed once when the order starts and stored (house style): ``due_at``
    from the policy's handle clock, pushed by approved extensions; ``warned_at``,
    ``breached_at`` and ``escalation_level`` are set by compare-and-swap in the periodic
    job, so running it twice never escalates twice.
    """

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="work_orders")
    unit = models.ForeignKey(
        "units.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="work_orders"
    )
    role = models.CharField("角色", max_length=10, choices=WorkOrderRole.choices)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=WorkOrderStatus.choices,
        default=WorkOrderStatus.PENDING,
        db_index=True,
    )
    instructions = models.TextField("派单意见", blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dispatched_at = models.DateTimeField("派单时间")
    sign_due_at = models.DateTimeField("签收期限", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    due_at = models.DateTimeField("办理期限", null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField("期限暂定", default=False)
    extended_days = models.PositiveIntegerField("已延期天数", default=0)
    extensions = models.PositiveSmallIntegerField("延期次数", default=0)
    warned_at = models.DateTimeField("临期提醒时间", null=True, blank=True)
    breached_at = models.DateTimeField("超期时间", null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField("升级层级", default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField("退单理由", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    reply_text = models.TextField("办理结果", blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    scope = Scope(capability=APPEALS_VIEW, region="appeal__region", unit="unit")
    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering = ["dispatched_at"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["unit", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.appeal.number} · {self.unit.name}（{self.get_role_display()}）"

    @property
    def is_open(self) -> bool:
        return self.status in {WorkOrderStatus.PENDING, WorkOrderStatus.SIGNED}


class AppealEvent(models.Model):
    """The case timeline people read (not the audit log): each step, who, when, clock."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    public = models.BooleanField("群众可见", default=False)
    public_note = models.TextField("对群众显示", blank=True)
    clock_due_at = models.DateTimeField(null=True, blank=True)
    clock_met = models.BooleanField(null=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "办理过程"
        verbose_name_plural = "办理过程"

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.get_kind_display()}"


class ExtensionRequest(models.Model):
    """延期: requested with a reason, approved by the right role, capped by the policy
    (信访工作条例 第三十四条: ≤ 30 days, reason told to the petitioner)."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="extension_requests"
    )
    days = models.PositiveIntegerField("延期天数")
    reason = models.TextField("理由")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.work_order_id} +{self.days}d {self.status}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"appeals/{instance.appeal_id}/{instance.token}{instance.extension}"


class Attachment(models.Model):
    """Scans, photos, call notes. Type checked by content; served only through scoped views."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    from_citizen = models.BooleanField(default=False)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class IdempotencyRecord(models.Model):
    """A submission key seen before: a retried POST returns the first appeal, never a second."""

    key = models.CharField(max_length=128, unique=True)
    request_hash = models.CharField(max_length=64)
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


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
