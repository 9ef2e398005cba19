"""The Chinese working-day calendar and deadline arithmetic (期间计算).

Pure Python, no Django. Rules (``docs/domain-rules.md`` §0):

* A period in days does not count the start day: the end day is ``start + n``.
* If the end day is not a working day of the official calendar (weekends and statutory
  holidays; 调休 make-up Saturdays/Sundays *are* working days), the period ends on the first
  working day after it.
* A working-day period counts only working days after the start date.
* The last day ends at 24:00. :attr:`Deadline.due` is that day at 23:59:59 in the start's
  timezone, so "on time" means ``done_at <= due`` (sub-second differences are ignored).

Where the official calendar comes from, per day, first match wins:

1. an administrator's override (:class:`DayOverrideSource`);
2. the ``chinesecalendar`` package, for the years it carries data for;
3. the plain weekday rule, for years an administrator has marked complete (all exceptions
   entered as overrides);
4. otherwise the year is unknown: with ``strict=True`` :class:`UnknownYearError` is raised;
   else a WARNING is logged (once per year per calendar) and a provisional rule is used —
   Monday to Friday except the fixed-date holidays (1 Jan; 1-2 May; 1-3 Oct) — and the
   result is marked ``provisional``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final, Literal, Protocol

import chinese_calendar

__all__ = [
    "DUE_TIME",
    "DayOverrideSource",
    "Deadline",
    "MappingOverrides",
    "PeriodUnit",
    "UnknownYearError",
    "WorkCalendar",
    "period_unit",
]

logger = logging.getLogger("shegong.calendar")

PeriodUnit = Literal["natural_day", "working_day", "hour"]
_PERIOD_UNITS: Final[dict[str, PeriodUnit]] = {
    "natural_day": "natural_day",
    "working_day": "working_day",
    "hour": "hour",
}


def period_unit(value: str) -> PeriodUnit:
    """A stored or submitted unit name as a :data:`PeriodUnit`; ``ValueError`` for any other
    string (the same error :meth:`WorkCalendar.deadline` raises for an unknown unit)."""
    try:
        return _PERIOD_UNITS[value]
    except KeyError:
        raise ValueError(f"unknown period unit: {value!r}") from None


#: Time of day of a day-based deadline: the last second before 24:00.
DUE_TIME: Final = time(23, 59, 59)

#: Fixed-date statutory holidays used by the provisional rule for unknown years.
_FIXED_HOLIDAYS: Final = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})

#: Safety limit for the day-by-day walks (guards against overrides marking everything rest).
_MAX_REST_RUN: Final = 366


class UnknownYearError(LookupError):
    """No official holiday calendar is available for ``year``."""

    year: int

    def __init__(self, year: int) -> None:
        super().__init__(
            f"no official holiday calendar for {year}; ask an administrator to enter it"
        )
        self.year = year

    def __reduce__(self) -> tuple[type[UnknownYearError], tuple[int]]:
        return (type(self), (self.year,))


class DayOverrideSource(Protocol):
    """Administrator-entered calendar data (the Django side implements this over a model)."""

    def day_kind(self, day: date) -> bool | None:
        """True = working day, False = rest day, None = no override for ``day``."""
        ...

    def complete_years(self) -> frozenset[int]:
        """Years for which every exception to the weekday rule has been entered."""
        ...


class MappingOverrides:
    """A :class:`DayOverrideSource` backed by a ``{date: is_working_day}`` mapping."""

    def __init__(
        self, days: Mapping[date, bool] | None = None, complete_years: Iterable[int] = ()
    ) -> None:
        self._days: dict[date, bool] = dict(days or {})
        self._complete_years = frozenset(complete_years)

    def day_kind(self, day: date) -> bool | None:
        return self._days.get(day)

    def complete_years(self) -> frozenset[int]:
        return self._complete_years


@dataclass(frozen=True)
class Deadline:
    """The result of a deadline computation."""

    due: datetime
    """The moment the period ends (for day periods: ``end_date`` at 23:59:59)."""
    end_date: date
    """The last day of the period, after rolling forward."""
    provisional: bool = False
    """True if a day used in the computation fell in a year with no official calendar."""
    rolled_from: date | None = None
    """The original end date when it was not a working day and the period was extended."""


def _as_date(day: date) -> date:
    return day.date() if isinstance(day, datetime) else day


class WorkCalendar:
    """Working-day calendar with deadline arithmetic.

    ``overrides`` supplies administrator-entered days and complete years. With ``strict`` a
    day in a year without an official calendar raises :class:`UnknownYearError` instead of
    using the provisional rule. ``tz``, if given, is the local timezone: aware start
    datetimes are converted to it before their date is taken, and ``due`` is expressed in it.
    Without ``tz`` the start's own wall-clock date and tzinfo are used, so pass local
    (Asia/Shanghai) datetimes.

    Results are memoised per instance; build a new calendar (or call :meth:`clear_cache`)
    after the overrides change.
    """

    def __init__(
        self,
        overrides: DayOverrideSource | None = None,
        *,
        strict: bool = False,
        tz: tzinfo | None = None,
    ) -> None:
        self._overrides = overrides
        self._strict = strict
        self._tz = tz
        self._days: dict[date, tuple[bool, bool]] = {}
        self._library_years: dict[int, bool] = {}
        self._complete_years: frozenset[int] | None = None
        self._warned_years: set[int] = set()

    # -- day classification ---------------------------------------------------------------

    def clear_cache(self) -> None:
        """Forget memoised days and the overrides' complete years."""
        self._days.clear()
        self._complete_years = None

    def _override_complete_years(self) -> frozenset[int]:
        if self._complete_years is None:
            years = self._overrides.complete_years() if self._overrides is not None else None
            self._complete_years = frozenset(years or ())
        return self._complete_years

    def _library_knows(self, year: int) -> bool:
        known = self._library_years.get(year)
        if known is None:
            try:
                chinese_calendar.is_workday(date(year, 1, 1))
            except NotImplementedError:
                known = False
            else:
                known = True
            self._library_years[year] = known
        return known

    def is_known_year(self, year: int) -> bool:
        """True if ``year`` has an official calendar (chinesecalendar or a complete override)."""
        return self._library_knows(year) or year in self._override_complete_years()

    def _classify(self, day: date) -> tuple[bool, bool]:
        """Return ``(is_working_day, provisional)`` for ``day``."""
        if self._overrides is not None:
            kind = self._overrides.day_kind(day)
            if kind is not None:
                return bool(kind), False
        if self._library_knows(day.year):
            try:
                return bool(chinese_calendar.is_workday(day)), False
            except NotImplementedError:  # pragma: no cover - the probe said otherwise
                self._library_years[day.year] = False
        if day.year in self._override_complete_years():
            return day.weekday() < 5, False
        if self._strict:
            raise UnknownYearError(day.year)
        if day.year not in self._warned_years:
            self._warned_years.add(day.year)
            logger.warning(
                "no official holiday calendar for %d; using the provisional rule "
                "(weekends and fixed-date holidays only); ask an administrator to enter it",
                day.year,
            )
        working = day.weekday() < 5 and (day.month, day.day) not in _FIXED_HOLIDAYS
        return working, True

    def _day(self, day: date) -> tuple[bool, bool]:
        day = _as_date(day)
        cached = self._days.get(day)
        if cached is None:
            cached = self._classify(day)
            self._days[day] = cached
        return cached

    def is_workday(self, day: date) -> bool:
        """True if ``day`` is a working day (make-up 调休 days included)."""
        return self._day(day)[0]

    def _next_workday(self, day: date) -> tuple[date, bool]:
        provisional = False
        current = _as_date(day)
        for _ in range(_MAX_REST_RUN):
            current += timedelta(days=1)
            working, prov = self._day(current)
            provisional |= prov
            if working:
                return current, provisional
        raise ValueError(f"no working day within {_MAX_REST_RUN} days after {day.isoformat()}")

    def next_workday(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self._next_workday(day)[0]

    def _roll_forward(self, day: date) -> tuple[date, bool]:
        working, provisional = self._day(day)
        if working:
            return _as_date(day), provisional
        rolled, prov = self._next_workday(day)
        return rolled, provisional or prov

    def roll_forward(self, day: date) -> date:
        """``day`` itself if it is a working day, else the next working day."""
        return self._roll_forward(day)[0]

    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days in ``(a, b]``; negative (``-(b, a]``) if ``b < a``."""
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        current = a
        while current < b:
            current += timedelta(days=1)
            if self._day(current)[0]:
                count += 1
        return count

    # -- deadlines ------------------------------------------------------------------------

    def _start(self, start: datetime | date) -> tuple[date, tzinfo | None]:
        if isinstance(start, datetime):
            if self._tz is not None and start.tzinfo is not None:
                start = start.astimezone(self._tz)
            return start.date(), start.tzinfo
        return start, self._tz

    @staticmethod
    def _check_count(n: int) -> None:
        if n < 0:
            raise ValueError(f"period length must not be negative, got {n}")

    def add_natural_days(self, start: datetime | date, n: int, *, roll: bool = True) -> Deadline:
        """Deadline of an ``n``-calendar-day period starting on ``start``'s date.

        The end date is ``start + n`` days (the start day is not counted). With ``roll`` an
        end date that is not a working day moves to the next working day. Only the end date
        and the days rolled over are looked up.
        """
        self._check_count(n)
        start_day, tz = self._start(start)
        end = start_day + timedelta(days=n)
        provisional = False
        rolled_from: date | None = None
        if roll:
            rolled, provisional = self._roll_forward(end)
            if rolled != end:
                rolled_from, end = end, rolled
        return Deadline(
            due=datetime.combine(end, DUE_TIME, tzinfo=tz),
            end_date=end,
            provisional=provisional,
            rolled_from=rolled_from,
        )

    def add_working_days(self, start: datetime | date, n: int) -> Deadline:
        """Deadline of an ``n``-working-day period: the ``n``-th working day after the start
        date (``n == 0``: the start date itself, not rolled)."""
        self._check_count(n)
        current, tz = self._start(start)
        provisional = False
        for _ in range(n):
            current, prov = self._next_workday(current)
            provisional |= prov
        return Deadline(
            due=datetime.combine(current, DUE_TIME, tzinfo=tz),
            end_date=current,
            provisional=provisional,
        )

    def add_hours(self, start: datetime, n: int) -> Deadline:
        """Deadline ``n`` elapsed hours after ``start`` (no rolling, never provisional)."""
        if not isinstance(start, datetime):
            raise TypeError("add_hours() needs a datetime start")
        self._check_count(n)
        if start.tzinfo is not None:
            if self._tz is not None:
                start = start.astimezone(self._tz)
            tz = start.tzinfo
            due = (start.astimezone(UTC) + timedelta(hours=n)).astimezone(tz)
        else:
            due = start + timedelta(hours=n)
        return Deadline(due=due, end_date=due.date())

    def deadline(self, start: datetime, value: int, unit: PeriodUnit) -> Deadline:
        """Dispatch on ``unit``: ``"natural_day"``, ``"working_day"`` or ``"hour"``."""
        self._check_count(value)
        if unit == "natural_day":
            return self.add_natural_days(start, value)
        if unit == "working_day":
            return self.add_working_days(start, value)
        if unit == "hour":
            return self.add_hours(start, value)
        raise ValueError(f"unknown period unit: {unit!r}")
