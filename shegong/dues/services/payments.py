"""The payments ledger: record payments (usually several months at once) and reversals.
Rows are never updated or deleted (``models.ledger.PaymentQuerySet``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.roles import Cap
from shegong.lib.partyrules.months import Month

from ..choices import PaymentKind, PaymentMethod
from ..models import DuesAssessment, DuesPayment
from .common import first_owed, last_owed, member_in_scope, need, parse_money

# Paying ahead is allowed up to the end of the assessed year; more than this many months
# in one payment is refused as a probable typo.
MAX_MONTHS = 24


class OverpayNeedsConfirmation(DomainError):
    """A month would be paid beyond its amount: the form asks to confirm (自愿多交)."""

    code = "overpay_needs_confirmation"


def _label(month: Month) -> str:
    return f"{month.year}年{month.month}月"


def month_dues(member_id: int, months: Sequence[Month]) -> dict[Month, tuple[Decimal, Decimal]]:
    """(paid so far, net) per month for one member — two queries."""
    years = {m.year for m in months}
    amounts = dict(
        DuesAssessment.objects.filter(member_id=member_id, year__in=years).values_list(
            "year", "monthly_amount"
        )
    )
    paid = {
        Month.of(row["month"]): row["total"]
        for row in DuesPayment.objects.filter(
            member_id=member_id, month__in=[m.first_day for m in months]
        )
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    return {m: (amounts.get(m.year, Decimal(-1)), paid.get(m, Decimal(0))) for m in months}


def record_payment(
    *,
    actor: User,
    member_id: int,
    months: Sequence[Month],
    method: str,
    paid_on: date | None = None,
    amount_per_month: Decimal | str | None = None,
    confirm_overpay: bool = False,
    note: str = "",
) -> list[DuesPayment]:
    """One row per month paid. By default each month gets what it still owes (a member who
    pays Q1 pays three rows of the monthly amount). A month already paid in full, or an
    ``amount_per_month`` beyond what is owed, is refused with the months named unless
    ``confirm_overpay`` (a voluntary extra, 第十一条); the extra shows in the arrears report's
    ``overpaid``."""
    need(actor, Cap.DUES_MANAGE, "您的角色不能登记党费")
    if not months:
        raise DomainError("请选择缴纳的月份")
    chosen = sorted(set(months))
    if len(chosen) > MAX_MONTHS:
        raise DomainError(f"一次最多登记 {MAX_MONTHS} 个月")
    if method not in PaymentMethod.values:
        raise DomainError("请选择缴纳方式")
    today = timezone.localdate()
    paid_on = paid_on or today
    if paid_on > today:
        raise DomainError("缴纳日期不能晚于今天")
    explicit = None if amount_per_month in (None, "") else parse_money(amount_per_month, "金额")
    with transaction.atomic():
        # Lock the member row: payments for one member are serialized, so two clerks cannot
        # both pay the same month (the ledger itself is insert-only).
        member = member_in_scope(actor, member_id, lock=True)
        if not member.is_party_member:
            raise DomainError("只有预备党员和正式党员缴纳党费")
        start, end = first_owed(member), last_owed(member)
        dues = month_dues(member.pk, chosen)
        rows: list[DuesPayment] = []
        problems: list[str] = []
        overpaid: list[str] = []
        for month in chosen:
            owed, paid = dues[month]
            if owed < 0:
                problems.append(f"{month.year}年度尚未核定党费基数，请先录入")
                continue
            if start is not None and month < start:
                problems.append(
                    f"{_label(month)}早于支部大会接收为预备党员的月份（{_label(start)}），不需缴纳"
                )
                continue
            if end is not None and month > end:
                problems.append(f"{_label(month)}该党员已离册，不需缴纳")
                continue
            remaining = max(owed - paid, Decimal(0))
            if explicit is None:
                if owed == 0:
                    problems.append(f"{_label(month)}已批准免交，不需缴纳")
                    continue
                if remaining == 0:
                    problems.append(
                        f"{_label(month)}的党费已缴清（{owed} 元），不能重复缴纳；"
                        "如党员自愿多交，请填写每月金额并勾选“确认多交”"
                    )
                    continue
                amount = remaining
            else:
                if explicit == 0:
                    problems.append("金额须大于 0")
                    continue
                amount = explicit
                if paid + amount > owed and not confirm_overpay:
                    overpaid.append(f"{_label(month)}应缴 {owed} 元，已缴 {paid} 元")
            rows.append(
                DuesPayment(
                    member=member,
                    organization_id=member.organization_id,
                    month=month.first_day,
                    amount=amount,
                    kind=PaymentKind.PAYMENT,
                    method=method,
                    paid_on=paid_on,
                    note=note.strip()[:200],
                    recorded_by=actor,
                )
            )
        if problems:
            raise DomainError("；".join(dict.fromkeys(problems)))
        if overpaid:
            raise OverpayNeedsConfirmation(
                "以下月份将超出应缴金额："
                + "；".join(overpaid)
                + "。如党员自愿多交，请勾选“确认多交”后再提交"
            )
        for row in rows:
            row.save(force_insert=True)
        audit.record(
            "dues_paid",
            actor=actor,
            target=member,
            changes={
                "months": [None, [str(Month.of(r.month)) for r in rows]],
                "amount": [None, str(sum((r.amount for r in rows), Decimal(0)))],
            },
            note=note.strip()[:200],
        )
    return rows


def reverse_payment(*, actor: User, payment_id: int, reason: str) -> DuesPayment:
    """冲正: a negative row for the same month naming the reversed row; each row once."""
    need(actor, Cap.DUES_MANAGE, "您的角色不能冲正党费记录")
    reason = reason.strip()
    if not reason:
        raise DomainError("请填写冲正原因")
    with transaction.atomic():
        original = (
            DuesPayment.objects.visible_to(actor)
            .select_related("member", "organization__region")
            .filter(pk=payment_id)
            .first()
        )
        if original is None:
            raise DomainError("缴费记录不存在或不在您的管辖范围内", code="not_found")
        member_in_scope(actor, original.member_id, lock=True)
        if original.kind == PaymentKind.REVERSAL:
            raise DomainError("冲正记录不能再冲正")
        if DuesPayment.objects.filter(reverses=original).exists():
            raise DomainError("该记录已经冲正过")
        row = DuesPayment(
            member_id=original.member_id,
            organization=original.organization,
            month=original.month,
            amount=-original.amount,
            kind=PaymentKind.REVERSAL,
            method=original.method,
            reverses=original,
            paid_on=timezone.localdate(),
            note=reason[:200],
            recorded_by=actor,
        )
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError as exc:
            raise DomainError("该记录已经冲正过") from exc
        audit.record(
            "dues_payment_reversed",
            actor=actor,
            target=row,
            changes={"reverses": [None, original.pk], "amount": [None, str(row.amount)]},
            note=reason[:200],
        )
    return row
