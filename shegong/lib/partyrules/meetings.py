"""三会一课, 主题党日, 组织生活会, 民主评议, 谈心谈话: expected periods, quorum and the 优秀
cap. Source: 《中国共产党支部工作条例（试行）》, see ``docs/rules/domain-rules.md`` §4.3."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction

from shegong.lib.partyrules.development import MemberStatus
from shegong.lib.partyrules.months import Month

__all__ = [
    "DEFAULT_MEETING_POLICY",
    "ExpectedVsHeld",
    "Grade",
    "MeetingPolicy",
    "MeetingType",
    "Period",
    "Schedule",
    "assembly_passes",
    "assembly_quorum",
    "committee_quorum",
    "count_voting",
    "excellent_cap",
    "expected_vs_held",
    "grade_cap_ok",
    "periods",
]


class MeetingType(StrEnum):
    ASSEMBLY = "assembly"  # 支部党员大会
    COMMITTEE = "committee"  # 支委会
    GROUP = "group"  # 党小组会
    LECTURE = "lecture"  # 党课
    THEME_DAY = "theme_day"  # 主题党日
    ORG_LIFE = "org_life"  # 组织生活会
    EVALUATION = "evaluation"  # 民主评议党员
    HEART_TALK = "heart_talk"  # 谈心谈话

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: dict[MeetingType, str] = {
    MeetingType.ASSEMBLY: "支部党员大会",
    MeetingType.COMMITTEE: "支委会",
    MeetingType.GROUP: "党小组会",
    MeetingType.LECTURE: "党课",
    MeetingType.THEME_DAY: "主题党日",
    MeetingType.ORG_LIFE: "组织生活会",
    MeetingType.EVALUATION: "民主评议党员",
    MeetingType.HEART_TALK: "谈心谈话",
}


@dataclass(frozen=True, slots=True)
class Schedule:
    """``min_count`` meetings per period of ``period_months`` months (1, 2, 3, 4, 6 or 12:
    periods tile the calendar year). ``window`` (first, last month of the year) narrows a
    yearly period to the months in which the meeting counts, e.g. (10, 12) for Q4."""

    period_months: int
    min_count: int = 1
    window: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.period_months not in (1, 2, 3, 4, 6, 12):
            raise ValueError("周期月数须能整除12")
        if self.window is not None:
            if self.period_months != 12:
                raise ValueError("只有按年计的会议可以限定月份")
            first, last = self.window
            if not 1 <= first <= last <= 12:
                raise ValueError("月份范围无效")


def _default_schedules() -> dict[MeetingType, Schedule]:
    return {
        MeetingType.ASSEMBLY: Schedule(3),
        MeetingType.COMMITTEE: Schedule(1),
        MeetingType.GROUP: Schedule(1),
        MeetingType.LECTURE: Schedule(3),
        MeetingType.THEME_DAY: Schedule(1),
        MeetingType.ORG_LIFE: Schedule(12, window=(10, 12)),
        MeetingType.EVALUATION: Schedule(12),
        MeetingType.HEART_TALK: Schedule(12),
    }


@dataclass(frozen=True, slots=True)
class MeetingPolicy:
    schedules: Mapping[MeetingType, Schedule] = field(default_factory=_default_schedules)
    # 党员大会: quorum is present > share × voting members due; passes if yes > share × due.
    assembly_quorum_share: Fraction = Fraction(1, 2)
    assembly_pass_share: Fraction = Fraction(1, 2)
    # 支委会: present ≥ share × committee members.
    committee_quorum_share: Fraction = Fraction(1, 2)
    # 民主评议: 优秀 ≤ floor(share × graded members).
    excellent_share: Fraction = Fraction(1, 3)


DEFAULT_MEETING_POLICY = MeetingPolicy()


@dataclass(frozen=True, slots=True)
class Period:
    first_day: date
    last_day: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first_day <= day <= self.last_day


def periods(
    kind: MeetingType, year: int, policy: MeetingPolicy = DEFAULT_MEETING_POLICY
) -> list[Period]:
    """The periods of ``year`` in which ``kind`` is expected at least ``min_count`` times."""
    schedule = policy.schedules[kind]
    if schedule.window is not None:
        first, last = schedule.window
        return [Period(Month(year, first).first_day, Month(year, last).last_day)]
    step = schedule.period_months
    return [
        Period(Month(year, m).first_day, Month(year, m + step - 1).last_day)
        for m in range(1, 13, step)
    ]


@dataclass(frozen=True, slots=True)
class ExpectedVsHeld:
    period: Period
    expected: int
    held: int

    @property
    def ok(self) -> bool:
        return self.held >= self.expected

    @property
    def missing(self) -> int:
        return max(self.expected - self.held, 0)


def expected_vs_held(
    kind: MeetingType,
    meetings: Iterable[tuple[MeetingType, date]],
    period: Period,
    policy: MeetingPolicy = DEFAULT_MEETING_POLICY,
) -> ExpectedVsHeld:
    """How many meetings of ``kind`` were held in ``period`` against the expected minimum."""
    held = sum(1 for k, on in meetings if k is kind and on in period)
    return ExpectedVsHeld(period, policy.schedules[kind].min_count, held)


def count_voting(statuses: Iterable[MemberStatus]) -> int:
    """Members with a vote: 正式党员 only. 预备党员 and members under 留党察看 take part but
    do not vote (《中国共产党基层组织选举工作条例》第五条)."""
    return sum(1 for s in statuses if s is MemberStatus.FORMAL)


def _check_counts(due: int, present: int) -> None:
    if due < 0 or present < 0 or present > due:
        raise ValueError("到会人数须在 0 与应到人数之间")


def assembly_quorum(
    voting_due: int, voting_present: int, policy: MeetingPolicy = DEFAULT_MEETING_POLICY
) -> bool:
    """支部党员大会 may vote: voting members present > half of voting members due (预备党员
    and members under 留党察看 have no vote and are not counted on either side)."""
    _check_counts(voting_due, voting_present)
    return voting_due > 0 and voting_present > policy.assembly_quorum_share * voting_due


def assembly_passes(
    voting_due: int,
    voting_present: int,
    yes: int,
    policy: MeetingPolicy = DEFAULT_MEETING_POLICY,
) -> bool:
    """A resolution passes: quorum, and yes votes > half of the voting members **due**."""
    _check_counts(voting_due, voting_present)
    if not 0 <= yes <= voting_present:
        raise ValueError("赞成票数须在 0 与到会有表决权人数之间")
    return assembly_quorum(voting_due, voting_present, policy) and (
        yes > policy.assembly_pass_share * voting_due
    )


def committee_quorum(
    members: int, present: int, policy: MeetingPolicy = DEFAULT_MEETING_POLICY
) -> bool:
    """支委会: present ≥ half of the committee members."""
    _check_counts(members, present)
    return members > 0 and present >= policy.committee_quorum_share * members


class Grade(StrEnum):
    EXCELLENT = "excellent"  # 优秀
    QUALIFIED = "qualified"  # 合格
    BASIC = "basic"  # 基本合格
    UNQUALIFIED = "unqualified"  # 不合格

    @property
    def label(self) -> str:
        return {"excellent": "优秀", "qualified": "合格", "basic": "基本合格"}.get(
            self.value, "不合格"
        )


def excellent_cap(graded: int, policy: MeetingPolicy = DEFAULT_MEETING_POLICY) -> int:
    """Most 优秀 allowed among ``graded`` members: floor(n × 1/3) (design decision)."""
    if graded < 0:
        raise ValueError("参评人数不能为负数")
    share = policy.excellent_share
    return graded * share.numerator // share.denominator


def grade_cap_ok(grades: Iterable[Grade], policy: MeetingPolicy = DEFAULT_MEETING_POLICY) -> bool:
    """``grades`` of the graded members only (预备党员 take part but are not graded: leave
    them out). True when 优秀 ≤ :func:`excellent_cap`."""
    given = list(grades)
    excellent = sum(1 for g in given if g is Grade.EXCELLENT)
    return excellent <= excellent_cap(len(given), policy)
