"""The engine: expected vs held, quorum, attendance, minutes, lapse risks; idempotence,
auto-resolution, handling and escalation."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from shegong.compliance import testing as t
from shegong.compliance.choices import FindingStatus, Rule
from shegong.compliance.models import BranchQuarter, ComplianceFinding
from shegong.compliance.services.actions import handle_finding
from shegong.compliance.services.engine import run_compliance
from shegong.compliance.services.judge import quarter_of

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 20)
Q4 = quarter_of(TODAY)


def _open(rule: str) -> list[ComplianceFinding]:
    return list(ComplianceFinding.objects.filter(rule=rule, status__in=["open", "escalated"]))


def _kind(org_id: int, kind: str, quarter: int = Q4) -> dict:
    row = BranchQuarter.objects.get(organization_id=org_id, quarter=quarter)
    return row.detail["kinds"][kind]


def test_monthly_theme_day_missing_in_current_month_is_in_progress(branch) -> None:
    t.meeting(branch.pk, "theme_day", date(2026, 10, 10))
    t.meeting(branch.pk, "theme_day", date(2026, 11, 10))
    run_compliance(today=TODAY)
    assert _kind(branch.pk, "theme_day")["missing"] == 1


def test_missing_in_running_month_opens_no_finding(branch) -> None:
    t.meeting(branch.pk, "theme_day", date(2026, 10, 10))
    t.meeting(branch.pk, "theme_day", date(2026, 11, 10))
    run_compliance(today=TODAY)
    keys = [f.subject_key for f in _open(Rule.MEETINGS_SHORT)]
    assert f"org:{branch.pk}:theme_day:2026-12" not in keys


def test_ended_month_without_theme_day_opens_a_finding(branch) -> None:
    t.meeting(branch.pk, "theme_day", date(2026, 10, 10))
    run_compliance(today=TODAY)
    keys = [f.subject_key for f in _open(Rule.MEETINGS_SHORT)]
    assert f"org:{branch.pk}:theme_day:2026-11" in keys


def test_rerun_is_idempotent(branch) -> None:
    run_compliance(today=TODAY)
    before = sorted(ComplianceFinding.objects.values_list("rule", "subject_key", "status"))
    second = run_compliance(today=TODAY)
    after = sorted(ComplianceFinding.objects.values_list("rule", "subject_key", "status"))
    assert (second.opened, after) == (0, before)


def test_finding_auto_resolves_when_the_meeting_is_recorded(branch) -> None:
    run_compliance(today=TODAY)
    t.meeting(branch.pk, "theme_day", date(2026, 11, 28))
    run_compliance(today=TODAY)
    f = ComplianceFinding.objects.get(subject_key=f"org:{branch.pk}:theme_day:2026-11")
    assert f.status == FindingStatus.AUTO_RESOLVED


def test_org_life_meeting_counts_only_in_the_q4_window(branch) -> None:
    t.meeting(branch.pk, "org_life", date(2026, 9, 30))
    run_compliance(today=TODAY)
    assert _kind(branch.pk, "org_life")["held"] == 0


def test_org_life_meeting_in_october_satisfies_the_year(branch) -> None:
    t.meeting(branch.pk, "org_life", date(2026, 10, 1))
    run_compliance(today=TODAY)
    assert _kind(branch.pk, "org_life")["missing"] == 0


def test_org_life_is_not_expected_before_q4(branch) -> None:
    run_compliance(today=date(2026, 8, 1))
    row = BranchQuarter.objects.get(organization_id=branch.pk, quarter=quarter_of(date(2026, 8, 1)))
    assert "org_life" not in row.detail["kinds"]


def test_assembly_quorum_needs_more_than_half_of_voting_members(branch) -> None:
    formal = [t.member(branch.pk, joined=date(2020, 1, 1)) for _ in range(4)]
    t.meeting(branch.pk, "assembly", date(2026, 11, 5), present=formal[:2], absent=formal[2:])
    run_compliance(today=TODAY)
    assert len(_open(Rule.ASSEMBLY_QUORUM)) == 1


def test_probationary_members_do_not_count_for_quorum(branch) -> None:
    formal = [t.member(branch.pk, joined=date(2020, 1, 1)) for _ in range(3)]
    prob = [t.member(branch.pk, joined=date(2020, 1, 1), stage="probationary") for _ in range(3)]
    t.meeting(
        branch.pk, "assembly", date(2026, 11, 5), present=formal[:2], absent=[formal[2], *prob]
    )
    run_compliance(today=TODAY)
    assert _open(Rule.ASSEMBLY_QUORUM) == []


def test_low_attendance_is_flagged(branch) -> None:
    people = [t.member(branch.pk, joined=date(2020, 1, 1)) for _ in range(5)]
    t.meeting(branch.pk, "lecture", date(2026, 11, 5), present=people[:3], absent=people[3:])
    run_compliance(today=TODAY)
    assert len(_open(Rule.LOW_ATTENDANCE)) == 1


def test_minutes_recorded_on_the_last_allowed_day_are_on_time(branch) -> None:
    t.meeting(branch.pk, "committee", date(2026, 11, 5), minutes_on=date(2026, 11, 12))
    run_compliance(today=TODAY)
    assert _open(Rule.LATE_MINUTES) == []


def test_minutes_recorded_a_day_later_are_late(branch) -> None:
    t.meeting(branch.pk, "committee", date(2026, 11, 5), minutes_on=date(2026, 11, 13))
    run_compliance(today=TODAY)
    assert len(_open(Rule.LATE_MINUTES)) == 1


def test_missing_minutes_wait_for_the_deadline(branch) -> None:
    t.meeting(branch.pk, "committee", date(2026, 12, 15), minutes="")
    run_compliance(today=TODAY)
    assert _open(Rule.NO_MINUTES) == []


def test_missing_minutes_after_the_deadline_are_flagged(branch) -> None:
    t.meeting(branch.pk, "committee", date(2026, 12, 1), minutes="")
    run_compliance(today=TODAY)
    assert len(_open(Rule.NO_MINUTES)) == 1


def _active_member(org_id: int, joined: date, months: list[date]):
    m = t.member(org_id, joined=joined)
    for day in months:
        t.pay(m, day)
    return m


def test_six_months_without_org_life_across_year_end_flag_a_risk(branch) -> None:
    # Last attended in August 2026; Sep 2026 – Feb 2027 is six months across the year end.
    m = _active_member(
        branch.pk,
        date(2025, 1, 1),
        [date(2026, mo, 1) for mo in range(1, 13)] + [date(2027, 1, 1), date(2027, 2, 1)],
    )
    t.meeting(branch.pk, "theme_day", date(2026, 8, 10), present=[m])
    run_compliance(today=date(2027, 3, 5))
    keys = [f.subject_key for f in _open(Rule.LAPSE_RISK)]
    assert keys == [f"member:{m.pk}:org_life:2026-09"]


def test_five_months_without_org_life_are_not_a_risk(branch) -> None:
    m = _active_member(
        branch.pk, date(2025, 1, 1), [date(2026, mo, 1) for mo in range(1, 13)] + [date(2027, 1, 1)]
    )
    t.meeting(branch.pk, "theme_day", date(2026, 8, 10), present=[m])
    run_compliance(today=date(2027, 2, 5))
    assert _open(Rule.LAPSE_RISK) == []


def test_partial_join_month_is_not_counted(branch) -> None:
    # Joined 15 June: July–December are the six counted months; June is not (D7).
    m = t.member(branch.pk, joined=date(2026, 6, 15))
    for mo in range(6, 13):
        t.pay(m, date(2026, mo, 1))
    run_compliance(today=date(2026, 12, 20))
    assert _open(Rule.LAPSE_RISK) == []


def test_partial_join_month_then_six_full_months_flag(branch) -> None:
    m = t.member(branch.pk, joined=date(2026, 6, 15))
    for mo in range(6, 13):
        t.pay(m, date(2026, mo, 1))
    run_compliance(today=date(2027, 1, 3))
    assert [f.period for f in _open(Rule.LAPSE_RISK)] == ["2026-07至2026-12"]


def test_handled_lapse_risk_stays_handled_and_member_is_untouched(branch, world) -> None:
    m = t.member(branch.pk, joined=date(2025, 1, 1))
    run_compliance(today=TODAY)
    f = _open(Rule.LAPSE_RISK)[0]
    handle_finding(actor=world.users["secretary"], finding_id=f.pk, note="已谈心谈话，了解原因")
    run_compliance(today=TODAY)
    m.refresh_from_db()
    still = ComplianceFinding.objects.get(pk=f.pk)
    assert (still.status, m.standing) == (FindingStatus.HANDLED, "active")


def test_waived_dues_count_as_paid(branch) -> None:
    m = t.member(branch.pk, joined=date(2025, 1, 1))
    t.assess(m, 2026, "0.00")
    t.meeting(branch.pk, "theme_day", date(2026, 11, 10), present=[m])
    run_compliance(today=TODAY)
    kinds = {f.subject_key.split(":")[2] for f in _open(Rule.LAPSE_RISK)}
    assert "dues" not in kinds


def _risk_kinds() -> set[str]:
    return {f.subject_key.split(":")[2] for f in _open(Rule.LAPSE_RISK)}


def test_member_without_work_assignment_is_not_flagged_for_work(branch) -> None:
    m = t.member(branch.pk, joined=date(2025, 1, 1))
    for mo in range(1, 12):
        t.meeting(branch.pk, "theme_day", date(2026, mo, 10), present=[m])
    run_compliance(today=TODAY)
    assert _risk_kinds() == set()


def test_never_assessed_months_are_not_unpaid_dues(branch) -> None:
    m = t.member(branch.pk, joined=date(2025, 1, 1))
    t.meeting(branch.pk, "theme_day", date(2026, 11, 10), present=[m])
    run_compliance(today=TODAY)
    assert "dues" not in _risk_kinds()


def test_assessed_months_without_payment_flag_dues(branch) -> None:
    m = t.member(branch.pk, joined=date(2025, 1, 1))
    t.assess(m, 2026, "10.00")
    t.meeting(branch.pk, "theme_day", date(2026, 11, 10), present=[m])
    run_compliance(today=TODAY)
    assert "dues" in _risk_kinds()


def test_open_finding_escalates_to_the_parent_after_the_policy_days(branch) -> None:
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=timezone.get_current_timezone())):
        run_compliance()
    with time_machine.travel(datetime(2027, 1, 2, 9, tzinfo=timezone.get_current_timezone())):
        run_compliance()
    f = ComplianceFinding.objects.filter(status=FindingStatus.ESCALATED).first()
    assert f is not None
    assert f.escalated_to_id == branch.parent_id


def test_secretary_cannot_handle_a_finding_of_another_branch(world, make_other_branch) -> None:
    from shegong.core.exceptions import DomainError

    other = make_other_branch()
    t.member(other.pk, joined=date(2025, 1, 1))
    run_compliance(today=TODAY)
    f = ComplianceFinding.objects.filter(organization=other).first()
    with pytest.raises(DomainError):
        handle_finding(actor=world.users["secretary"], finding_id=f.pk, note="x")


def test_run_touches_only_today_period(branch) -> None:
    run_compliance(today=TODAY)
    assert set(BranchQuarter.objects.values_list("quarter", flat=True)) == {Q4 - 1, Q4}


def test_days_left_counts_to_the_end_of_the_month(branch) -> None:
    run_compliance(today=TODAY)
    rows = _kind(branch.pk, "theme_day")["periods"]
    assert rows[-1]["days_left"] == (date(2026, 12, 31) - TODAY).days
