"""Foundation models: the audit trail, the editable holiday calendar, periodic-job runs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from .pii import EncryptedField
from .roles import Cap
from .scoping import Scope, ScopedQuerySet


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an append-only row."""


class AppendOnlyRowsQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")


class AuditEventQuerySet(ScopedQuerySet, AppendOnlyRowsQuerySet):  # type: ignore[override]
    pass


class AuditEvent(models.Model):
    """One audited fact: a create, change, state transition, unmasked view or export.

    Append-only and hash-chained: ``hash = SM3(prev_hash | canonical fields)``; ``seq`` is
    gap-free (assigned under the chain-head lock), so deleting, editing or reordering a row
    is detected by ``shegong verify-audit``. Written only by :func:`core.audit.record`.
    """

    seq = models.BigIntegerField("序号", unique=True)
    occurred_at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_repr = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("事件", max_length=64, db_index=True)
    target_type = models.CharField("对象类型", max_length=100, blank=True, db_index=True)
    target_id = models.CharField("对象编号", max_length=64, blank=True, db_index=True)
    target_repr = models.CharField("对象", max_length=255, blank=True)
    # Region path of the target at the time, so auditors can filter by jurisdiction.
    region_path = models.CharField("所属区划路径", max_length=255, blank=True, db_index=True)
    changes = models.JSONField("变更", default=dict, blank=True)
    note = models.TextField("说明", blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    success = models.BooleanField("成功", default=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    scope = Scope(capability=Cap.AUDIT_VIEW, region_path_column="region_path")
    objects = models.Manager.from_queryset(AuditEventQuerySet)()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-seq"]
        indexes = [models.Index(fields=["target_type", "target_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit events are append-only")


class AuditChainHead(models.Model):
    """Single row (pk=1): the last sequence number and hash. Locked while appending."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链头"

    def __str__(self) -> str:
        return f"#{self.last_seq}"


class AuditVerification(models.Model):
    """Result of one run of the chain verification (daily task or command)."""

    checked_at = models.DateTimeField("校验时间", auto_now_add=True)
    ok = models.BooleanField("完整")
    events_checked = models.BigIntegerField("校验条数")
    first_bad_seq = models.BigIntegerField("首个异常序号", null=True, blank=True)
    detail = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "审计链校验"
        verbose_name_plural = "审计链校验"
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'BROKEN'}"


class CalendarDay(models.Model):
    """An administrator's entry in the official holiday calendar (国务院办公厅 notice).

    Overrides chinesecalendar for that date; for years the library does not know, the
    administrator enters every holiday and 调休 day and then marks the year complete.
    """

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日", help_text="节假日填“否”；调休上班日填“是”")
    name = models.CharField("名称", max_length=50, blank=True, help_text="如：春节、国庆节调休")
    source = models.CharField(
        "依据", max_length=200, blank=True, help_text="如：国办发明电〔2026〕X号"
    )

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.name}"


class CalendarYear(models.Model):
    """A year whose official calendar an administrator has entered completely."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    complete = models.BooleanField("已完整录入", default=False)
    source = models.CharField("依据", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "年度日历"
        verbose_name_plural = "年度日历"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年{'（已完整录入）' if self.complete else ''}"


class WorkerHeartbeat(models.Model):
    """A task worker's sign of life (``core.worker_lease``): a running task whose worker has
    not beaten for the lease time is recovered — run again if it is idempotent, failed with
    a reason otherwise."""

    worker_id = models.CharField("任务进程", max_length=64, unique=True)
    host = models.CharField("主机", max_length=100)
    pid = models.PositiveIntegerField("进程号")
    started_at = models.DateTimeField("启动时间", auto_now_add=True)
    beat_at = models.DateTimeField("最近心跳", db_index=True)

    class Meta:
        verbose_name = "后台任务进程心跳"
        verbose_name_plural = "后台任务进程心跳"

    def __str__(self) -> str:
        return self.worker_id


class PeriodicRun(models.Model):
    """One claimed slot of a periodic job; the unique key makes double scheduling harmless."""

    job = models.CharField(max_length=100)
    slot = models.CharField(max_length=40)
    enqueued_at = models.DateTimeField(auto_now_add=True)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="periodic_run_once")]
        ordering = ["-enqueued_at"]

    def __str__(self) -> str:
        return f"{self.job}@{self.slot}"


class Notification(models.Model):
    """An in-app message to one user (clock warnings, escalations, dispatches).

    Written by :func:`core.notify.notify`; SMS or other channels hang off the same call.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=255, blank=True)
    level = models.CharField("级别", max_length=10, default="info")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class SmsStatus(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    # The gateway may have taken it (timeout after sending, 5xx): not sent again by itself.
    UNKNOWN = "unknown", "结果未知"


class SmsMessage(models.Model):
    """One SMS to a citizen, written in the transaction of the action that causes it and
    sent by a task after commit (``core.notify.queue_sms``), so a gateway error never undoes
    or breaks the action. Failures are retried, then kept as 发送失败 with the gateway's error
    for administrators (admin 短信发送记录). Verification codes are sent at once and only a
    failure is recorded here, with the code blanked out.

    Phone and text are personal data: encrypted at rest like every other phone number.
    """

    phone = EncryptedField("手机号码", kind="phone")
    text = EncryptedField("内容", kind="text")
    purpose = models.CharField("用途", max_length=50, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_try_at = models.DateTimeField("下次尝试", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信发送记录"
        verbose_name_plural = "短信发送记录"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_try_at"], name="sms_status_next_idx")]

    def __str__(self) -> str:
        return f"{self.purpose or '短信'}（{self.get_status_display()}）"


def document_template_path(instance: DocumentTemplate, filename: str) -> str:
    """``document_templates/<kind>/<uuid>.docx`` — never the uploader's file name."""
    import uuid

    return f"document_templates/{instance.kind}/{uuid.uuid4().hex}.docx"


class DocumentTemplate(models.Model):
    """An uploaded Office template (.docx) for one registered document kind
    (``core.documents``). At most one row per kind is active; none active means the default
    shipped in the repository is used. Rows and their files are never deleted, so every
    template ever used stays in the history (reverting only deactivates). Written only by
    the services in ``core.documents``, after the file passed ``check_template``.
    """

    kind = models.CharField("文书类型", max_length=64, db_index=True)
    file = models.FileField("模板文件", upload_to=document_template_path, max_length=255)
    original_name = models.CharField("上传文件名", max_length=255, blank=True)
    sha256 = models.CharField("文件摘要", max_length=64)
    active = models.BooleanField("使用中", default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "文书模板文件"
        verbose_name_plural = "文书模板文件"
        ordering = ["kind", "-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(active=True),
                name="core_documenttemplate_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"
