"""Tests for shegong.lib.workcalendar.

Holiday facts below were checked against chinesecalendar 1.11.0 before being asserted
(``test_library_facts`` keeps that check in the suite).
"""

from __future__ import annotations

import logging
import pickle
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shegong.lib.workcalendar import (
    DUE_TIME,
    Deadline,
    MappingOverrides,
    UnknownYearError,
    WorkCalendar,
    period_unit,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(first: str, last: str) -> list[date]:
    start, end = d(first), d(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# 2025 春节: 28 Jan - 4 Feb off; Sun 26 Jan and Sat 8 Feb worked.
# 2025 国庆+中秋: 1-8 Oct off; Sun 28 Sep and Sat 11 Oct worked.
# 2026 春节: 15-23 Feb off; Sat 14 Feb and Sat 28 Feb worked.
# 2026 国庆: 1-7 Oct off; Sun 20 Sep and Sat 10 Oct worked (中秋 25-27 Sep off).
OFF = [
    *days("2025-01-28", "2025-02-04"),
    *days("2025-10-01", "2025-10-08"),
    *days("2026-02-15", "2026-02-23"),
    *days("2026-09-25", "2026-09-27"),
    *days("2026-10-01", "2026-10-07"),
]
MAKE_UP = [d(x) for x in ("2025-01-26", "2025-02-08", "2025-09-28", "2025-10-11")] + [
    d(x) for x in ("2026-02-14", "2026-02-28", "2026-09-20", "2026-10-10")
]


def test_library_facts() -> None:
    for day in OFF:
        assert not chinese_calendar.is_workday(day), day
    for day in MAKE_UP:
        assert day.weekday() >= 5, day
        assert chinese_calendar.is_workday(day), day


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_is_workday_follows_official_calendar(cal: WorkCalendar) -> None:
    for day in OFF:
        assert not cal.is_workday(day)
    for day in MAKE_UP:
        assert cal.is_workday(day)
    assert cal.is_workday(d("2025-02-05"))  # Wednesday after 春节
    assert not cal.is_workday(d("2025-03-01"))  # plain Saturday
    assert cal.is_workday(datetime(2025, 2, 8, 9, 30))  # datetimes are accepted


def test_known_years(cal: WorkCalendar) -> None:
    assert cal.is_known_year(2025)
    assert cal.is_known_year(2026)
    assert not cal.is_known_year(2027)
    assert not cal.is_known_year(2003)
    assert WorkCalendar(MappingOverrides(complete_years=[2027])).is_known_year(2027)


# -- natural-day periods --------------------------------------------------------------------


def test_period_ending_in_spring_festival_rolls(cal: WorkCalendar) -> None:
    result = cal.add_natural_days(datetime(2025, 1, 15, 10, 0), 15)
    assert result == Deadline(
        due=datetime(2025, 2, 5, 23, 59, 59),
        end_date=d("2025-02-05"),
        provisional=False,
        rolled_from=d("2025-01-30"),
    )


def test_period_ending_in_2026_holidays_rolls(cal: WorkCalendar) -> None:
    spring = cal.add_natural_days(d("2026-02-01"), 15)
    assert (spring.end_date, spring.rolled_from) == (d("2026-02-24"), d("2026-02-16"))
    national = cal.add_natural_days(d("2026-09-16"), 15)
    assert (national.end_date, national.rolled_from) == (d("2026-10-08"), d("2026-10-01"))
    mid_autumn = cal.add_natural_days(d("2026-09-10"), 15)
    assert (mid_autumn.end_date, mid_autumn.rolled_from) == (d("2026-09-28"), d("2026-09-25"))


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        ("2025-01-24", 15, "2025-02-08"),  # Saturday 8 Feb 2025 is worked
        ("2025-01-11", 15, "2025-01-26"),  # Sunday 26 Jan 2025 is worked
        ("2025-09-13", 15, "2025-09-28"),
        ("2025-09-26", 15, "2025-10-11"),
        ("2026-01-30", 15, "2026-02-14"),
        ("2026-09-05", 15, "2026-09-20"),
    ],
)
def test_period_ending_on_make_up_day_does_not_roll(
    cal: WorkCalendar, start: str, n: int, end: str
) -> None:
    result = cal.add_natural_days(d(start), n)
    assert result.end_date == d(end)
    assert result.rolled_from is None


def test_period_ending_on_plain_saturday_rolls_to_monday(cal: WorkCalendar) -> None:
    result = cal.add_natural_days(d("2025-02-14"), 15)
    assert result.rolled_from == d("2025-03-01")
    assert result.end_date == d("2025-03-03")
    assert result.end_date.weekday() == 0


def test_no_roll(cal: WorkCalendar) -> None:
    result = cal.add_natural_days(d("2025-02-14"), 15, roll=False)
    assert (result.end_date, result.rolled_from) == (d("2025-03-01"), None)


