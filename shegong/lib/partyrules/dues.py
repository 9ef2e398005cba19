"""党费 (party dues): monthly amounts, arrears and flags.

Source: 中组部《关于中国共产党党费收缴、使用和管理的规定》(组通字〔2008〕3号), see
``docs/rules/domain-rules.md`` §5 and ``docs/rules/party-rules.md``.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from shegong.lib.partyrules.months import Month, months_between

__all__ = [
    "DEFAULT_DUES_POLICY",
    "ArrearsReport",
    "Bracket",
    "DuesCategory",
    "DuesPolicy",
    "HardshipApproval",
    "arrears",
    "bracket_rate",
    "first_month_owed",
    "goes_to_centre",
    "monthly_amount",
    "owed_schedule",
]


class DuesCategory(StrEnum):
    SALARIED = "salaried"  # 在职 (incl. 年薪制 and self-employed: the caller supplies the base)
    RETIREE = "retiree"  # 离退休
    FARMER = "farmer"  # 农民党员
    STUDENT = "student"  # 学生
    UNEMPLOYED = "unemployed"  # 下岗失业
    RELIEF = "relief"  # 依靠抚恤或救济生活
    DIBAO = "dibao"  # 领取最低生活保障金

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: dict[DuesCategory, str] = {
    DuesCategory.SALARIED: "在职党员",
    DuesCategory.RETIREE: "离退休党员",
    DuesCategory.FARMER: "农民党员",
    DuesCategory.STUDENT: "学生党员",
    DuesCategory.UNEMPLOYED: "下岗失业党员",
    DuesCategory.RELIEF: "依靠抚恤或救济生活的党员",
    DuesCategory.DIBAO: "领取最低生活保障金的党员",
}


@dataclass(frozen=True, slots=True)
class Bracket:
    """A rate for bases up to and including ``upper`` (``None``: no upper bound)."""

    upper: Decimal | None
    rate: Decimal


def _brackets(*pairs: tuple[str | None, str]) -> tuple[Bracket, ...]:
    return tuple(Bracket(None if u is None else Decimal(u), Decimal(r)) for u, r in pairs)


@dataclass(frozen=True, slots=True)
class DuesPolicy:
    # 第二条: flat rate on the whole after-tax base; upper bounds inclusive.
    salary_brackets: tuple[Bracket, ...] = _brackets(
        ("3000", "0.005"), ("5000", "0.01"), ("10000", "0.015"), (None, "0.02")
    )
    # 第五条
    retiree_brackets: tuple[Bracket, ...] = _brackets(("5000", "0.005"), (None, "0.01"))
    # 第六条: the province sets the farmers' figure within farmer_range.
    farmer_amount: Decimal = Decimal("0.20")
    farmer_range: tuple[Decimal, Decimal] = (Decimal("0.20"), Decimal("1.00"))
    flat_amount: Decimal = Decimal("0.20")  # students, unemployed, 抚恤/救济, 低保
    # Design decision: the 规定 does not say how to round.
    quantum: Decimal = Decimal("0.01")
    rounding: str = ROUND_HALF_UP
    # 第十一条
    central_oneoff_threshold: Decimal = Decimal("1000")
    # 党章 第九条: 连续六个月不交纳党费 → 自行脱党 risk.
    lapse_months: int = 6

    def __post_init__(self) -> None:
        for name in ("salary_brackets", "retiree_brackets"):
            brackets: tuple[Bracket, ...] = getattr(self, name)
            if not brackets or brackets[-1].upper is not None:
                raise ValueError(f"{name}: 最后一档必须没有上限")
            uppers: list[Decimal] = []
            for bracket in brackets[:-1]:
                if bracket.upper is None:
                    raise ValueError(f"{name}: 只有最后一档可以没有上限")
                uppers.append(bracket.upper)
            if any(a >= b for a, b in itertools.pairwise(uppers)):
                raise ValueError(f"{name}: 各档上限必须递增")
        low, high = self.farmer_range
        if not low <= self.farmer_amount <= high:
            raise ValueError(f"农民党员党费 {self.farmer_amount} 不在 {low}–{high} 元之间")


DEFAULT_DUES_POLICY = DuesPolicy()


@dataclass(frozen=True, slots=True)
class HardshipApproval:
    """第七条: a reduction (or waiver, ``amount == 0``) proposed by the branch and approved by
    the superior 党委. Only an approved override exists as a value."""

    amount: Decimal
    approved_on: date
    approved_by: str  # the approving 党委, as text for the record

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError("减免后的党费不能为负数")


def bracket_rate(base: Decimal, brackets: Iterable[Bracket]) -> Decimal:
    """The rate of the first bracket whose (inclusive) upper bound is ≥ ``base``."""
    if base < 0:
        raise ValueError("党费计算基数不能为负数")
    for bracket in brackets:
        if bracket.upper is None or base <= bracket.upper:
            return bracket.rate
    raise ValueError("党费档次没有覆盖该基数")  # unreachable for a validated policy


def monthly_amount(
    category: DuesCategory,
    base: Decimal | None = None,
    *,
    policy: DuesPolicy = DEFAULT_DUES_POLICY,
    hardship: HardshipApproval | None = None,
) -> Decimal:
    """The monthly dues in 元, rounded to ``policy.quantum`` with ``policy.rounding``.

    ``base`` (after-tax salary or pension) is required for salaried members and retirees and
    ignored for the fixed-amount categories. An approved hardship override replaces the
    computed amount; it may reduce, never raise it (``ValueError``)."""
    if category in (DuesCategory.SALARIED, DuesCategory.RETIREE):
        if base is None:
            raise ValueError(f"{category.label}须提供党费计算基数")
        brackets = (
            policy.salary_brackets if category is DuesCategory.SALARIED else policy.retiree_brackets
        )
        amount = base * bracket_rate(base, brackets)
    elif category is DuesCategory.FARMER:
        amount = policy.farmer_amount
    else:
        amount = policy.flat_amount
    amount = amount.quantize(policy.quantum, rounding=policy.rounding)
    if hardship is not None:
        if hardship.amount > amount:
            raise ValueError("减免后的党费不能高于按规定应交的数额")
        return hardship.amount.quantize(policy.quantum, rounding=policy.rounding)
    return amount


def first_month_owed(branch_meeting_on: date) -> Month:
    """第八条: 预备党员 pay from the 支部大会通过 date. Design decision: the month of that date is
    owed in full (dues are monthly; no pro-rating)."""
    return Month.of(branch_meeting_on)


def goes_to_centre(amount: Decimal, policy: DuesPolicy = DEFAULT_DUES_POLICY) -> bool:
    """第十一条: a one-off voluntary payment of at least the threshold goes entirely to 中央."""
    return amount >= policy.central_oneoff_threshold


def owed_schedule(
    first: Month, through: Month, amount: Decimal | Mapping[int, Decimal]
) -> dict[Month, Decimal]:
    """Amount owed per month from ``first`` to ``through``. ``amount`` is one figure, or one
    per year (the amount is fixed at the start of each year)."""
    if isinstance(amount, Decimal):
        return dict.fromkeys(months_between(first, through), amount)
    return {m: amount[m.year] for m in months_between(first, through)}


@dataclass(frozen=True, slots=True)
class ArrearsReport:
    months_owed: int
    months_paid: int
    months_in_arrears: tuple[Month, ...]
    outstanding: Decimal  # sum of shortfalls over months in arrears
    longest_unpaid_run: int  # consecutive months with nothing (net ≤ 0) paid
    unpaid_run_through_end: int  # the run of unpaid months ending at ``through``
    lapse_risk: bool  # longest_unpaid_run ≥ policy.lapse_months: flag for the secretary
    overpaid: Mapping[Month, Decimal] = field(default_factory=dict)  # credit beyond amount owed
    unexpected: tuple[Month, ...] = ()  # payments booked to months nothing is owed for


def arrears(
    owed: Mapping[Month, Decimal],
    payments: Iterable[tuple[Month, Decimal]],
    *,
    policy: DuesPolicy = DEFAULT_DUES_POLICY,
) -> ArrearsReport:
    """Compare the months owed with a payments ledger.

    ``payments`` are ``(month paid for, amount)`` rows; reversals are negative rows for the
    same month. A month is paid when its net payment reaches the amount owed; a month owed
    0 (waived) counts as paid. A month is *unpaid* for the 6-month check when its net payment
    is ≤ 0 and something was owed: a partial payment breaks the run (党费 was paid, if short).
    """
    net: dict[Month, Decimal] = defaultdict(Decimal)
    for month, amount in payments:
        net[month] += amount
    months = sorted(owed)
    in_arrears: list[Month] = []
    outstanding = Decimal(0)
    overpaid: dict[Month, Decimal] = {}
    longest = run = 0
    previous: Month | None = None
    for month in months:
        due, paid = owed[month], net.get(month, Decimal(0))
        if paid < due:
            in_arrears.append(month)
            outstanding += due - paid
        elif paid > due:
            overpaid[month] = paid - due
        unpaid = due > 0 and paid <= 0
        contiguous = previous is not None and month.index == previous.index + 1
        run = (run + 1 if contiguous else 1) if unpaid else 0
        longest = max(longest, run)
        previous = month
    unexpected = tuple(sorted(m for m, v in net.items() if m not in owed and v != 0))
    return ArrearsReport(
        months_owed=len(months),
        months_paid=len(months) - len(in_arrears),
        months_in_arrears=tuple(in_arrears),
        outstanding=outstanding,
        longest_unpaid_run=longest,
        unpaid_run_through_end=run,
        lapse_risk=longest >= policy.lapse_months,
        overpaid=overpaid,
        unexpected=unexpected,
    )
