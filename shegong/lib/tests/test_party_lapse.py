"""6-month checks (党章 第九条): runs across year ends, leap February, join date."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shegong.lib.partyrules.lapse import LapseKind, LapsePolicy, MonthFacts, lapse_flags
from shegong.lib.partyrules.months import Month, months_between

ALL = MonthFacts(attended=True, dues_paid=True, assigned_work=True)
NO_ORG_LIFE = MonthFacts(attended=False, dues_paid=True, assigned_work=True)


def active(first: Month, last: Month) -> dict[Month, MonthFacts]:
    return dict.fromkeys(months_between(first, last), ALL)


def test_fully_active_member_no_flags() -> None:
    facts = active(Month(2024, 1), Month(2025, 6))
    assert lapse_flags(facts, date(2024, 1, 1), Month(2025, 6)) == []


def test_six_month_run_across_year_end() -> None:
    facts = active(Month(2024, 1), Month(2025, 6))
    facts.update(dict.fromkeys(months_between(Month(2024, 11), Month(2025, 4)), NO_ORG_LIFE))
    [flag] = lapse_flags(facts, date(2024, 1, 1), Month(2025, 6))
    assert (flag.kind, flag.first, flag.last, flag.ongoing) == (
        LapseKind.ORG_LIFE,
        Month(2024, 11),
        Month(2025, 4),
        False,
    )


def test_five_month_run_not_flagged() -> None:
    facts = active(Month(2024, 1), Month(2025, 6))
    facts.update(dict.fromkeys(months_between(Month(2024, 11), Month(2025, 3)), NO_ORG_LIFE))
    assert lapse_flags(facts, date(2024, 1, 1), Month(2025, 6)) == []


def test_run_through_leap_february_counts_it_as_a_month() -> None:
    facts = active(Month(2023, 6), Month(2024, 6))
    facts.update(dict.fromkeys(months_between(Month(2023, 9), Month(2024, 2)), NO_ORG_LIFE))
    [flag] = lapse_flags(facts, date(2023, 6, 1), Month(2024, 6))
    assert flag.months == 6


def test_ongoing_run_flagged_at_through() -> None:
    facts = active(Month(2024, 1), Month(2024, 6))
    facts.update(dict.fromkeys(months_between(Month(2024, 7), Month(2024, 12)), NO_ORG_LIFE))
    [flag] = lapse_flags(facts, date(2024, 1, 1), Month(2024, 12))
    assert (flag.first, flag.last, flag.ongoing) == (Month(2024, 7), Month(2024, 12), True)


def test_missing_months_flag_every_kind() -> None:
    flags = lapse_flags({}, date(2024, 1, 1), Month(2024, 6))
    assert {f.kind for f in flags} == set(LapseKind)


def test_join_mid_month_not_counted() -> None:
    assert lapse_flags({}, date(2024, 1, 15), Month(2024, 6)) == []


def test_join_on_first_counts_the_month() -> None:
    assert len(lapse_flags({}, date(2024, 1, 1), Month(2024, 6))) == 3


def test_partial_join_month_configurable() -> None:
    policy = LapsePolicy(count_partial_join_month=True)
    assert len(lapse_flags({}, date(2024, 1, 15), Month(2024, 6), policy)) == 3


def test_months_before_joining_never_counted() -> None:
    assert lapse_flags({}, date(2024, 3, 1), Month(2024, 7)) == []


def test_threshold_configurable() -> None:
    policy = LapsePolicy(months=3)
    assert len(lapse_flags({}, date(2024, 1, 1), Month(2024, 3), policy)) == 3


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (LapseKind.ORG_LIFE, "连续6个月未参加党的组织生活（2024-01至2024-06），请支部核实原因"),
        (LapseKind.DUES, "连续6个月未交纳党费（2024-01至2024-06），请支部核实原因"),
    ],
)
def test_flag_message(kind: LapseKind, text: str) -> None:
    flags = {f.kind: f for f in lapse_flags({}, date(2024, 1, 1), Month(2024, 6))}
    assert flags[kind].message == text


def test_only_the_missing_kind_flagged() -> None:
    facts = dict.fromkeys(months_between(Month(2024, 1), Month(2024, 6)), NO_ORG_LIFE)
    assert [f.kind for f in lapse_flags(facts, date(2024, 1, 1), Month(2024, 6))] == [
        LapseKind.ORG_LIFE
    ]


def test_two_runs_both_flagged() -> None:
    facts = dict.fromkeys(months_between(Month(2023, 1), Month(2024, 12)), NO_ORG_LIFE)
    facts[Month(2023, 7)] = ALL
    runs = [(f.first, f.last) for f in lapse_flags(facts, date(2023, 1, 1), Month(2024, 1))]
    assert runs == [(Month(2023, 1), Month(2023, 6)), (Month(2023, 8), Month(2024, 1))]


@given(st.lists(st.booleans(), min_size=1, max_size=40))
def test_flagged_runs_are_long_and_empty(attended: list[bool]) -> None:
    first = Month(2023, 1)
    facts = {
        first.plus(i): MonthFacts(attended=a, dues_paid=True, assigned_work=True)
        for i, a in enumerate(attended)
    }
    flags = lapse_flags(facts, first.first_day, first.plus(len(attended) - 1))
    assert all(
        f.months >= 6 and not any(facts[m].attended for m in months_between(f.first, f.last))
        for f in flags
    )


@given(st.lists(st.booleans(), min_size=1, max_size=40))
def test_every_long_gap_is_flagged(attended: list[bool]) -> None:
    first = Month(2023, 1)
    facts = {
        first.plus(i): MonthFacts(attended=a, dues_paid=True, assigned_work=True)
        for i, a in enumerate(attended)
    }
    flags = lapse_flags(facts, first.first_day, first.plus(len(attended) - 1))
    longest = max(len(run) for run in "".join("x" if a else "." for a in attended).split("x"))
    assert bool(flags) is (longest >= 6)