def test_long_period_does_not_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    cal = WorkCalendar()
    looked_up: list[date] = []
    original = WorkCalendar._classify

    def spy(self: WorkCalendar, day: date) -> tuple[bool, bool]:
        looked_up.append(day)
        return original(self, day)

    monkeypatch.setattr(WorkCalendar, "_classify", spy)
    result = cal.add_natural_days(d("2025-08-02"), 60)  # ends 2025-10-01, rolls to 10-09
    assert result.end_date == d("2025-10-09")
    assert looked_up == days("2025-10-01", "2025-10-09")


def test_due_keeps_timezone(cal: WorkCalendar) -> None:
    start = datetime(2025, 1, 15, 22, 0, tzinfo=SHANGHAI)
    result = cal.add_natural_days(start, 15)
    assert result.due == datetime.combine(d("2025-02-05"), time(23, 59, 59), tzinfo=SHANGHAI)
    assert result.due.tzinfo is SHANGHAI
    assert time(23, 59, 59) == DUE_TIME


def test_calendar_tz_converts_aware_starts() -> None:
    cal = WorkCalendar(tz=SHANGHAI)
    # 2025-01-14 17:00 UTC is already 15 Jan in Beijing.
    result = cal.add_natural_days(datetime(2025, 1, 14, 17, 0, tzinfo=UTC), 15)
    assert result.end_date == d("2025-02-05")
    assert result.due.tzinfo is SHANGHAI
    without_tz = WorkCalendar().add_natural_days(datetime(2025, 1, 14, 17, 0, tzinfo=UTC), 15)
    assert without_tz.rolled_from == d("2025-01-29")


# -- working-day periods --------------------------------------------------------------------


def test_working_days_skip_holidays_and_count_make_up_days(cal: WorkCalendar) -> None:
    # After Fri 24 Jan 2025: Sun 26 (make-up), Mon 27, [28 Jan - 4 Feb off], Wed 5, Thu 6, Fri 7.
    result = cal.add_working_days(datetime(2025, 1, 24, 16, 0), 5)
    assert result.end_date == d("2025-02-07")
    assert result.due == datetime(2025, 2, 7, 23, 59, 59)
    assert not result.provisional
    assert result.rolled_from is None
    assert cal.add_working_days(d("2025-01-24"), 1).end_date == d("2025-01-26")
    assert cal.add_working_days(d("2025-01-24"), 3).end_date == d("2025-02-05")
    assert cal.working_days_between(d("2025-01-24"), d("2025-02-08")) == 6
    assert cal.working_days_between(d("2025-02-08"), d("2025-01-24")) == -6
    assert cal.working_days_between(d("2025-02-08"), d("2025-02-08")) == 0


def test_working_days_over_national_day(cal: WorkCalendar) -> None:
    # 2025-09-30 (Tue): next working days 9 Oct, 10 Oct, 11 Oct (Sat, make-up), 13 Oct.
    assert cal.add_working_days(d("2025-09-30"), 3).end_date == d("2025-10-11")
    assert cal.add_working_days(d("2025-09-30"), 4).end_date == d("2025-10-13")
    # Sun 28 Sep, 29-30 Sep, 9-10 Oct, Sat 11 Oct, then three full weeks: 3 + 3 + 15.
    assert cal.working_days_between(d("2025-09-26"), d("2025-10-31")) == 21


def test_zero_working_days_is_same_day(cal: WorkCalendar) -> None:
    result = cal.add_working_days(d("2025-02-01"), 0)  # a holiday; not rolled
    assert result.end_date == d("2025-02-01")
    assert result.rolled_from is None


def test_next_workday_and_roll_forward(cal: WorkCalendar) -> None:
    assert cal.next_workday(d("2025-01-27")) == d("2025-02-05")
    assert cal.next_workday(d("2025-02-05")) == d("2025-02-06")
    assert cal.roll_forward(d("2025-02-05")) == d("2025-02-05")
    assert cal.roll_forward(d("2025-02-01")) == d("2025-02-05")
    assert cal.roll_forward(d("2025-02-08")) == d("2025-02-08")


# -- hours and dispatch ---------------------------------------------------------------------


def test_add_hours_is_plain_elapsed_time(cal: WorkCalendar) -> None:
    start = datetime(2025, 1, 31, 20, 0, tzinfo=SHANGHAI)  # during 春节: no rolling
    result = cal.add_hours(start, 24)
    assert result == Deadline(
        due=datetime(2025, 2, 1, 20, 0, tzinfo=SHANGHAI), end_date=d("2025-02-01")
    )
    naive = cal.add_hours(datetime(2025, 1, 31, 20, 0), 2)
    assert naive.due == datetime(2025, 1, 31, 22, 0)
    with pytest.raises(TypeError):
        cal.add_hours(d("2025-01-31"), 2)  # type: ignore[arg-type]


