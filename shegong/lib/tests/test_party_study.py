"""Yearly study hours against 32 / 56 学时."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shegong.lib.partyrules.study import StudyPolicy, study_status, yearly_totals

D = Decimal
RECORDS = [
    (date(2024, 12, 31), D(10)),
    (date(2025, 1, 1), D(20)),
    (date(2025, 6, 1), D("12")),
    (date(2025, 7, 1), D("-0.5")),  # correction
]


def test_totals_split_by_calendar_year() -> None:
    assert yearly_totals(RECORDS) == {2024: D(10), 2025: D("31.5")}


@pytest.mark.parametrize(
    ("leader", "met"),
    [(False, False), (True, False)],
)
def test_short_of_hours(leader: bool, met: bool) -> None:
    assert study_status(RECORDS, 2025, leader=leader).met is met


@pytest.mark.parametrize(("leader", "shortfall"), [(False, D("0.5")), (True, D("24.5"))])
def test_shortfall(leader: bool, shortfall: Decimal) -> None:
    assert study_status(RECORDS, 2025, leader=leader).shortfall == shortfall


def test_exactly_32_met() -> None:
    assert study_status([(date(2025, 3, 1), D(32))], 2025, leader=False).met is True


def test_exactly_56_met_for_leaders() -> None:
    assert study_status([(date(2025, 3, 1), D(56))], 2025, leader=True).met is True


def test_year_without_records() -> None:
    assert study_status(RECORDS, 2023, leader=False).done == D(0)


def test_requirement_configurable() -> None:
    policy = StudyPolicy(member_hours=D(30))
    assert study_status(RECORDS, 2025, leader=False, policy=policy).met is True


def test_no_negative_shortfall() -> None:
    assert study_status([(date(2025, 3, 1), D(80))], 2025, leader=True).shortfall == D(0)
