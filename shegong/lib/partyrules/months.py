"""Month values and calendar arithmetic shared by the party rules.

Design decision (documented in ``docs/rules/party-rules.md``): adding months or years keeps the
day of month and, when the target month is shorter, uses its **last day** — 民法典 第二百零二条
("没有对应日的，月末日为期间的最后一日"). So 2024-02-29 + 1 year = 2025-02-28 and
2024-01-31 + 1 month = 2024-02-29.
"""

from __future__ import annotations

import calendar as _cal  # stdlib
from dataclasses import dataclass
from datetime import date

__all__ = ["Month", "add_months", "add_years", "age_on", "month_of", "months_between"]


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month (year, month); ordered, hashable, usable as a ledger key."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"月份必须在 1 到 12 之间：{self.month}")

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def index(self) -> int:
        """Months since year 0; differences of indexes count months."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Month:
        return cls(index // 12, index % 12 + 1)

    def plus(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, _cal.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_of(day: date) -> Month:
    return Month.of(day)


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last``, both included (empty if ``last < first``)."""
    return [Month.from_index(i) for i in range(first.index, last.index + 1)]


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later (or earlier); the month's last day when it has no such day."""
    target = Month.of(day).plus(months)
    return date(target.year, target.month, min(day.day, target.last_day.day))


def add_years(day: date, years: int) -> date:
    """Same day ``years`` later; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def age_on(birth: date, day: date) -> int:
    """Completed years of age on ``day``; a birthday on 29 February is reached on 28 February
    in a common year (the same anniversary rule as :func:`add_years`)."""
    years = day.year - birth.year
    if add_years(birth, years) > day:
        years -= 1
    return years
