"""The talent rules as pure functions (no Django): the post ladder, credential dates,
continuing-education periods, the 优秀 quota. Parameters come from ``TalentPolicy`` and
``PostLadder`` rows; the defaults and their sources are in docs/rules/talent-rules.md."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months; the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


# ---- the post ladder (三岗十八级 and variants) ---------------------------------------------


@dataclass(frozen=True)
class LadderStep:
    level: int
    # The day the next level is reached (None at the top of the post's range).
    next_level_on: date | None
    # Years of service counted (service plus the degree's equivalent years).
    counted_years: int


def ladder_level(
    *,
    low: int,
    high: int,
    years_per_step: int,
    started_on: date,
    degree_years: int,
    today: date,
) -> LadderStep:
    """The level of a worker on a post whose levels run ``low``..``high``: one level per
    ``years_per_step`` full years of service since ``started_on``, the degree's equivalent
    years counted as service; capped at ``high``. ``next_level_on`` is the anniversary on
    which the next step falls."""
    if years_per_step <= 0:
        raise ValueError("years_per_step must be positive")
    served = 0
    if today >= started_on:
        served = today.year - started_on.year
        if add_years(started_on, served) > today:
            served -= 1
    counted = served + max(degree_years, 0)
    level = min(low + counted // years_per_step, high)
    next_on: date | None = None
    if level < high:
        years_to_next = (counted // years_per_step + 1) * years_per_step - max(degree_years, 0)
        next_on = add_years(started_on, years_to_next)
    return LadderStep(level, next_on, counted)


# ---- credentials ---------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialDates:
    first_registration_by: date  # the last day a first registration is accepted
    valid_until: date  # the last valid day of the current registration period
    renewal_opens: date  # the first day of the re-registration window


def first_registration_deadline(passed_on: date, months: int = 12) -> date:
    """The last day of the first registration window (``months`` after passing)."""
    return add_months(passed_on, months)


def period_end(period_start: date, years: int = 3) -> date:
    """The last day of a registration period starting ``period_start``."""
    return add_years(period_start, years) - timedelta(days=1)


def renewal_opens(valid_until: date, months: int = 3) -> date:
    """The first day of the re-registration window: ``months`` before the period ends,
    counted back from the day after the last valid day (a period that starts on the 1st
    and ends on a month's last day opens its window on a 1st, never on the 29th–31st)."""
    return add_months(valid_until + timedelta(days=1), -months)


def credential_state(
    *,
    today: date,
    passed_on: date,
    period_start: date | None,
    valid_until: date | None,
    first_months: int = 12,
    window_months: int = 3,
) -> str:
    """One of ``unregistered`` (passed, first registration still open), ``lapsed_first``
    (the first registration window passed without registration), ``valid``, ``renewal``
    (inside the re-registration window), ``expired``."""
    if period_start is None or valid_until is None:
        if today <= first_registration_deadline(passed_on, first_months):
            return "unregistered"
        return "lapsed_first"
    if today > valid_until:
        return "expired"
    if today >= renewal_opens(valid_until, window_months):
        return "renewal"
    return "valid"


# ---- continuing education ------------------------------------------------------------


def in_period(day: date, start: date, end: date) -> bool:
    """Hours count in the period whose first..last day (inclusive) holds the day studied."""
    return start <= day <= end


@dataclass(frozen=True)
class HoursProgress:
    required: int
    earned: float
    met: bool
    short: float


def hours_progress(*, required: int, earned: float) -> HoursProgress:
    short = max(required - earned, 0.0)
    return HoursProgress(required, earned, earned >= required, short)


# ---- the 优秀 quota ----------------------------------------------------------------------


def excellent_quota(assessed: int, percent: int) -> int:
    """How many of ``assessed`` people may be graded 优秀: ``percent`` of them, rounded down
    (a quota is a ceiling: 20% of 12 is 2, never 3)."""
    if assessed <= 0 or percent <= 0:
        return 0
    return (assessed * percent) // 100


def failing_streak(graded_newest_first: list[tuple[int, str]], grade: str) -> int:
    """How many consecutive years, counting back from the latest graded year, carry
    ``grade``. ``graded_newest_first`` holds ``(year, grade)``; a gap in the years ends the
    run (2025 and 2022 are not two years running)."""
    streak = 0
    previous: int | None = None
    for year, given in graded_newest_first:
        if given != grade or (previous is not None and year != previous - 1):
            break
        streak += 1
        previous = year
    return streak
