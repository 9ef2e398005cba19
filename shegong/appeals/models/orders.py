"""Work orders, the timeline, extensions, attachments and idempotency records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Exists, OuterRef, Q

from shegong.core.roles import Cap
from shegong.core.scoping import Scope, ScopedQuerySet, ScopedUser

from ..choices import (
    EventKind,
    ExtensionStatus,
    WorkOrderRole,
    WorkOrderStatus,
)
from .appeal import Appeal, accused_hidden_q

if TYPE_CHECKING:
    from shegong.accounts.models import User


# An open work order, written as the workbench queues and the partial indexes of their
# rows both write it (an OR of equalities: SQLite uses a partial index only when the
# query's condition contains the index's condition term for term, and ``status =
# 'signed'`` alone is one of its terms).
OPEN_ORDER_Q = Q(status=WorkOrderStatus.PENDING) | Q(status=WorkOrderStatus.SIGNED)


class WorkOrderQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> WorkOrderQuerySet:
        """The order's own scope (its unit or the appeal's place), and the appeal must be
        visible too (the 检举控告 rule).

        An order in scope already puts its appeal in the appeal's scope: the order's unit
        in the user's units is one of the appeal's ``work_orders__unit``, the appeal's
        place in the user's region is the appeal's ``region`` (same capability, same
        city-wide and superuser rules). So "the appeal is visible" reduces to "the appeal
        is not a 检举控告 hidden from the user" (``accused_hidden_q``), without reading
        the user's whole appeal scope: the form with a correlated ``EXISTS`` over
        ``Appeal.visible_to`` made PostgreSQL hash every appeal of the user's units for
        each queue (``visible_to_exists`` keeps it; ``test_queue_plans`` proves both see
        the same orders)."""
        rows = super().visible_to(user)
        hidden = accused_hidden_q(user, via="appeal")
        return rows.exclude(hidden) if hidden is not None else rows

    def visible_to_exists(self, user: ScopedUser | AnonymousUser | None) -> WorkOrderQuerySet:
        """The earlier form: the order's scope and ``EXISTS`` (the appeal is visible). The
        reference of the equivalence test."""
        appeal = Appeal.objects.visible_to(user).filter(pk=OuterRef("appeal_id"))
        return super().visible_to(user).filter(Exists(appeal))

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

    scope = Scope(capability=Cap.APPEALS_VIEW, region="appeal__region", unit="unit")
    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering = ["dispatched_at"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["unit", "status"]),
            # The workbench's order queues (``views_workbench._queues``). Open orders are a
            # small share of the table, so each queue has a partial index of only its rows,
            # in its deadline order: a page is read in that order and stops after 30 rows,
            # the count reads only the queue's rows. The queue's filter repeats the
            # condition, which is what lets SQLite and PostgreSQL use the index.
            # 待签收 of the handler's own units, by signing deadline:
            models.Index(
                fields=["unit", "sign_due_at"],
                condition=Q(status=WorkOrderStatus.PENDING),
                name="order_queue_to_sign",
            ),
            # 办理中 of the handler's own units, by handling deadline:
            models.Index(
                fields=["unit", "due_at"],
                condition=Q(status=WorkOrderStatus.SIGNED),
                name="order_queue_handling",
            ),
            # 临期 / 已超期 of the handler's own units, by handling deadline:
            models.Index(
                fields=["unit", "due_at"],
                condition=OPEN_ORDER_Q,
                name="order_queue_unit_open",
            ),
            # 临期 / 已超期 of everything a dispatcher sees, by handling deadline:
            models.Index(fields=["due_at"], condition=OPEN_ORDER_Q, name="order_queue_open"),
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


class ExtensionRequestQuerySet(models.QuerySet["ExtensionRequest"]):
    def pending_visible_to(self, user: User) -> ExtensionRequestQuerySet:
        """Pending requests on work orders ``user`` may see (the workbench's 延期待审批).

        Reads the few pending rows through the partial index ``extension_pending`` and
        checks each one's work order (a correlated ``EXISTS``). ``work_order__in=
        WorkOrder.objects.visible_to(user)`` would first list every visible work order
        (17.5 ms against 0.7 ms for 10,000 orders; see ``bench/appeals_search.py``)."""
        visible = WorkOrder.objects.visible_to(user).filter(pk=OuterRef("work_order_id"))
        return self.filter(Exists(visible), status=ExtensionStatus.PENDING)


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

    objects = ExtensionRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            # The workbench's 延期待审批 count and queue: few requests are pending at any
            # time, so an index of only those (the query repeats the condition exactly).
            models.Index(
                fields=["work_order"],
                condition=Q(status=ExtensionStatus.PENDING),
                name="extension_pending",
            ),
        ]

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
