"""党员发展 stages (《中国共产党发展党员工作细则》2014) as a transition table plus the checks
the members app runs before recording a step. See ``docs/rules/domain-rules.md`` §4.4 and
``docs/rules/party-rules.md``.

A candidate's history is a list of :class:`Event` (what happened, on which date). The stage
is the result of replaying the history through :data:`TRANSITIONS`. Non-stage events (the
first talk, the 党委 approval, the semiannual assessment) are events too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from shegong.lib.partyrules.months import add_months, add_years, age_on

__all__ = [
    "DEFAULT_DEVELOPMENT_POLICY",
    "TRANSITIONS",
    "Deadline",
    "DevelopmentPolicy",
    "Event",
    "EventKind",
    "Facts",
    "MemberStatus",
    "Publicity",
    "Stage",
    "Violation",
    "check_transition",
    "next_deadlines",
    "probation_end",
    "stage_of",
]


class Stage(StrEnum):
    NONE = "none"
    APPLICANT = "applicant"
    ACTIVIST = "activist"
    CANDIDATE = "candidate"
    PROBATIONARY = "probationary"
    FULL = "full"
    CANCELLED = "cancelled"
    LEFT = "left"

    @property
    def label(self) -> str:
        return _STAGE_LABELS[self]


_STAGE_LABELS: dict[Stage, str] = {
    Stage.NONE: "未申请",
    Stage.APPLICANT: "入党申请人",
    Stage.ACTIVIST: "入党积极分子",
    Stage.CANDIDATE: "发展对象",
    Stage.PROBATIONARY: "预备党员",
    Stage.FULL: "正式党员",
    Stage.CANCELLED: "已取消预备党员资格",
    Stage.LEFT: "已退出发展程序",
}


class EventKind(StrEnum):
    APPLY = "apply"  # 递交入党申请书
    TALK = "talk"  # 党组织派人谈话 (within 1 month of the application)
    CONFIRM_ACTIVIST = "confirm_activist"  # 支委会确定为入党积极分子
    ASSESS_ACTIVIST = "assess_activist"  # 每半年考察
    CONFIRM_CANDIDATE = "confirm_candidate"  # 支委会确定为发展对象
    ADMIT = "admit"  # 支部大会讨论接收为预备党员 (预备期 counts from this date)
    APPROVE = "approve"  # 基层党委审批
    EXTEND_PROBATION = "extend_probation"  # 支部大会决定延长预备期
    CONFIRM_FULL = "confirm_full"  # 支部大会讨论转正
    CANCEL_PROBATION = "cancel_probation"  # 取消预备党员资格
    LEAVE = "leave"  # 退出发展程序 (withdrawal, moved away, not pursued)

    @property
    def label(self) -> str:
        return _EVENT_LABELS[self]


_EVENT_LABELS: dict[EventKind, str] = {
    EventKind.APPLY: "递交入党申请书",
    EventKind.TALK: "入党申请人谈话",
    EventKind.CONFIRM_ACTIVIST: "确定为入党积极分子",
    EventKind.ASSESS_ACTIVIST: "入党积极分子考察",
    EventKind.CONFIRM_CANDIDATE: "确定为发展对象",
    EventKind.ADMIT: "支部大会接收为预备党员",
    EventKind.APPROVE: "党委审批",
    EventKind.EXTEND_PROBATION: "延长预备期",
    EventKind.CONFIRM_FULL: "预备党员转正",
    EventKind.CANCEL_PROBATION: "取消预备党员资格",
    EventKind.LEAVE: "退出发展程序",
}

_PIPELINE = frozenset({Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE})

#: event → (stages it may happen in, stage afterwards; ``None`` keeps the stage)
TRANSITIONS: dict[EventKind, tuple[frozenset[Stage], Stage | None]] = {
    EventKind.APPLY: (frozenset({Stage.NONE, Stage.LEFT, Stage.CANCELLED}), Stage.APPLICANT),
    EventKind.TALK: (frozenset({Stage.APPLICANT}), None),
    EventKind.CONFIRM_ACTIVIST: (frozenset({Stage.APPLICANT}), Stage.ACTIVIST),
    EventKind.ASSESS_ACTIVIST: (frozenset({Stage.ACTIVIST}), None),
    EventKind.CONFIRM_CANDIDATE: (frozenset({Stage.ACTIVIST}), Stage.CANDIDATE),
    EventKind.ADMIT: (frozenset({Stage.CANDIDATE}), Stage.PROBATIONARY),
    EventKind.APPROVE: (frozenset({Stage.PROBATIONARY}), None),
    EventKind.EXTEND_PROBATION: (frozenset({Stage.PROBATIONARY}), None),
    EventKind.CONFIRM_FULL: (frozenset({Stage.PROBATIONARY}), Stage.FULL),
    EventKind.CANCEL_PROBATION: (frozenset({Stage.PROBATIONARY}), Stage.CANCELLED),
    EventKind.LEAVE: (_PIPELINE, Stage.LEFT),
}


class MemberStatus(StrEnum):
    """Standing of a sponsor / contact person."""

    FORMAL = "formal"  # 正式党员
    PROBATIONARY = "probationary"  # 预备党员
    DISCIPLINED = "disciplined"  # 留党察看
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    on: date
    extension_months: int = 0  # EXTEND_PROBATION only


@dataclass(frozen=True, slots=True)
class Publicity:
    """A 公示, first and last day included."""

    first_day: date
    last_day: date


@dataclass(frozen=True, slots=True)
class Facts:
    """What the caller knows about the proposed step; only the facts a step needs are read."""

    birth_date: date | None = None  # APPLY
    contacts: tuple[MemberStatus, ...] = ()  # CONFIRM_ACTIVIST: 培养联系人
    sponsors: tuple[MemberStatus, ...] = ()  # ADMIT: 入党介绍人
    training_hours: Decimal = Decimal(0)  # ADMIT: 集中培训学时
    training_days: int = 0  # ADMIT: 集中培训天数
    pre_review_passed_on: date | None = None  # ADMIT: 基层党委预审通过日期
    volunteer_form_issued_on: date | None = None  # ADMIT: 入党志愿书发放日期
    publicity: Publicity | None = None  # ADMIT (发展对象公示), CONFIRM_FULL (转正公示)
    leaving_unit_on: date | None = None  # ADMIT: known date the candidate leaves the unit
    special_case: bool = False  # APPROVE: 特殊情况 (6 months instead of 3)


@dataclass(frozen=True, slots=True)
class DevelopmentPolicy:
    min_age: int = 18
    talk_within_months: int = 1
    activist_min_years: int = 1
    assessment_every_months: int = 6
    contacts_range: tuple[int, int] = (1, 2)
    sponsors_required: int = 2
    training_min_hours: Decimal = Decimal(24)
    training_min_days: int = 3
    publicity_working_days: int = 5
    leave_unit_guard_months: int = 3
    approval_months: int = 3
    approval_months_special: int = 6
    probation_years: int = 1
    extension_months_range: tuple[int, int] = (6, 12)
    max_total_extension_months: int = 12


DEFAULT_DEVELOPMENT_POLICY = DevelopmentPolicy()

_XIZE = "《中国共产党发展党员工作细则》"
_DANGZHANG = "《中国共产党章程》"


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    message: str  # Simplified Chinese, for the person recording the step
    basis: str  # citation


@dataclass(frozen=True, slots=True)
class Deadline:
    code: str
    what: str
    due: date
    days_left: int  # negative when overdue
    basis: str


def stage_of(history: Iterable[Event]) -> Stage:
    """Replay ``history`` (in date order); ``ValueError`` if a step is not in the table."""
    stage = Stage.NONE
    for event in sorted(history, key=lambda e: e.on):
        sources, target = TRANSITIONS[event.kind]
        if stage not in sources:
            raise ValueError(f"{stage.label}不能进行“{event.kind.label}”")
        if target is not None:
            stage = target
    return stage


def _last(history: Sequence[Event], kind: EventKind) -> Event | None:
    found = [e for e in history if e.kind is kind]
    return max(found, key=lambda e: e.on) if found else None


def _since_last_apply(history: Iterable[Event]) -> list[Event]:
    """The events of the current attempt (a person who left may apply again)."""
    ordered = sorted(history, key=lambda e: e.on)
    starts = [i for i, e in enumerate(ordered) if e.kind is EventKind.APPLY]
    return ordered[starts[-1] :] if starts else ordered


def probation_end(
    history: Iterable[Event], policy: DevelopmentPolicy = DEFAULT_DEVELOPMENT_POLICY
) -> date | None:
    """预备期 end: one year from the 支部大会 date (党章 第七条), plus any extensions."""
    events = _since_last_apply(history)
    admit = _last(events, EventKind.ADMIT)
    if admit is None:
        return None
    end = add_years(admit.on, policy.probation_years)
    extension = sum(e.extension_months for e in events if e.kind is EventKind.EXTEND_PROBATION)
    return add_months(end, extension)


def _working_days(p: Publicity, is_workday: Callable[[date], bool]) -> int:
    days = (p.last_day - p.first_day).days + 1
    return sum(1 for i in range(max(days, 0)) if is_workday(p.first_day + timedelta(days=i)))


def _check_publicity(
    facts: Facts,
    on: date,
    is_workday: Callable[[date], bool] | None,
    policy: DevelopmentPolicy,
    what: str,
) -> list[Violation]:
    basis = "地方发展党员公示制度（常见为5个工作日）"
    p = facts.publicity
    if p is None:
        return [Violation("publicity_missing", f"{what}未经公示", basis)]
    out: list[Violation] = []
    if p.last_day >= on:
        out.append(Violation("publicity_not_over", f"{what}公示期尚未结束", basis))
    if is_workday is None:
        raise ValueError("检查公示须提供工作日历（is_workday）")
    if _working_days(p, is_workday) < policy.publicity_working_days:
        out.append(
            Violation(
                "publicity_too_short",
                f"{what}公示不足{policy.publicity_working_days}个工作日",
                basis,
            )
        )
    return out


def check_transition(
    history: Sequence[Event],
    proposed: Event,
    facts: Facts = Facts(),
    *,
    is_workday: Callable[[date], bool] | None = None,
    policy: DevelopmentPolicy = DEFAULT_DEVELOPMENT_POLICY,
) -> list[Violation]:
    """The rule violations that block ``proposed``; an empty list means it is allowed.

    Deadlines that only call for a reminder (the talk within a month) are not violations:
    see :func:`next_deadlines`. ``is_workday`` (e.g. ``WorkCalendar().is_workday``) is
    required for steps that check a 公示 (ADMIT, CONFIRM_FULL)."""
    try:
        stage = stage_of(history)
    except ValueError as exc:
        return [Violation("bad_history", f"发展记录有误：{exc}", _XIZE)]
    sources, _ = TRANSITIONS[proposed.kind]
    if stage not in sources:
        return [
            Violation(
                "illegal_transition",
                f"{stage.label}不能进行“{proposed.kind.label}”",
                _XIZE,
            )
        ]
    out: list[Violation] = []
    if history and proposed.on < max(e.on for e in history):
        out.append(Violation("date_before_history", "日期早于已记录的上一步骤", _XIZE))
    events = _since_last_apply(history)
    kind, on = proposed.kind, proposed.on

    if kind is EventKind.APPLY:
        if facts.birth_date is None:
            out.append(
                Violation("birth_date_missing", "须填写出生日期以核对年龄", f"{_DANGZHANG}第一条")
            )
        elif age_on(facts.birth_date, on) < policy.min_age:
            out.append(
                Violation(
                    "under_age",
                    f"申请入党时未满{policy.min_age}周岁",
                    f"{_DANGZHANG}第一条；{_XIZE}第五条",
                )
            )
    elif kind is EventKind.CONFIRM_ACTIVIST:
        low, high = policy.contacts_range
        formal = sum(1 for c in facts.contacts if c is MemberStatus.FORMAL)
        if formal != len(facts.contacts) or not low <= formal <= high:
            out.append(
                Violation(
                    "contacts",
                    f"须指定{low}至{high}名正式党员作为培养联系人",
                    _XIZE,
                )
            )
    elif kind is EventKind.CONFIRM_CANDIDATE:
        confirmed = _last(events, EventKind.CONFIRM_ACTIVIST)
        if confirmed is not None:
            earliest = add_years(confirmed.on, policy.activist_min_years)
            if on < earliest:
                out.append(
                    Violation(
                        "activist_period",
                        f"入党积极分子培养考察不满{policy.activist_min_years}年"
                        f"（最早可于{earliest.isoformat()}确定为发展对象）",
                        f"{_XIZE}第十三条",
                    )
                )
    elif kind is EventKind.ADMIT:
        formal = sum(1 for s in facts.sponsors if s is MemberStatus.FORMAL)
        if formal < policy.sponsors_required or len(facts.sponsors) != formal:
            out.append(
                Violation(
                    "sponsors",
                    f"须有{policy.sponsors_required}名正式党员作入党介绍人",
                    f"{_DANGZHANG}第五条；{_XIZE}第十七条",
                )
            )
        if (
            facts.training_hours < policy.training_min_hours
            and facts.training_days < policy.training_min_days
        ):
            out.append(
                Violation(
                    "training",
                    f"集中培训不足{policy.training_min_days}天或{policy.training_min_hours}学时",
                    f"{_XIZE}第十七条",
                )
            )
        pre = facts.pre_review_passed_on
        if pre is None or pre > on:
            out.append(Violation("pre_review", "基层党委预审尚未通过", f"{_XIZE}第十九条"))
        form = facts.volunteer_form_issued_on
        if form is None:
            out.append(Violation("volunteer_form", "尚未发放入党志愿书", f"{_XIZE}第十九条"))
        elif pre is not None and form < pre:
            out.append(
                Violation(
                    "form_before_pre_review", "入党志愿书须在预审通过后发放", f"{_XIZE}第十九条"
                )
            )
        leaving = facts.leaving_unit_on
        if leaving is not None and on <= leaving <= add_months(on, policy.leave_unit_guard_months):
            out.append(
                Violation(
                    "leaving_unit",
                    f"发展对象将在{policy.leave_unit_guard_months}个月内离开工作学习单位，不宜发展",
                    f"{_XIZE}第十九条",
                )
            )
        out.extend(_check_publicity(facts, on, is_workday, policy, "发展对象"))
    elif kind is EventKind.APPROVE:
        admit = _last(events, EventKind.ADMIT)
        if _last(events, EventKind.APPROVE) is not None:
            out.append(Violation("already_approved", "党委已审批", _XIZE))
        if admit is not None:
            months = (
                policy.approval_months_special if facts.special_case else policy.approval_months
            )
            limit = add_months(admit.on, months)
            if on > limit:
                out.append(
                    Violation(
                        "approval_late",
                        f"党委审批超过支部大会通过之日起{months}个月（{limit.isoformat()}）",
                        _XIZE,
                    )
                )
    elif kind is EventKind.EXTEND_PROBATION:
        low, high = policy.extension_months_range
        already = sum(e.extension_months for e in events if e.kind is EventKind.EXTEND_PROBATION)
        if not low <= proposed.extension_months <= high:
            out.append(
                Violation(
                    "extension_range",
                    f"延长预备期须为{low}至{high}个月",
                    f"{_DANGZHANG}第七条",
                )
            )
        elif already + proposed.extension_months > policy.max_total_extension_months:
            out.append(
                Violation(
                    "extension_total",
                    f"预备期累计延长不能超过{policy.max_total_extension_months}个月",
                    f"{_DANGZHANG}第七条",
                )
            )
    elif kind is EventKind.CONFIRM_FULL:
        if _last(events, EventKind.APPROVE) is None:
            out.append(Violation("not_approved", "接收预备党员尚未经党委审批", _XIZE))
        end = probation_end(events, policy)
        if end is not None and on < end:
            out.append(
                Violation(
                    "probation_not_over",
                    f"预备期未满（{end.isoformat()}期满）",
                    f"{_DANGZHANG}第五条、第七条",
                )
            )
        out.extend(_check_publicity(facts, on, is_workday, policy, "预备党员转正"))
    return out


def next_deadlines(
    history: Sequence[Event],
    today: date,
    policy: DevelopmentPolicy = DEFAULT_DEVELOPMENT_POLICY,
) -> list[Deadline]:
    """Reminders for each open window that closes, sorted by due date; ``days_left`` is
    negative when the date has passed and the step is still not recorded."""
    stage = stage_of(history)
    events = _since_last_apply(history)
    out: list[Deadline] = []

    def add(code: str, what: str, due: date, basis: str) -> None:
        out.append(Deadline(code, what, due, (due - today).days, basis))

    apply = _last(events, EventKind.APPLY)
    if stage is Stage.APPLICANT and apply is not None and _last(events, EventKind.TALK) is None:
        add(
            "talk",
            "与入党申请人谈话",
            add_months(apply.on, policy.talk_within_months),
            _XIZE,
        )
    if stage is Stage.ACTIVIST:
        confirmed = _last(events, EventKind.CONFIRM_ACTIVIST)
        assessed = _last(events, EventKind.ASSESS_ACTIVIST)
        anchor = max((e.on for e in (confirmed, assessed) if e is not None), default=None)
        if anchor is not None:
            add(
                "assessment",
                "入党积极分子半年考察",
                add_months(anchor, policy.assessment_every_months),
                f"{_XIZE}第十一条",
            )
    if stage is Stage.PROBATIONARY:
        admit = _last(events, EventKind.ADMIT)
        if admit is not None and _last(events, EventKind.APPROVE) is None:
            add(
                "approval",
                "党委审批接收预备党员",
                add_months(admit.on, policy.approval_months),
                _XIZE,
            )
        end = probation_end(events, policy)
        if end is not None:
            add("probation_end", "预备期满，支部大会讨论转正", end, f"{_DANGZHANG}第五条、第七条")
    return sorted(out, key=lambda d: d.due)
