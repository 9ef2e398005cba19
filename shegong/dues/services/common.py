"""Helpers shared by the dues services: the policy, month values, members in scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.permissions import has_capability
from shegong.lib.partyrules.dues import DEFAULT_DUES_POLICY, DuesPolicy
from shegong.lib.partyrules.months import Month
from shegong.lib.text import parse_id
from shegong.members.models import Member

# Years a base may be entered for: the current year ± this (a clerk enters next year's base
# in December; older years are corrections).
YEAR_WINDOW = 5
MAX_BASE = Decimal("10000000")


def dues_policy() -> DuesPolicy:
    """The policy in force (the library's documented defaults; see docs/dues.md)."""
    return DEFAULT_DUES_POLICY


def need(actor: User, capability: str, message: str) -> None:
    if not has_capability(actor, capability):
        raise PermissionDenied(message)


def member_in_scope(actor: User, member_id: int, *, lock: bool = False) -> Member:
    """The member through the actor's scope (DomainError 不存在 otherwise, never a leak)."""
    rows = Member.objects.visible_to(actor).select_related("organization__region")
    if lock:
        rows = rows.select_for_update(of=("self",))
    member = rows.filter(pk=member_id).first()
    if member is None:
        raise DomainError("党员不存在或不在您的管辖范围内", code="not_found")
    return member


def parse_money(text: object, label: str) -> Decimal:
    try:
        value = Decimal(str(text).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(f"{label}“{text}”不是有效的金额") from exc
    if not value.is_finite():
        raise DomainError(f"{label}“{text}”不是有效的金额")
    if value < 0:
        raise DomainError(f"{label}不能为负数")
    if value > MAX_BASE:
        raise DomainError(f"{label}超出合理范围")
    if value != value.quantize(Decimal("0.01")):
        raise DomainError(f"{label}最多保留两位小数（分）")
    return value.quantize(Decimal("0.01"))


def parse_month(text: str) -> Month:
    """``2026-03`` (or ``2026-3``, ``2026年3月``) → ``Month``; DomainError in Chinese. Only
    years of the :func:`check_year` window are accepted (a far year would build tens of
    thousands of months, or overflow ``date``)."""
    cleaned = text.strip().replace("年", "-").replace("月", "").replace("/", "-")
    parts = cleaned.split("-")
    year = parse_id(parts[0]) if len(parts) >= 2 else None
    month = parse_id(parts[1]) if len(parts) >= 2 else None
    if year is None or month is None or not 1 <= month <= 12:
        raise DomainError(f"月份“{text}”格式不正确，应为 2026-03")
    check_year(year, timezone.localdate())
    return Month(year, month)


def check_year(year: int, today: date) -> None:
    if not today.year - YEAR_WINDOW <= year <= today.year + 1:
        raise DomainError(
            f"年度应在 {today.year - YEAR_WINDOW}–{today.year + 1} 年之间", code="bad_year"
        )


def first_owed(member: Member) -> Month | None:
    """D4: a member owes from the month of the 支部大会 date (``admitted_on``); None when
    the date is not recorded (then the assessed years alone say what is owed)."""
    from shegong.lib.partyrules.dues import first_month_owed

    return first_month_owed(member.admitted_on) if member.admitted_on else None


def last_owed(member: Member) -> Month | None:
    """A member who left the roll owes through the month they left."""
    return Month.of(member.left_on) if member.left_on else None