def test_add_hours_aware_across_offsets() -> None:
    cal = WorkCalendar(tz=SHANGHAI)
    start = datetime(2025, 3, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5)))
    result = cal.add_hours(start, 1)
    assert result.due == datetime(2025, 3, 1, 14, 0, tzinfo=SHANGHAI)
    assert result.due.tzinfo is SHANGHAI


def test_deadline_dispatch(cal: WorkCalendar) -> None:
    start = datetime(2025, 1, 15, 10, 0)
    assert cal.deadline(start, 15, "natural_day") == cal.add_natural_days(start, 15)
    assert cal.deadline(start, 5, "working_day") == cal.add_working_days(start, 5)
    assert cal.deadline(start, 2, "hour") == cal.add_hours(start, 2)
    with pytest.raises(ValueError, match="unknown period unit"):
        cal.deadline(start, 1, "week")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        cal.deadline(start, -1, "natural_day")
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(start, -1)


# -- unknown years and overrides ------------------------------------------------------------


def test_strict_unknown_year_raises() -> None:
    cal = WorkCalendar(strict=True)
    with pytest.raises(UnknownYearError) as info:
        cal.add_natural_days(d("2026-12-20"), 15)  # ends 4 Jan 2027
    assert info.value.year == 2027
    assert str(info.value) == (
        "no official holiday calendar for 2027; ask an administrator to enter it"
    )
    assert isinstance(info.value, LookupError)
    assert pickle.loads(pickle.dumps(info.value)).year == 2027  # noqa: S301
    with pytest.raises(UnknownYearError):
        cal.is_workday(d("2027-03-01"))
    # Known years still work in strict mode.
    assert cal.add_natural_days(d("2025-01-15"), 15).end_date == d("2025-02-05")


def test_non_strict_unknown_year_is_provisional_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cal = WorkCalendar()
    with caplog.at_level(logging.WARNING, logger="shegong.calendar"):
        result = cal.add_natural_days(d("2026-12-20"), 15)  # Mon 4 Jan 2027
        cal.add_working_days(d("2027-03-01"), 10)
        cal.is_workday(d("2027-06-01"))
    assert result.provisional
    assert result.end_date == d("2027-01-04")
    warnings = [r for r in caplog.records if r.name == "shegong.calendar"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "2027" in warnings[0].getMessage()


def test_provisional_rule_fixed_holidays() -> None:
    cal = WorkCalendar()
    assert not cal.is_workday(d("2027-01-01"))  # Friday, 元旦
    assert not cal.is_workday(d("2027-05-01"))  # Saturday anyway
    assert cal.is_workday(d("2027-05-03"))  # Monday: the provisional rule does not shift holidays
    assert not cal.is_workday(d("2027-10-01"))
    assert cal.add_natural_days(d("2027-09-16"), 15).end_date == d("2027-10-04")
    # Dates entirely in a known year are not provisional, even on the same calendar.
    assert not cal.add_natural_days(d("2025-01-15"), 15).provisional
    # 1 Oct 2027 is a Friday: the provisional rule rolls 30 Sep + 1 to Monday 4 Oct.
    rolled = cal.add_natural_days(d("2027-09-30"), 1)
    assert rolled.provisional
    assert (rolled.rolled_from, rolled.end_date) == (d("2027-10-01"), d("2027-10-04"))


def test_complete_override_year_is_used_and_not_provisional(
    caplog: pytest.LogCaptureFixture,
) -> None:
    overrides = MappingOverrides(
        {
            **dict.fromkeys(days("2027-02-05", "2027-02-11"), False),  # a made-up 春节
            d("2027-02-20"): True,  # make-up Saturday
        },
        complete_years=[2027],
    )
    cal = WorkCalendar(overrides, strict=True)
    with caplog.at_level(logging.WARNING, logger="shegong.calendar"):
        rolled = cal.add_natural_days(d("2027-01-21"), 15)  # ends Fri 5 Feb 2027
        make_up = cal.add_natural_days(d("2027-02-05"), 15)  # ends Sat 20 Feb 2027
        plain = cal.add_natural_days(d("2027-02-12"), 15)  # ends Sat 27 Feb 2027
    assert (rolled.rolled_from, rolled.end_date) == (d("2027-02-05"), d("2027-02-12"))
    assert (make_up.end_date, make_up.rolled_from) == (d("2027-02-20"), None)
    assert plain.end_date == d("2027-03-01")
    assert not rolled.provisional
    assert not make_up.provisional
    assert not plain.provisional
    assert not caplog.records
    # Fri 12 Feb, 15-19 Feb and the make-up Saturday 20 Feb.
    assert cal.working_days_between(d("2027-02-04"), d("2027-02-20")) == 7


def test_override_marks_normal_working_day_as_rest() -> None:
    # Monday 3 March 2025 declared a rest day (e.g. a local emergency closure).
    cal = WorkCalendar(MappingOverrides({d("2025-03-03"): False}))
    assert not cal.is_workday(d("2025-03-03"))
    result = cal.add_natural_days(d("2025-02-14"), 15)  # ends Sat 1 Mar
    assert (result.rolled_from, result.end_date) == (d("2025-03-01"), d("2025-03-04"))
    assert cal.add_working_days(d("2025-02-28"), 1).end_date == d("2025-03-04")


def test_override_can_make_a_rest_day_working() -> None:
    cal = WorkCalendar(MappingOverrides({d("2025-03-01"): True}))
    result = cal.add_natural_days(d("2025-02-14"), 15)
    assert (result.end_date, result.rolled_from) == (d("2025-03-01"), None)


def test_override_in_unknown_year_is_not_provisional() -> None:
    cal = WorkCalendar(MappingOverrides({d("2027-03-01"): True}), strict=True)
    assert cal.add_natural_days(d("2027-02-14"), 15) == Deadline(
        due=datetime(2027, 3, 1, 23, 59, 59), end_date=d("2027-03-01")
    )


def test_results_are_memoised() -> None:
    class CountingOverrides(MappingOverrides):
        calls = 0

        def day_kind(self, day: date) -> bool | None:
            type(self).calls += 1
            return super().day_kind(day)

    source = CountingOverrides()
    cal = WorkCalendar(source)
    for _ in range(3):
        cal.add_working_days(d("2025-01-24"), 5)
    assert source.calls == len(days("2025-01-25", "2025-02-07"))
    cal.clear_cache()
    cal.is_workday(d("2025-01-25"))
    assert source.calls == len(days("2025-01-25", "2025-02-07")) + 1


def test_all_rest_overrides_do_not_loop_forever() -> None:
    class AllRest:
        def day_kind(self, day: date) -> bool | None:
            return False

        def complete_years(self) -> frozenset[int]:
            return frozenset()

    cal = WorkCalendar(AllRest())
    with pytest.raises(ValueError, match="no working day"):
        cal.next_workday(d("2025-01-01"))


# -- properties -----------------------------------------------------------------------------

starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 8, 31))
_CAL = WorkCalendar(strict=True)


