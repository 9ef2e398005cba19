"""Pure judgement of one branch in one quarter (no database): periods per meeting type,
expected vs held (``partyrules.meetings``), quorum, attendance, minutes, and the
violations the engine turns into findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from shegong.lib.partyrules.meetings import (
    MeetingPolicy,
    MeetingType,
    Period,
    expected_vs_held,
    periods,
)
from shegong.lib.partyrules.months import Month

from ..choices import Rule
from .facts import MeetingFact

BASIS: dict[str, str] = {
    Rule.MEETINGS_SHORT: (
        "《中国共产党支部工作条例（试行）》第十五条（三会一课、主题党日、组织生活会、民主评议党员）"
    ),
    Rule.ASSEMBLY_QUORUM: (
        "《中国共产党基层组织选举工作条例》第五条；支部工作条例第十一条；"
        "决定D13（有表决权的正式党员过半数到会）"
    ),
    Rule.LOW_ATTENDANCE: "《中国共产党支部工作条例（试行）》第十五条；出席率下限为平台参数",
    Rule.NO_MINUTES: (
        "《中国共产党支部工作条例（试行）》第十五条（组织生活应有记录）；时限为平台参数"
    ),
    Rule.LATE_MINUTES: "《中国共产党支部工作条例（试行）》第十五条；会议记录录入时限为平台参数",
    Rule.LAPSE_RISK: (
        "《中国共产党章程》第九条（连续6个月不参加党的组织生活、不交纳党费、不做党所分配的工作）"
    ),
}


def quarter_of(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def quarter_bounds(quarter: int) -> tuple[date, date]:
    year, q = divmod(quarter, 4)
    return Month(year, q * 3 + 1).first_day, Month(year, q * 3 + 3).last_day


def quarter_label(quarter: int) -> str:
    return f"{quarter // 4}Q{quarter % 4 + 1}"


def period_label(p: Period) -> str:
    first, last = Month.of(p.first_day), Month.of(p.last_day)
    return str(first) if first == last else f"{first}至{last}"


def quarter_periods(kind: MeetingType, quarter: int, policy: MeetingPolicy) -> list[Period]:
    """The periods of ``kind`` judged in ``quarter``: those that end inside it."""
    first, last = quarter_bounds(quarter)
    return [p for p in periods(kind, first.year, policy) if first <= p.last_day <= last]


def quarter_plan(
    quarter: int, policy: MeetingPolicy, kinds: list[MeetingType]
) -> dict[MeetingType, list[Period]]:
    return {kind: quarter_periods(kind, quarter, policy) for kind in kinds}


Figures = tuple[int, int]  # (正式党员, 预备+正式)
KindsFor = Callable[[int, int], list[MeetingType]]


def sized_days(plans: Iterable[dict[MeetingType, list[Period]]], kinds_for: KindsFor) -> set[date]:
    """The first days of the periods of the kinds a branch owes by its size (支委会,
    党小组会: those a branch without members does not owe): the days whose figures
    :func:`sized_plan` needs."""
    days: set[date] = set()
    for plan in plans:
        sized = set(plan) - set(kinds_for(0, 0))
        days.update(p.first_day for kind in sized for p in plan[kind])
    return days


def sized_plan(
    plan: dict[MeetingType, list[Period]],
    figures_on: Callable[[date], Figures],
    kinds_for: KindsFor,
    cache: dict[Figures, list[MeetingType]] | None = None,
) -> dict[MeetingType, list[Period]]:
    """The periods a branch owes: a kind owed by size only for the periods that begin when
    the branch had that size, so a past period keeps its judgement whatever the figures do
    later (no findings opened, or resolved, after the fact)."""
    cache = {} if cache is None else cache
    out: dict[MeetingType, list[Period]] = {}
    for kind, ps in plan.items():
        kept = []
        for p in ps:
            figures = figures_on(p.first_day)
            if figures not in cache:
                cache[figures] = kinds_for(*figures)
            if kind in cache[figures]:
                kept.append(p)
        out[kind] = kept
    return out


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    key: str
    period: str
    evidence: str
    meeting_id: int | None = None
    member_id: int | None = None
    quarter: int | None = None  # the quarter judged (None: a member's lapse run)


@dataclass
class BranchJudgement:
    expected: int = 0
    held: int = 0
    missing: int = 0
    kinds_short: int = 0
    quorum_failed: int = 0
    low_attendance: int = 0
    minutes_missing: int = 0
    minutes_late: int = 0
    detail: dict[str, object] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    @property
    def compliant(self) -> bool:
        return self.kinds_short == 0


def judge_quarter(
    org_id: int,
    meetings: list[MeetingFact],
    quarter: int,
    today: date,
    *,
    policy: MeetingPolicy,
    kinds: list[MeetingType],
    minutes_late_days: int,
    attendance_share: Fraction,
    plan: dict[MeetingType, list[Period]] | None = None,
    founded_on: date | None = None,
) -> BranchJudgement:
    """``plan`` (kind → the periods judged in ``quarter``) may be computed once per quarter
    by the caller (:func:`quarter_plan`); it is derived here when omitted. A branch founded
    on ``founded_on`` is judged only for the periods that **start** on or after that day
    (the first full period: a branch founded on 10 March owes its first monthly meeting for
    April, its first quarterly one for Q2, its yearly ones from the next year, its Q4-window
    组织生活会 for that year's Q4); meetings before it are not judged."""
    out = BranchJudgement()
    if plan is None:
        plan = quarter_plan(quarter, policy, kinds)
    if founded_on is not None:
        plan = {k: [p for p in ps if p.first_day >= founded_on] for k, ps in plan.items()}
    by_kind: dict[MeetingType, list[tuple[MeetingType, date]]] = {}
    for m in meetings:
        if m.held_on <= today:
            by_kind.setdefault(m.kind, []).append((m.kind, m.held_on))
    kinds_detail: dict[str, object] = {}
    for kind in kinds:
        rows = []
        k_expected = k_held = k_missing = k_short_ended = 0
        for p in plan.get(kind, []):
            evh = expected_vs_held(kind, by_kind.get(kind, []), p, policy)
            ended = p.last_day < today
            rows.append(
                {
                    "period": period_label(p),
                    "expected": evh.expected,
                    "held": evh.held,
                    "missing": evh.missing,
                    "ended": ended,
                    "days_left": max((p.last_day - today).days, 0),
                    "starts": p.first_day.isoformat(),
                }
            )
            k_expected += evh.expected
            k_held += evh.held
            k_missing += evh.missing
            if ended and evh.missing:
                k_short_ended += evh.missing
                label = period_label(p)
                out.violations.append(
                    Violation(
                        Rule.MEETINGS_SHORT,
                        f"org:{org_id}:{kind.value}:{label}",
                        label,
                        f"{label} {kind.label}应开 {evh.expected} 次，实开 {evh.held} 次，"
                        f"缺 {evh.missing} 次",
                    )
                )
        if not rows:
            continue
        kinds_detail[kind.value] = {
            "label": kind.label,
            "expected": k_expected,
            "held": k_held,
            "missing": k_missing,
            "missing_ended": k_short_ended,
            "periods": rows,
        }
        out.expected += k_expected
        out.held += k_held
        out.missing += k_missing
        if k_short_ended:
            out.kinds_short += 1
    out.detail = {"kinds": kinds_detail}
    first, last = quarter_bounds(quarter)
    for m in meetings:
        if not first <= m.held_on <= min(last, today):
            continue
        if founded_on is not None and m.held_on < founded_on:
            continue
        _judge_meeting(out, m, today, minutes_late_days, attendance_share)
    return out


def _judge_meeting(
    out: BranchJudgement,
    m: MeetingFact,
    today: date,
    minutes_late_days: int,
    attendance_share: Fraction,
) -> None:
    violation = meeting_violations(m, today, minutes_late_days, attendance_share)
    for v in violation:
        if v.rule == Rule.ASSEMBLY_QUORUM:
            out.quorum_failed += 1
        elif v.rule == Rule.LOW_ATTENDANCE:
            out.low_attendance += 1
        elif v.rule == Rule.NO_MINUTES:
            out.minutes_missing += 1
        elif v.rule == Rule.LATE_MINUTES:
            out.minutes_late += 1
    out.violations.extend(violation)


def meeting_violations(
    m: MeetingFact, today: date, minutes_late_days: int, attendance_share: Fraction
) -> list[Violation]:
    """The per-meeting rules: quorum (orglife's stored ``quorum_met``), attendance, minutes.
    Also used to re-check the findings of meetings of earlier quarters."""
    out: list[Violation] = []
    name = f"{m.held_on:%Y-%m-%d} {m.kind.label}"
    period = str(Month.of(m.held_on))
    key = f"meeting:{m.pk}"
    if m.kind is MeetingType.ASSEMBLY and m.quorum_met is not True:
        # orglife stores the verdict when the meeting is held and whenever attendance changes
        # (D13); null = never established (no attendance recorded), which is not provable.
        if m.quorum_met is None:
            text = f"{name}：未登记出席情况，无法确认到会人数"
        elif m.voting_due:
            text = (
                f"{name}：有表决权的正式党员应到 {m.voting_due} 名，实到 {m.voting_present} 名，"
                "未超过半数"
            )
        else:
            text = f"{name}：没有有表决权的正式党员到会登记，未达到法定人数"
        out.append(Violation(Rule.ASSEMBLY_QUORUM, key, period, text, meeting_id=m.pk))
    if m.rows and Fraction(m.present, m.rows) < attendance_share:
        out.append(
            Violation(
                Rule.LOW_ATTENDANCE,
                key,
                period,
                f"{name}：应到 {m.rows} 名，出席 {m.present} 名"
                f"（{m.present * 100 // m.rows}%，低于 {int(attendance_share * 100)}%）",
                meeting_id=m.pk,
            )
        )
    due = m.held_on + timedelta(days=minutes_late_days)
    if not m.has_minutes:
        if today > due:
            out.append(
                Violation(
                    Rule.NO_MINUTES,
                    key,
                    period,
                    f"{name}：会后 {minutes_late_days} 日内应录入会议记录，"
                    f"截至 {today:%Y-%m-%d} 仍未录入",
                    meeting_id=m.pk,
                )
            )
    elif m.minutes_on is not None and m.minutes_on > due:
        out.append(
            Violation(
                Rule.LATE_MINUTES,
                key,
                period,
                f"{name}：会议记录于 {m.minutes_on:%Y-%m-%d} 录入，"
                f"晚于会后 {minutes_late_days} 日（{due:%Y-%m-%d}）",
                meeting_id=m.pk,
            )
        )
    return out
