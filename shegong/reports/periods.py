"""Report periods: a month ``YYYY-MM`` (接诉即办月报) or a quarter ``YYYY-Qn`` (两新覆盖季报).

A report covers a period that has ended: the month or quarter before the current one or
earlier (local time). Bad input raises :class:`~shegong.core.exceptions.DomainError` with a
Chinese message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from shegong.core.exceptions import DomainError

from .choices import ReportKind

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
EARLIEST_YEAR = 2000


@dataclass(frozen=True)
class Period:
    key: str  # "2026-11" / "2026-Q3"
    start: date
    end: date  # inclusive
    label: str  # "2026年11月" / "2026年第三季度"

    @property
    def end_exclusive(self) -> date:
        return self.end + timedelta(days=1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    return Period(
        f"{year:04d}-{month:02d}",
        start,
        _next_month(start) - timedelta(days=1),
        f"{year}年{month}月",
    )


QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}


def quarter_period(year: int, quarter: int) -> Period:
    start = date(year, 3 * quarter - 2, 1)
    end = _next_month(date(year, 3 * quarter, 1)) - timedelta(days=1)
    return Period(f"{year:04d}-Q{quarter}", start, end, f"{year}年第{QUARTER_NAMES[quarter]}季度")


def period_from_key(kind: str, text: str) -> Period:
    """The period named by ``text`` for a report of ``kind`` (format checked only)."""
    text = (text or "").strip()
    if kind == ReportKind.MONTHLY_APPEALS:
        match = _MONTH.match(text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise DomainError("报告期格式不正确，月度报告请填写“年-月”，如 2026-11")
        period = month_period(int(match.group(1)), int(match.group(2)))
    elif kind == ReportKind.QUARTERLY_COVERAGE:
        match = _QUARTER.match(text)
        if not match:
            raise DomainError("报告期格式不正确，季度报告请填写“年-Q季度”，如 2026-Q3")
        period = quarter_period(int(match.group(1)), int(match.group(2)))
    else:
        raise DomainError("报告类型不正确")
    if period.start.year < EARLIEST_YEAR:
        raise DomainError(f"报告期不能早于 {EARLIEST_YEAR} 年")
    return period


def parse_period(kind: str, text: str, *, today: date | None = None) -> Period:
    """The period named by ``text`` for a report of ``kind``; it must have ended."""
    period = period_from_key(kind, text)
    today = today or timezone.localdate()
    if period.end >= today:
        raise DomainError(f"{period.label}尚未结束，只能生成已结束期间的报告")
    return period


def last_closed(kind: str, today: date | None = None) -> Period:
    """The most recent period of ``kind`` that has ended by ``today``."""
    today = today or timezone.localdate()
    if kind == ReportKind.MONTHLY_APPEALS:
        previous = date(today.year, today.month, 1) - timedelta(days=1)
        return month_period(previous.year, previous.month)
    quarter = (today.month - 1) // 3 + 1
    year, quarter = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    return quarter_period(year, quarter)
