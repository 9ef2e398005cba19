"""党员发展 stage machine and checks (《中国共产党发展党员工作细则》)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shegong.lib.partyrules.development import (
    TRANSITIONS,
    DevelopmentPolicy,
    Event,
    EventKind,
    Facts,
    MemberStatus,
    Publicity,
    Stage,
    check_transition,
    next_deadlines,
    probation_end,
    stage_of,
)
from shegong.lib.partyrules.months import add_years

K = EventKind
F = MemberStatus.FORMAL


def weekdays(day: date) -> bool:
    """A stand-in calendar: Monday to Friday are working days."""
    return day.weekday() < 5


APPLICANT = [Event(K.APPLY, date(2023, 1, 10)), Event(K.TALK, date(2023, 2, 1))]
ACTIVIST = [*APPLICANT, Event(K.CONFIRM_ACTIVIST, date(2023, 3, 1))]
CANDIDATE = [*ACTIVIST, Event(K.CONFIRM_CANDIDATE, date(2024, 3, 1))]
ADMITTED = [*CANDIDATE, Event(K.ADMIT, date(2024, 9, 10))]
APPROVED = [*ADMITTED, Event(K.APPROVE, date(2024, 10, 15))]

# 公示 Monday 2024-09-02 to Friday 2024-09-06: five working days.
GOOD_ADMIT = Facts(
    sponsors=(F, F),
    training_hours=Decimal(24),
    pre_review_passed_on=date(2024, 8, 20),
    volunteer_form_issued_on=date(2024, 8, 25),
    publicity=Publicity(date(2024, 9, 2), date(2024, 9, 6)),
)
NO_FACTS = Facts()
CONFIRM_PUBLICITY = Facts(publicity=Publicity(date(2025, 9, 1), date(2025, 9, 5)))


def codes(history: list[Event], proposed: Event, facts: Facts = NO_FACTS) -> list[str]:
    return [v.code for v in check_transition(history, proposed, facts, is_workday=weekdays)]


@pytest.mark.parametrize(
    ("history", "stage"),
    [
        ([], Stage.NONE),
        (APPLICANT, Stage.APPLICANT),
        (ACTIVIST, Stage.ACTIVIST),
        (CANDIDATE, Stage.CANDIDATE),
        (ADMITTED, Stage.PROBATIONARY),
        (APPROVED, Stage.PROBATIONARY),
        ([*APPROVED, Event(K.CONFIRM_FULL, date(2025, 9, 10))], Stage.FULL),
        ([*APPROVED, Event(K.CANCEL_PROBATION, date(2025, 9, 10))], Stage.CANCELLED),
        ([*ACTIVIST, Event(K.LEAVE, date(2023, 6, 1))], Stage.LEFT),
    ],
)
def test_stage_of(history: list[Event], stage: Stage) -> None:
    assert stage_of(history) is stage


def test_stage_of_rejects_skipped_stage() -> None:
    with pytest.raises(ValueError, match="入党申请人"):
        stage_of([Event(K.APPLY, date(2023, 1, 1)), Event(K.ADMIT, date(2023, 2, 1))])


def test_every_stage_but_none_is_reachable() -> None:
    targets = {target for _, target in TRANSITIONS.values() if target is not None}
    assert targets == set(Stage) - {Stage.NONE}


@pytest.mark.parametrize(
    ("history", "kind"),
    [
        (APPLICANT, K.CONFIRM_CANDIDATE),
        (ACTIVIST, K.ADMIT),
        (CANDIDATE, K.CONFIRM_FULL),
        (APPROVED, K.LEAVE),
        ([], K.CONFIRM_ACTIVIST),
        (APPLICANT, K.APPLY),
    ],
)
def test_illegal_transitions(history: list[Event], kind: EventKind) -> None:
    assert codes(history, Event(kind, date(2026, 1, 1))) == ["illegal_transition"]


def test_illegal_transition_message_in_chinese() -> None:
    [v] = check_transition(APPLICANT, Event(K.ADMIT, date(2026, 1, 1)))
    assert v.message == "入党申请人不能进行“支部大会接收为预备党员”"


def test_reapply_after_leaving_allowed() -> None:
    history = [*ACTIVIST, Event(K.LEAVE, date(2023, 6, 1))]
    facts = Facts(birth_date=date(2000, 1, 1))
    assert codes(history, Event(K.APPLY, date(2024, 1, 1)), facts) == []


def test_reapply_after_cancelled_probation_allowed() -> None:
    history = [*APPROVED, Event(K.CANCEL_PROBATION, date(2025, 9, 10))]
    facts = Facts(birth_date=date(2000, 1, 1))
    assert codes(history, Event(K.APPLY, date(2026, 1, 1)), facts) == []


def test_date_before_history() -> None:
    facts = Facts(contacts=(F,))
    assert codes(APPLICANT, Event(K.CONFIRM_ACTIVIST, date(2023, 1, 31)), facts) == [
        "date_before_history"
    ]


# -- age ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (date(2006, 3, 2), ["under_age"]),  # 18 tomorrow
        (date(2006, 3, 1), []),  # 18 today
    ],
)
def test_age_on_application(birth: date, expected: list[str]) -> None:
    assert codes([], Event(K.APPLY, date(2024, 3, 1)), Facts(birth_date=birth)) == expected


def test_age_leap_day_birthday_reached_on_28_february() -> None:
    facts = Facts(birth_date=date(2004, 2, 29))
    assert codes([], Event(K.APPLY, date(2022, 2, 28)), facts) == []


def test_birth_date_required() -> None:
    assert codes([], Event(K.APPLY, date(2024, 3, 1))) == ["birth_date_missing"]


def test_min_age_configurable() -> None:
    facts = Facts(birth_date=date(2006, 3, 1))
    violations = check_transition(
        [], Event(K.APPLY, date(2024, 3, 1)), facts, policy=DevelopmentPolicy(min_age=19)
    )
    assert [v.code for v in violations] == ["under_age"]


def test_under_age_cites_basis() -> None:
    [v] = check_transition([], Event(K.APPLY, date(2024, 3, 1)), Facts(birth_date=date(2010, 1, 1)))
    assert v.basis == "《中国共产党章程》第一条；《中国共产党发展党员工作细则》第五条"


# -- 培养联系人 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contacts", "expected"),
    [
        ((), ["contacts"]),
        ((F,), []),
        ((F, F), []),
        ((F, F, F), ["contacts"]),
        ((F, MemberStatus.PROBATIONARY), ["contacts"]),
    ],
)
def test_contacts(contacts: tuple[MemberStatus, ...], expected: list[str]) -> None:
    event = Event(K.CONFIRM_ACTIVIST, date(2023, 3, 1))
    assert codes(APPLICANT, event, Facts(contacts=contacts)) == expected


# -- ≥ 1 year as 积极分子 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2024, 2, 29), ["activist_period"]),  # one day short
        (date(2024, 3, 1), []),  # exactly one year
    ],
)
def test_activist_one_year(on: date, expected: list[str]) -> None:
    assert codes(ACTIVIST, Event(K.CONFIRM_CANDIDATE, on)) == expected


LEAP_ACTIVIST = [*APPLICANT, Event(K.CONFIRM_ACTIVIST, date(2024, 2, 29))]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2025, 2, 27), ["activist_period"]),
        (date(2025, 2, 28), []),  # 29 Feb + 1 year = 28 Feb
    ],
)
def test_activist_one_year_from_leap_day(on: date, expected: list[str]) -> None:
    assert codes(LEAP_ACTIVIST, Event(K.CONFIRM_CANDIDATE, on)) == expected


def test_activist_period_message_names_earliest_date() -> None:
    [v] = check_transition(ACTIVIST, Event(K.CONFIRM_CANDIDATE, date(2024, 2, 1)))
    assert v.message == "入党积极分子培养考察不满1年（最早可于2024-03-01确定为发展对象）"


def test_activist_period_basis() -> None:
    [v] = check_transition(ACTIVIST, Event(K.CONFIRM_CANDIDATE, date(2024, 2, 1)))
    assert v.basis == "《中国共产党发展党员工作细则》第十三条"


# -- admission by the 支部大会 -----------------------------------------------------------------

ADMIT_ON = Event(K.ADMIT, date(2024, 9, 10))


def test_admit_with_all_facts_allowed() -> None:
    assert codes(CANDIDATE, ADMIT_ON, GOOD_ADMIT) == []


@pytest.mark.parametrize(
    ("sponsors", "expected"),
    [
        ((F,), ["sponsors"]),
        ((F, MemberStatus.PROBATIONARY), ["sponsors"]),
        ((F, MemberStatus.DISCIPLINED), ["sponsors"]),
        ((F, F), []),
    ],
)
def test_sponsors(sponsors: tuple[MemberStatus, ...], expected: list[str]) -> None:
    facts = replace(GOOD_ADMIT, sponsors=sponsors)
    assert codes(CANDIDATE, ADMIT_ON, facts) == expected


@pytest.mark.parametrize(
    ("hours", "days", "expected"),
    [
        (Decimal("23.5"), 2, ["training"]),
        (Decimal(24), 0, []),
        (Decimal(0), 3, []),
    ],
)
def test_training(hours: Decimal, days: int, expected: list[str]) -> None:
    facts = replace(GOOD_ADMIT, training_hours=hours, training_days=days)
    assert codes(CANDIDATE, ADMIT_ON, facts) == expected


def test_pre_review_missing() -> None:
    facts = replace(GOOD_ADMIT, pre_review_passed_on=None)
    assert codes(CANDIDATE, ADMIT_ON, facts) == ["pre_review"]


def test_volunteer_form_before_pre_review() -> None:
    facts = replace(GOOD_ADMIT, volunteer_form_issued_on=date(2024, 8, 19))
    assert codes(CANDIDATE, ADMIT_ON, facts) == ["form_before_pre_review"]


def test_volunteer_form_missing() -> None:
    facts = replace(GOOD_ADMIT, volunteer_form_issued_on=None)
    assert codes(CANDIDATE, ADMIT_ON, facts) == ["volunteer_form"]


@pytest.mark.parametrize(
    ("leaving", "expected"),
    [
        (date(2024, 12, 10), ["leaving_unit"]),  # exactly 3 months
        (date(2024, 12, 11), []),
    ],
)
def test_leaving_unit_guard(leaving: date, expected: list[str]) -> None:
    facts = replace(GOOD_ADMIT, leaving_unit_on=leaving)
    assert codes(CANDIDATE, ADMIT_ON, facts) == expected


@pytest.mark.parametrize(
    ("publicity", "expected"),
    [
        (None, ["publicity_missing"]),
        (Publicity(date(2024, 9, 3), date(2024, 9, 9)), []),  # Tue..Mon across a weekend: 5
        (Publicity(date(2024, 9, 3), date(2024, 9, 8)), ["publicity_too_short"]),  # 4
        (
            Publicity(date(2024, 9, 6), date(2024, 9, 10)),
            ["publicity_not_over", "publicity_too_short"],
        ),
    ],
)
def test_publicity_before_admission(publicity: Publicity | None, expected: list[str]) -> None:
    facts = replace(GOOD_ADMIT, publicity=publicity)
    assert codes(CANDIDATE, ADMIT_ON, facts) == expected


def test_publicity_uses_the_callers_calendar() -> None:
    def holiday_on_wednesday(day: date) -> bool:
        return weekdays(day) and day != date(2024, 9, 4)

    violations = check_transition(CANDIDATE, ADMIT_ON, GOOD_ADMIT, is_workday=holiday_on_wednesday)
    assert [v.code for v in violations] == ["publicity_too_short"]


def test_publicity_check_needs_a_calendar() -> None:
    with pytest.raises(ValueError, match="工作日历"):
        check_transition(CANDIDATE, ADMIT_ON, GOOD_ADMIT)


# -- 党委 approval ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "special", "expected"),
    [
        (date(2024, 12, 10), False, []),  # exactly 3 months
        (date(2024, 12, 11), False, ["approval_late"]),
        (date(2025, 3, 10), True, []),  # 6 months in special cases
        (date(2025, 3, 11), True, ["approval_late"]),
    ],
)
def test_approval_window(on: date, special: bool, expected: list[str]) -> None:
    assert codes(ADMITTED, Event(K.APPROVE, on), Facts(special_case=special)) == expected


def test_approval_only_once() -> None:
    assert codes(APPROVED, Event(K.APPROVE, date(2024, 10, 20))) == ["already_approved"]


# -- probation ----------------------------------------------------------------------------------


def test_probation_end_one_year_from_branch_meeting() -> None:
    assert probation_end(ADMITTED) == date(2025, 9, 10)


def test_probation_end_with_extension() -> None:
    history = [*APPROVED, Event(K.EXTEND_PROBATION, date(2025, 9, 10), extension_months=6)]
    assert probation_end(history) == date(2026, 3, 10)


def test_probation_end_from_leap_day() -> None:
    history = [*CANDIDATE, Event(K.ADMIT, date(2028, 2, 29))]
    assert probation_end(history) == date(2029, 2, 28)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2025, 9, 9), ["probation_not_over"]),
        (date(2025, 9, 10), []),
    ],
)
def test_confirm_full_after_probation(on: date, expected: list[str]) -> None:
    assert codes(APPROVED, Event(K.CONFIRM_FULL, on), CONFIRM_PUBLICITY) == expected


def test_confirm_full_needs_approval() -> None:
    assert codes(ADMITTED, Event(K.CONFIRM_FULL, date(2025, 9, 10)), CONFIRM_PUBLICITY) == [
        "not_approved"
    ]


def test_confirm_full_needs_publicity() -> None:
    assert codes(APPROVED, Event(K.CONFIRM_FULL, date(2025, 9, 10))) == ["publicity_missing"]


@pytest.mark.parametrize(
    ("months", "expected"),
    [(5, ["extension_range"]), (6, []), (12, []), (13, ["extension_range"])],
)
def test_extension_range(months: int, expected: list[str]) -> None:
    event = Event(K.EXTEND_PROBATION, date(2025, 9, 10), extension_months=months)
    assert codes(APPROVED, event) == expected


def test_extensions_total_at_most_a_year() -> None:
    history = [*APPROVED, Event(K.EXTEND_PROBATION, date(2025, 9, 10), extension_months=6)]
    event = Event(K.EXTEND_PROBATION, date(2026, 3, 10), extension_months=7)
    assert codes(history, event) == ["extension_total"]


def test_second_extension_within_total_allowed() -> None:
    history = [*APPROVED, Event(K.EXTEND_PROBATION, date(2025, 9, 10), extension_months=6)]
    event = Event(K.EXTEND_PROBATION, date(2026, 3, 10), extension_months=6)
    assert codes(history, event) == []


def test_bad_history_reported_not_raised() -> None:
    broken = [Event(K.ADMIT, date(2024, 1, 1))]
    assert codes(broken, Event(K.APPROVE, date(2024, 2, 1))) == ["bad_history"]


# -- next_deadlines -----------------------------------------------------------------------------


def test_talk_reminder_due_one_month_after_application() -> None:
    history = [Event(K.APPLY, date(2025, 1, 31))]
    [deadline] = next_deadlines(history, date(2025, 2, 20))
    assert (deadline.code, deadline.due, deadline.days_left) == ("talk", date(2025, 2, 28), 8)


def test_talk_reminder_overdue_is_negative() -> None:
    [deadline] = next_deadlines([Event(K.APPLY, date(2025, 1, 10))], date(2025, 2, 12))
    assert deadline.days_left == -2


def test_talk_done_no_reminder() -> None:
    assert next_deadlines(APPLICANT, date(2023, 2, 5)) == []


def test_activist_assessment_every_six_months_from_last() -> None:
    history = [*ACTIVIST, Event(K.ASSESS_ACTIVIST, date(2023, 9, 1))]
    [deadline] = next_deadlines(history, date(2023, 10, 1))
    assert (deadline.code, deadline.due) == ("assessment", date(2024, 3, 1))


def test_probationary_deadlines_in_due_order() -> None:
    deadlines = next_deadlines(ADMITTED, date(2024, 9, 20))
    assert [(d.code, d.due) for d in deadlines] == [
        ("approval", date(2024, 12, 10)),
        ("probation_end", date(2025, 9, 10)),
    ]


def test_approved_only_probation_end_remains() -> None:
    assert [d.code for d in next_deadlines(APPROVED, date(2024, 11, 1))] == ["probation_end"]


def test_full_member_has_no_deadlines() -> None:
    history = [*APPROVED, Event(K.CONFIRM_FULL, date(2025, 9, 10))]
    assert next_deadlines(history, date(2025, 10, 1)) == []


def test_deadline_days_left_counts_calendar_days() -> None:
    [_, end] = next_deadlines(ADMITTED, date(2024, 9, 20))
    assert end.days_left == 355


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_activist_boundary_property(confirmed: date) -> None:
    history = [
        Event(K.APPLY, confirmed - timedelta(days=60)),
        Event(K.CONFIRM_ACTIVIST, confirmed),
    ]
    earliest = add_years(confirmed, 1)
    results = (
        codes(history, Event(K.CONFIRM_CANDIDATE, earliest - timedelta(days=1))),
        codes(history, Event(K.CONFIRM_CANDIDATE, earliest)),
    )
    assert results == (["activist_period"], [])
