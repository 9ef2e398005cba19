"""Citizen appeals: 信访事项, 12345 诉求 and 人民建议, their work orders, clocks and timeline."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from shegong.core.pii import BlindIndexField, EncryptedField
from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet
from shegong.core.tree import path_prefixes
from shegong.lib.masking import mask_identifiers

from .choices import (
    AppealKind,
    AppealStatus,
    Channel,
    ClockKey,
    EventKind,
    ExtensionStatus,
    RedirectChannel,
    ReviewLevel,
    ReviewOutcome,
    RevisitMethod,
    Satisfaction,
    Stream,
    TimeUnit,
    Urgency,
    WorkOrderRole,
    WorkOrderStatus,
)

APPEALS_VIEW = Cap.APPEALS_VIEW


def masked_copy(*texts: str | None) -> str:
    """``texts`` with identifiers masked, one per line: what a viewer who may not see the
    petitioner's identity reads, stored so that search filters it in SQL."""
    return "\n".join(mask_identifiers(t) for t in texts)


class MaskedCopyField(models.TextField):  # type: ignore[type-arg]
    """A read-only copy of other text fields of the row with identifiers masked
    (``masked_copy``), computed in ``pre_save``: ``save()``, ``objects.create``,
    ``bulk_create`` and ``core.db.bulk_insert`` all write it. ``QuerySet.update`` and
    ``bulk_update`` do not call ``pre_save``: a path that writes the sources that way must
    write this column too."""

    def __init__(self, *args: Any, sources: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.sources = tuple(sources)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["sources"] = self.sources
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = masked_copy(*(getattr(model_instance, s) for s in self.sources))
        setattr(model_instance, self.attname, value)
        return value


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
    redo_target = models.CharField(
        "不满意重办交由",
        max_length=10,
        default="same",
        choices=[("same", "原承办单位"), ("above", "上一级单位")],
    )
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
    scope = Scope(capability=Cap.APPEALS_PERSON_HISTORY, region=("appeals__region",))
    objects = PetitionerQuerySet.as_manager()

    class Meta:
        verbose_name = "诉求人"
        verbose_name_plural = "诉求人"

    def __str__(self) -> str:
        return str(self.name) or "匿名"


class AppealQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> AppealQuerySet:
        """Scope, then 信访工作条例 第三十条: the accused unit (and anyone inside it) never
        sees a 检举控告 against it. The units above it (its supervisors) may handle it."""
        qs = super().visible_to(user)
        unit_path = getattr(user, "scope_unit_path", None)
        if unit_path and not user.is_superuser:
            accused = Appeal.accused_units.through.objects.filter(
                unit__path__in=path_prefixes(unit_path)
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
    # Title and body with identifiers masked, for search by viewers who may not see the
    # petitioner's identity (``services.identity.search_free_text``); written on every save.
    masked_search_text = MaskedCopyField("标题和内容（已脱敏）", sources=("title", "body"))
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
    # The dispatcher's final category (taxonomy.csv 一级/二级): set when dispatching or
    # accepting a triage suggestion, correctable later. The label `shegong triage train`
    # learns from — the city's own practice, not the model's guess.
    category_l1 = models.CharField("诉求类别（一级）", max_length=50, blank=True)
    category_l2 = models.CharField("诉求类别（二级）", max_length=50, blank=True)
    category_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="定类人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    returns = models.PositiveSmallIntegerField("退单次数", default=0)
    round = models.PositiveSmallIntegerField("办理轮次", default=1)
    revisit_due_at = models.DateTimeField("回访期限", null=True, blank=True)
    finality_at = models.DateTimeField(
        "复核终结时间",
        null=True,
        blank=True,
        help_text="信访工作条例 第三十六条第三款：同一事实和理由不再受理",
    )
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

    # Seen by the units that handle it and by the 复查/复核 bodies its reviews went to (the
    # body one level above may be outside the place's region and not a handling unit).
    scope = Scope(
        capability=APPEALS_VIEW,
        region="region",
        unit=("work_orders__unit", "reviews__reviewer_unit"),
    )
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
        # Audit rows, the admin and notifications print this: identifiers typed into the
        # title are masked (issue #12).
        return f"{self.number} {mask_identifiers(self.title)}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A save of only some fields that include the title or body refreshes the masked copy.
        fields = kwargs.get("update_fields")
        if fields is not None and {"title", "body"} & set(fields):
            kwargs["update_fields"] = [*fields, "masked_search_text"]
        super().save(*args, **kwargs)

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
        """The order's own scope (its unit or the appeal's place), and the appeal must be
        visible too (the 检举控告 rule); one subquery, not two."""
        return super().visible_to(user).filter(appeal__in=Appeal.objects.visible_to(user))

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
    round = models.PositiveSmallIntegerField("办理轮次", default=1)
    redo_of = models.ForeignKey(
        "self",
        verbose_name="重办自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redos",
    )
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
    # A letter, an ID card photo, a call note: it shows who the petitioner is. Opened only
    # by those who may see the petitioner's identity (services.identity.can_see_identity),
    # each download audited; kept off the public page (suggestions.services.publication).
    confidential = models.BooleanField(
        "含诉求人身份信息或保密内容",
        default=True,
        help_text="信访工作条例第三十条、接诉即办条例第八条：仅有权查看诉求人身份的人员可下载",
    )

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

    scope = Scope(capability=APPEALS_VIEW, region="region", unit=("appeals__work_orders__unit",))
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


class AssessmentConfig(models.Model):
    """三率 weights and marks (domain-rules §2.2: not official; configurable). One row, pk=1.

    composite = w_response·响应率 + w_resolution·解决率 + w_satisfaction·满意率
                + w_on_time·按期办结率; 满意率 = (满意 + basic_weight·基本满意) / 有效回访.
    """

    w_response = models.DecimalField("响应率权重", max_digits=4, decimal_places=3, default=0.1)
    w_resolution = models.DecimalField("解决率权重", max_digits=4, decimal_places=3, default=0.5)
    w_satisfaction = models.DecimalField("满意率权重", max_digits=4, decimal_places=3, default=0.4)
    w_on_time = models.DecimalField("按期办结率权重", max_digits=4, decimal_places=3, default=0)
    basic_weight = models.DecimalField("基本满意折算", max_digits=4, decimal_places=3, default=0.9)
    red_share = models.DecimalField(
        "红牌比例（排名末位）", max_digits=4, decimal_places=3, default=0.1
    )
    yellow_share = models.DecimalField("黄牌比例", max_digits=4, decimal_places=3, default=0.1)
    min_revisits = models.PositiveIntegerField("参与排名的最少有效回访数", default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "考核参数"
        verbose_name_plural = "考核参数"

    def __str__(self) -> str:
        return "考核参数"


class AssessmentFact(models.Model):
    """One handling round of one appeal as the assessment counts it: the lead unit of that
    round, whether the reply was on time, and the citizen's revisit. Maintained by
    ``services.assessment`` in the same transaction as the reply / revisit / 申诉 decision,
    together with :class:`UnitMonthStat`. A 重办 round is a new fact; the first round keeps
    its 不满意 (counted against the first handling)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="facts")
    round = models.PositiveSmallIntegerField()
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="facts")
    region_path = models.CharField(max_length=255, db_index=True)
    month = models.DateField(db_index=True)
    replied_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField()
    revisited = models.BooleanField(default=False)
    contacted = models.BooleanField(default=False)
    resolved = models.BooleanField(default=False)
    satisfaction = models.CharField(max_length=15, blank=True, choices=Satisfaction.choices)
    exempt = models.BooleanField("申诉免责", default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appeal", "round"], name="one_fact_per_round")
        ]
        indexes = [models.Index(fields=["month", "unit"])]

    def __str__(self) -> str:
        return f"{self.appeal_id}#{self.round}"


class UnitMonthStat(models.Model):
    """Counters per unit and month, kept equal to the GROUP BY over :class:`AssessmentFact`
    by F() increments (tests compare them on random data). ``ex_*`` count exempt facts;
    adjusted figures are raw minus exempt."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="month_stats")
    month = models.DateField(db_index=True)
    replied = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    revisited = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basic = models.PositiveIntegerField(default=0)
    dissatisfied = models.PositiveIntegerField(default=0)
    ex_replied = models.PositiveIntegerField(default=0)
    ex_on_time = models.PositiveIntegerField(default=0)
    ex_revisited = models.PositiveIntegerField(default=0)
    ex_contacted = models.PositiveIntegerField(default=0)
    ex_resolved = models.PositiveIntegerField(default=0)
    ex_satisfied = models.PositiveIntegerField(default=0)
    ex_basic = models.PositiveIntegerField(default=0)
    ex_dissatisfied = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="one_stat_per_unit_month")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"


class ScoreAppeal(models.Model):
    """申诉/免责: a unit contests one appeal's effect on its score (unreasonable demand, out of
    jurisdiction…); a reviewer accepts (the fact becomes exempt: adjusted figures change,
    raw ones never) or rejects."""

    fact = models.ForeignKey(AssessmentFact, on_delete=models.CASCADE, related_name="score_appeals")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    reason_kind = models.CharField(
        "申诉类型",
        max_length=20,
        choices=[
            ("unreasonable", "诉求不合理"),
            ("out_of_jurisdiction", "非本单位职责"),
            ("duplicate", "重复诉求"),
            ("other", "其他"),
        ],
    )
    text = models.TextField("申诉理由")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    status = models.CharField(
        max_length=10,
        default="pending",
        choices=[("pending", "待审核"), ("accepted", "已认可"), ("rejected", "未认可")],
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = "考核申诉"
        verbose_name_plural = "考核申诉"
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.fact} {self.get_status_display()}"
