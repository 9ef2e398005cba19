"""How long operational records are kept (等保: 数据生命周期), purged daily.

Each :class:`Rule` names a kind of record, the date that starts its clock, which rows are
eligible (a queued SMS or an unread notification is never purged) and a default and a
minimum number of days. ``SHEGONG_RETENTION_DAYS`` (JSON, e.g. ``{"sms": 365}``) changes the
days per kind; a value below the minimum is refused at start-up (``core.checks``).

**Audit events are never purged** (网络安全法 第二十一条 requires ≥ 6 months; the chain's
integrity needs every event): they are not a rule here. Personal data inside appeals,
volunteers and members follows those records' own lifecycle, not this module.

The daily job ``core.purge_expired_records`` deletes in batches and writes one audit event
per run naming what it removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

BATCH = 5000


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    model: Callable[[], type[models.Model]]
    date_field: str
    eligible: Callable[[], Q]
    default_days: int
    minimum_days: int


def _sms() -> type[models.Model]:
    from .models import SmsMessage

    return SmsMessage


def _sms_done() -> Q:
    from .models import SmsStatus

    return Q(status__in=[SmsStatus.SENT, SmsStatus.FAILED])


def _notification() -> type[models.Model]:
    from .models import Notification

    return Notification


def _task_result() -> type[models.Model]:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult


def _task_done() -> Q:
    from django_tasks.base import TaskResultStatus

    return Q(status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED])


def _periodic_run() -> type[models.Model]:
    from .models import PeriodicRun

    return PeriodicRun


def _verification() -> type[models.Model]:
    from .models import AuditVerification

    return AuditVerification


RULES: tuple[Rule, ...] = (
    Rule("sms", "短信发送记录（已发送或发送失败）", _sms, "created_at", _sms_done, 180, 30),
    Rule(
        "notifications",
        "已读的站内通知",
        _notification,
        "read_at",
        lambda: Q(read_at__isnull=False),
        365,
        30,
    ),
    Rule("task_results", "已结束的后台任务记录", _task_result, "finished_at", _task_done, 30, 7),
    Rule("periodic_runs", "定时任务执行记录", _periodic_run, "enqueued_at", Q, 90, 7),
    Rule(
        "audit_verifications",
        "审计链校验记录（校验通过的）",
        _verification,
        "checked_at",
        lambda: Q(ok=True),
        365,
        180,
    ),
)


def configured_days() -> dict[str, int]:
    overrides: dict[str, int] = dict(getattr(settings, "SHEGONG_RETENTION_DAYS", {}) or {})
    return {rule.key: int(overrides.get(rule.key, rule.default_days)) for rule in RULES}


def problems() -> list[str]:
    """Chinese descriptions of settings the rules refuse (unknown kinds, too few days)."""
    overrides: dict[str, int] = dict(getattr(settings, "SHEGONG_RETENTION_DAYS", {}) or {})
    known = {rule.key: rule for rule in RULES}
    found = [
        f"SHEGONG_RETENTION_DAYS 中的“{key}”不是可设置的记录类型"
        for key in overrides
        if key not in known
    ]
    for key, days in overrides.items():
        rule = known.get(key)
        if rule is not None and int(days) < rule.minimum_days:
            found.append(f"{rule.label}至少保存 {rule.minimum_days} 天（设置的是 {days} 天）")
    return found


def purge_expired(now: datetime | None = None) -> dict[str, int]:
    """Delete every record past its retention; the number removed per kind (kinds with
    nothing to remove are left out)."""
    from . import audit

    now = now or timezone.now()
    days = configured_days()
    removed: dict[str, int] = {}
    for rule in RULES:
        model = rule.model()
        keep = max(days[rule.key], rule.minimum_days)
        cutoff = now - timedelta(days=keep)
        expired = model._default_manager.filter(rule.eligible()).filter(
            **{f"{rule.date_field}__lt": cutoff}
        )
        total = 0
        while True:
            ids = list(expired.values_list("pk", flat=True)[:BATCH])
            if not ids:
                break
            total += model._default_manager.filter(pk__in=ids).delete()[0]
        if total:
            removed[rule.key] = total
    if removed:
        labels = {rule.key: rule.label for rule in RULES}
        with transaction.atomic():
            audit.record(
                "records_purged",
                actor=None,
                changes={key: [count, 0] for key, count in removed.items()},
                note="；".join(f"{labels[key]} {count} 条" for key, count in removed.items()),
            )
    return removed
