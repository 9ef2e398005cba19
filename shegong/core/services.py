"""Foundation services: revealing personal data, recording exports, the holiday calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from . import audit
from .audit_display import model_label
from .calendar import invalidate
from .exceptions import DomainError
from .models import CalendarDay, CalendarYear
from .pii import EncryptedField, Sensitive
from .roles import Cap
from .scoping import Actor, signed_in


def reveal_personal_data(
    *, actor: Actor | AnonymousUser, obj: models.Model, field_name: str, reason: str
) -> str:
    """Return the plaintext of one encrypted field and audit it.

    The caller must have loaded ``obj`` through ``visible_to(actor)``. The role must hold
    ``pii.reveal``; a reason is required (信访工作条例 第三十条 confidentiality; 个人信息
    保护法 第五十一条 least privilege).
    """
    actor = signed_in(actor)
    if not actor.has_capability(Cap.PII_REVEAL):
        raise PermissionDenied("您的角色不能查看完整个人信息")
    field = obj._meta.get_field(field_name)
    if not isinstance(field, EncryptedField):
        raise DomainError("该字段不是受保护的个人信息")
    # A model whose field carries someone else's protected identity (a service order holds
    # the petitioner's phone) answers ``reveal_allowed(actor, field_name)``.
    allowed = getattr(obj, "reveal_allowed", None)
    if callable(allowed) and not allowed(actor, field_name):
        raise PermissionDenied("您的角色不能查看该记录的这项个人信息")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("请填写查看原因（至少2个字）", code="reason_required")
    value = getattr(obj, field.attname)
    plaintext = value.reveal() if isinstance(value, Sensitive) else (value or "")
    audit.record(
        "pii_revealed",
        actor=actor,
        target=obj,
        changes={"field": field_name},
        note=reason,
    )
    return plaintext


def record_export(
    *,
    actor: Actor | AnonymousUser,
    what: str,
    count: int,
    filters: dict[str, Any],
    unmasked: bool = False,
) -> None:
    """Every export is audited with its filters and whether it contained full personal data."""
    actor = signed_in(actor)
    audit.record(
        "data_exported",
        actor=actor,
        target_type=what,
        target_repr=f"{model_label(what) or what} {count} 条",
        changes={"filters": filters, "rows": count, "unmasked": unmasked},
    )


def set_calendar_day(
    *, actor: Actor | AnonymousUser, day: date, is_workday: bool, name: str = "", source: str = ""
) -> CalendarDay:
    actor = signed_in(actor)
    if not actor.has_capability(Cap.CALENDAR_MANAGE):
        raise PermissionDenied("您的角色不能维护节假日")
    with transaction.atomic():
        existing = CalendarDay.objects.filter(date=day).first()
        before = audit.snapshot(existing) if existing else {}
        entry, _ = CalendarDay.objects.update_or_create(
            date=day, defaults={"is_workday": is_workday, "name": name, "source": source}
        )
        audit.record(
            "calendar_day_set",
            actor=actor,
            target=entry,
            changes=audit.diff(before, audit.snapshot(entry)),
        )
        transaction.on_commit(invalidate)
    return entry


def delete_calendar_day(*, actor: Actor | AnonymousUser, day: date) -> None:
    actor = signed_in(actor)
    if not actor.has_capability(Cap.CALENDAR_MANAGE):
        raise PermissionDenied("您的角色不能维护节假日")
    with transaction.atomic():
        entry = CalendarDay.objects.filter(date=day).first()
        if entry is None:
            return
        audit.record(
            "calendar_day_deleted",
            actor=actor,
            target=entry,
            changes=audit.diff(audit.snapshot(entry), {}),
        )
        entry.delete()
        transaction.on_commit(invalidate)


def mark_calendar_year(
    *, actor: Actor | AnonymousUser, year: int, complete: bool, source: str = ""
) -> CalendarYear:
    """Declare that every holiday and 调休 day of ``year`` has been entered (or withdraw it)."""
    actor = signed_in(actor)
    if not actor.has_capability(Cap.CALENDAR_MANAGE):
        raise PermissionDenied("您的角色不能维护节假日")
    if complete and not CalendarDay.objects.filter(date__year=year).exists():
        raise DomainError(f"{year}年尚未录入任何节假日，不能标记为已完整录入")
    with transaction.atomic():
        entry, _ = CalendarYear.objects.update_or_create(
            year=year, defaults={"complete": complete, "source": source}
        )
        audit.record(
            "calendar_year_marked",
            actor=actor,
            target=entry,
            changes={"complete": complete, "source": source},
        )
        transaction.on_commit(invalidate)
    return entry