@settings(max_examples=300)
@given(starts, st.integers(1, 60))
def test_working_day_properties(start: date, n: int) -> None:
    result = _CAL.add_working_days(start, n)
    assert _CAL.is_workday(result.end_date)
    assert _CAL.working_days_between(start, result.end_date) == n
    assert _CAL.working_days_between(start, result.end_date - timedelta(days=1)) == n - 1
    assert not result.provisional


@settings(max_examples=300)
@given(starts, st.integers(0, 90))
def test_natural_day_properties(start: date, n: int) -> None:
    result = _CAL.add_natural_days(start, n)
    assert result.end_date >= start + timedelta(days=n)
    assert _CAL.is_workday(result.end_date)
    assert result.rolled_from in {None, start + timedelta(days=n)}
    # Every day skipped by rolling is a rest day.
    for day in days(str(start + timedelta(days=n)), str(result.end_date))[:-1]:
        assert not _CAL.is_workday(day)


@given(starts, st.integers(0, 60), st.integers(0, 60))
def test_results_are_monotone_in_n(start: date, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert _CAL.add_natural_days(start, lo).end_date <= _CAL.add_natural_days(start, hi).end_date
    assert _CAL.add_working_days(start, lo).end_date <= _CAL.add_working_days(start, hi).end_date


@given(starts, st.integers(0, 59), st.integers(1, 60))
def test_more_working_days_end_strictly_later(start: date, n: int, more: int) -> None:
    assume(n + more <= 60)  # stays inside the years the library knows (``starts`` ends 2026-08)
    sooner = _CAL.add_working_days(start, n).end_date
    assert sooner < _CAL.add_working_days(start, n + more).end_date


@given(starts, starts)
def test_working_days_between_is_antisymmetric_and_additive(a: date, b: date) -> None:
    assert _CAL.working_days_between(a, b) == -_CAL.working_days_between(b, a)
    lo, hi = min(a, b), max(a, b)
    mid = lo + (hi - lo) // 2
    assert _CAL.working_days_between(lo, hi) == (
        _CAL.working_days_between(lo, mid) + _CAL.working_days_between(mid, hi)
    )


def test_period_unit_accepts_the_three_units_and_refuses_others() -> None:
    assert [period_unit(u) for u in ("natural_day", "working_day", "hour")] == [
        "natural_day",
        "working_day",
        "hour",
    ]
    with pytest.raises(ValueError, match="unknown period unit"):
        period_unit("week")
