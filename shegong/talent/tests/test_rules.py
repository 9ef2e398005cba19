"""The rules at their edges: ladder steps with degree equivalents, credential validity and
the re-registration window, hours per period across the boundary, the 优秀 quota."""

from __future__ import annotations

from datetime import date

import pytest

from shegong.talent import rules


def step(started: date, today: date, degree_years: int = 0, low: int = 1, high: int = 12):
    return rules.ladder_level(
        low=low,
        high=high,
        years_per_step=3,
        started_on=started,
        degree_years=degree_years,
        today=today,
    )


def test_level_stays_the_day_before_the_third_anniversary() -> None:
    assert step(date(2020, 3, 1), date(2023, 2, 28)).level == 1


def test_level_rises_on_the_third_anniversary() -> None:
    assert step(date(2020, 3, 1), date(2023, 3, 1)).level == 2


def test_next_step_is_dated_on_the_anniversary() -> None:
    assert step(date(2020, 3, 1), date(2023, 3, 1)).next_level_on == date(2026, 3, 1)


def test_bachelor_three_years_counts_one_step_at_once() -> None:
    assert step(date(2024, 6, 1), date(2024, 6, 1), degree_years=3).level == 2


def test_master_five_years_dates_the_next_step_one_year_on() -> None:
    # 5 equivalent years: level 1 + 5//3 = 2; the third step at 6 counted years = 1 year served
    assert step(date(2024, 6, 1), date(2024, 6, 1), degree_years=5).next_level_on == date(
        2025, 6, 1
    )


def test_level_is_capped_at_the_top_of_the_post() -> None:
    top = step(date(1980, 1, 1), date(2026, 1, 1), low=7, high=18)
    assert (top.level, top.next_level_on) == (18, None)


def test_leap_day_start_steps_on_february_28() -> None:
    assert step(date(2020, 2, 29), date(2023, 2, 28)).level == 2


def test_period_is_three_years_less_a_day() -> None:
    assert rules.period_end(date(2024, 1, 15)) == date(2027, 1, 14)


def test_window_opens_three_months_before_expiry() -> None:
    assert rules.renewal_opens(date(2027, 1, 14)) == date(2026, 10, 15)


@pytest.mark.parametrize(
    ("period_start", "opens"),
    [
        (date(2024, 7, 1), date(2027, 4, 1)),  # valid until 2027-06-30
        (date(2024, 3, 1), date(2026, 12, 1)),  # valid until 2027-02-28
        (date(2024, 1, 1), date(2026, 10, 1)),  # valid until 2026-12-31
    ],
)
def test_window_opens_on_the_same_day_of_month_as_the_period(
    period_start: date, opens: date
) -> None:
    assert rules.renewal_opens(rules.period_end(period_start)) == opens


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 10, 14), "valid"),
        (date(2026, 10, 15), "renewal"),
        (date(2027, 1, 14), "renewal"),
        (date(2027, 1, 15), "expired"),
    ],
)
def test_state_at_the_window_edges(today: date, state: str) -> None:
    got = rules.credential_state(
        today=today,
        passed_on=date(2023, 6, 1),
        period_start=date(2024, 1, 15),
        valid_until=date(2027, 1, 14),
    )
    assert got == state


@pytest.mark.parametrize(
    ("today", "state"),
    [(date(2024, 6, 22), "unregistered"), (date(2024, 6, 23), "lapsed_first")],
)
def test_first_registration_within_one_year(today: date, state: str) -> None:
    got = rules.credential_state(
        today=today, passed_on=date(2023, 6, 22), period_start=None, valid_until=None
    )
    assert got == state


def test_hours_on_the_last_day_count_in_the_period() -> None:
    assert rules.in_period(date(2027, 1, 14), date(2024, 1, 15), date(2027, 1, 14))


def test_hours_the_day_after_count_in_the_next_period() -> None:
    assert not rules.in_period(date(2027, 1, 15), date(2024, 1, 15), date(2027, 1, 14))


@pytest.mark.parametrize(("assessed", "quota"), [(4, 0), (5, 1), (10, 2), (14, 2), (15, 3)])
def test_excellent_quota_rounds_down(assessed: int, quota: int) -> None:
    assert rules.excellent_quota(assessed, 20) == quota


def test_failing_streak_counts_only_the_latest_years() -> None:
    graded = [(2025, "不称职"), (2024, "不称职"), (2023, "称职"), (2022, "不称职")]
    assert rules.failing_streak(graded, "不称职") == 2


def test_hours_progress_short() -> None:
    assert rules.hours_progress(required=72, earned=70.5).short == 1.5
