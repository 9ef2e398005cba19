"""Month arithmetic used by the party rules (month-end and 29 February decisions)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shegong.lib.partyrules.months import Month, add_months, add_years, age_on, months_between


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2023, 3, 1), 1, date(2024, 3, 1)),
        (date(2023, 12, 31), 1, date(2024, 12, 31)),
    ],
)
def test_add_years(start: date, years: int, expected: date) -> None:
    assert add_years(start, years) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 8, 31), 3, date(2024, 11, 30)),
        (date(2024, 11, 15), 3, date(2025, 2, 15)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2006, 5, 10), date(2024, 5, 9), 17),
        (date(2006, 5, 10), date(2024, 5, 10), 18),
        (date(2004, 2, 29), date(2022, 2, 27), 17),
        (date(2004, 2, 29), date(2022, 2, 28), 18),
    ],
)
def test_age_on(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


def test_months_between_crosses_year_end() -> None:
    assert months_between(Month(2024, 11), Month(2025, 2)) == [
        Month(2024, 11),
        Month(2024, 12),
        Month(2025, 1),
        Month(2025, 2),
    ]


def test_month_rejects_month_13() -> None:
    with pytest.raises(ValueError, match="月份"):
        Month(2024, 13)


def test_month_last_day_of_leap_february() -> None:
    assert Month(2024, 2).last_day == date(2024, 2, 29)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), st.integers(-600, 600))
def test_add_months_lands_in_target_month(start: date, n: int) -> None:
    assert Month.of(add_months(start, n)) == Month.of(start).plus(n)


@given(st.integers(-100000, 100000))
def test_month_index_round_trip(index: int) -> None:
    assert Month.from_index(index + 24000).index == index + 24000
