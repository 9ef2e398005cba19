"""三会一课 periods, quorum arithmetic and the 优秀 cap."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from shegong.lib.partyrules.development import MemberStatus
from shegong.lib.partyrules.meetings import (
    Grade,
    MeetingPolicy,
    MeetingType,
    Period,
    Schedule,
    assembly_passes,
    assembly_quorum,
    committee_quorum,
    count_voting,
    excellent_cap,
    expected_vs_held,
    grade_cap_ok,
    periods,
)

M = MeetingType


@pytest.mark.parametrize(
    ("kind", "count"),
    [
        (M.ASSEMBLY, 4),
        (M.COMMITTEE, 12),
        (M.GROUP, 12),
        (M.LECTURE, 4),
        (M.THEME_DAY, 12),
        (M.ORG_LIFE, 1),
        (M.EVALUATION, 1),
        (M.HEART_TALK, 1),
    ],
)
def test_period_count_per_year(kind: MeetingType, count: int) -> None:
    assert len(periods(kind, 2025)) == count


def test_assembly_quarters() -> None:
    assert periods(M.ASSEMBLY, 2025)[0] == Period(date(2025, 1, 1), date(2025, 3, 31))


def test_committee_leap_february() -> None:
    assert periods(M.COMMITTEE, 2024)[1] == Period(date(2024, 2, 1), date(2024, 2, 29))


def test_org_life_defaults_to_q4() -> None:
    assert periods(M.ORG_LIFE, 2025) == [Period(date(2025, 10, 1), date(2025, 12, 31))]


def test_evaluation_whole_year() -> None:
    assert periods(M.EVALUATION, 2025) == [Period(date(2025, 1, 1), date(2025, 12, 31))]


def test_org_life_window_can_be_lifted() -> None:
    policy = MeetingPolicy(schedules={M.ORG_LIFE: Schedule(12)})
    assert periods(M.ORG_LIFE, 2025, policy) == [Period(date(2025, 1, 1), date(2025, 12, 31))]


def test_lecture_frequency_configurable() -> None:
    policy = MeetingPolicy(schedules={M.LECTURE: Schedule(1)})
    assert len(periods(M.LECTURE, 2025, policy)) == 12


@pytest.mark.parametrize("months", [5, 7, 0])
def test_schedule_must_tile_the_year(months: int) -> None:
    with pytest.raises(ValueError, match="整除"):
        Schedule(months)


def test_window_only_for_yearly() -> None:
    with pytest.raises(ValueError, match="按年"):
        Schedule(3, window=(1, 2))


MEETINGS = [
    (M.ASSEMBLY, date(2025, 1, 15)),
    (M.ASSEMBLY, date(2025, 3, 31)),
    (M.COMMITTEE, date(2025, 2, 10)),
    (M.ASSEMBLY, date(2025, 4, 1)),
    (M.ORG_LIFE, date(2025, 6, 1)),
]
Q1 = Period(date(2025, 1, 1), date(2025, 3, 31))


def test_held_counts_only_kind_and_period() -> None:
    assert expected_vs_held(M.ASSEMBLY, MEETINGS, Q1).held == 2


def test_expected_met() -> None:
    assert expected_vs_held(M.ASSEMBLY, MEETINGS, Q1).ok is True


def test_expected_missing() -> None:
    assert expected_vs_held(M.LECTURE, MEETINGS, Q1).missing == 1


def test_org_life_outside_q4_does_not_count() -> None:
    [q4] = periods(M.ORG_LIFE, 2025)
    assert expected_vs_held(M.ORG_LIFE, MEETINGS, q4).ok is False


# -- quorum: 支部党员大会 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "present", "ok"),
    [
        (10, 5, False),  # exactly half is not more than half
        (10, 6, True),
        (9, 4, False),
        (9, 5, True),
        (1, 1, True),
        (0, 0, False),
    ],
)
def test_assembly_quorum(due: int, present: int, ok: bool) -> None:
    assert assembly_quorum(due, present) is ok


@pytest.mark.parametrize(
    ("due", "present", "yes", "passes"),
    [
        (10, 6, 6, True),
        (10, 6, 5, False),  # yes > half of those DUE, not of those present
        (10, 10, 5, False),
        (9, 5, 5, True),
        (9, 9, 4, False),
        (10, 5, 5, False),  # no quorum
    ],
)
def test_assembly_passes(due: int, present: int, yes: int, passes: bool) -> None:
    assert assembly_passes(due, present, yes) is passes


@pytest.mark.parametrize(("due", "present", "yes"), [(5, 6, 0), (5, 3, 4), (-1, 0, 0)])
def test_assembly_rejects_impossible_counts(due: int, present: int, yes: int) -> None:
    with pytest.raises(ValueError, match=r"人数|票数"):
        assembly_passes(due, present, yes)


@pytest.mark.parametrize(
    ("members", "present", "ok"),
    [(5, 2, False), (5, 3, True), (4, 2, True), (4, 1, False), (7, 4, True), (7, 3, False)],
)
def test_committee_quorum(members: int, present: int, ok: bool) -> None:
    assert committee_quorum(members, present) is ok


def test_quorum_share_configurable() -> None:
    policy = MeetingPolicy(assembly_quorum_share=Fraction(2, 3))
    assert assembly_quorum(9, 6, policy) is False


# -- 民主评议 优秀 cap ----------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "cap"), [(0, 0), (1, 0), (2, 0), (3, 1), (4, 1), (6, 2), (7, 2)])
def test_excellent_cap_floor(n: int, cap: int) -> None:
    assert excellent_cap(n) == cap


def _grades(n: int, excellent: int) -> list[Grade]:
    return [Grade.EXCELLENT] * excellent + [Grade.QUALIFIED] * (n - excellent)


@pytest.mark.parametrize(
    ("n", "excellent", "ok"),
    [
        (1, 1, False),
        (1, 0, True),
        (2, 1, False),
        (3, 1, True),
        (3, 2, False),
        (4, 1, True),
        (4, 2, False),
        (6, 2, True),
        (6, 3, False),
        (7, 2, True),
        (7, 3, False),
    ],
)
def test_grade_cap(n: int, excellent: int, ok: bool) -> None:
    assert grade_cap_ok(_grades(n, excellent)) is ok


def test_grade_labels() -> None:
    assert [g.label for g in Grade] == ["优秀", "合格", "基本合格", "不合格"]


def test_meeting_label() -> None:
    assert M.ORG_LIFE.label == "组织生活会"


def test_only_formal_members_vote() -> None:
    statuses = [
        MemberStatus.FORMAL,
        MemberStatus.FORMAL,
        MemberStatus.PROBATIONARY,
        MemberStatus.DISCIPLINED,
    ]
    assert count_voting(statuses) == 2
