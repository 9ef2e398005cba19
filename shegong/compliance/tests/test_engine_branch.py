"""The engine and the branch it judges: which meetings it owes (支委会 with a committee,
党小组会 with groups), from when (founding date), until when (dissolution)."""

from __future__ import annotations

from datetime import date

import pytest

from shegong.compliance import testing as t
from shegong.compliance.choices import FindingStatus, Rule
from shegong.compliance.models import BranchQuarter, ComplianceFinding, CompliancePolicy
from shegong.compliance.services.actions import handle_finding
from shegong.compliance.services.engine import run_compliance
from shegong.compliance.services.judge import quarter_of
from shegong.compliance.services.overview import live_quarter
from shegong.organizations.models import PartyOrganization

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 20)
Q4 = quarter_of(TODAY)


def _kinds(org_id: int, quarter: int = Q4) -> set[str]:
    row = BranchQuarter.objects.get(organization_id=org_id, quarter=quarter)
    return set(row.detail["kinds"])


def _open_keys() -> set[str]:
    return set(
        ComplianceFinding.objects.filter(status__in=["open", "escalated"]).values_list(
            "subject_key", flat=True
        )
    )


def _members(org_id: int, full: int, probationary: int = 0) -> None:
    for _ in range(full):
        t.member(org_id, joined=date(2020, 1, 1))
    for _ in range(probationary):
        t.member(org_id, joined=date(2020, 1, 1), stage="probationary")


# --- 支委会 and 党小组会 depend on the branch ----------------------------------------------


def test_branch_below_seven_formal_members_owes_no_committee_meeting(branch) -> None:
    _members(branch.pk, 6)
    run_compliance(today=TODAY, check_members=False)
    assert "committee" not in _kinds(branch.pk)


def test_branch_below_seven_gets_no_committee_finding(branch) -> None:
    _members(branch.pk, 6)
    run_compliance(today=TODAY, check_members=False)
    assert f"org:{branch.pk}:committee:2026-11" not in _open_keys()


def test_branch_with_seven_formal_members_owes_committee_meetings(branch) -> None:
    _members(branch.pk, 7)
    run_compliance(today=TODAY, check_members=False)
    assert f"org:{branch.pk}:committee:2026-11" in _open_keys()


def test_probationary_members_do_not_make_a_committee(branch) -> None:
    _members(branch.pk, 6, probationary=3)
    run_compliance(today=TODAY, check_members=False)
    assert "committee" not in _kinds(branch.pk)


def test_imported_count_decides_without_member_records(branch) -> None:
    PartyOrganization.objects.filter(pk=branch.pk).update(formal_members=8)
    run_compliance(today=TODAY, check_members=False)
    assert "committee" in _kinds(branch.pk)


def test_committee_threshold_comes_from_the_policy(branch) -> None:
    policy = CompliancePolicy.current()
    policy.committee_min_formal = 5
    policy.save()
    run_compliance(today=TODAY, check_members=False)  # the fixture's branch: 5 正式党员
    assert "committee" in _kinds(branch.pk)


def test_group_meetings_not_owed_below_the_member_threshold(branch) -> None:
    _members(branch.pk, 7, probationary=2)
    run_compliance(today=TODAY, check_members=False)
    assert "group" not in _kinds(branch.pk)


def test_group_meetings_owed_from_the_member_threshold(branch) -> None:
    _members(branch.pk, 7, probationary=3)
    run_compliance(today=TODAY, check_members=False)
    assert "group" in _kinds(branch.pk)


def test_kinds_left_out_by_the_policy_are_not_judged(branch) -> None:
    policy = CompliancePolicy.current()
    policy.expected_kinds = ["assembly", "lecture"]
    policy.save()
    run_compliance(today=TODAY, check_members=False)
    assert _kinds(branch.pk) == {"assembly", "lecture"}


def test_secretary_page_follows_the_branch_committee(branch) -> None:
    _members(branch.pk, 3)
    judged = live_quarter(branch, TODAY)
    kinds = judged.detail["kinds"]
    assert isinstance(kinds, dict)  # narrowing for the type checker
    assert "committee" not in kinds


# --- founded_on ---------------------------------------------------------------------------


def _founded(org: PartyOrganization, day: date) -> None:
    PartyOrganization.objects.filter(pk=org.pk).update(founded_on=day)


def test_quarter_before_the_founding_gets_no_row(branch) -> None:
    _founded(branch, date(2026, 11, 10))
    run_compliance(today=TODAY, check_members=False)
    assert not BranchQuarter.objects.filter(organization_id=branch.pk, quarter=Q4 - 1).exists()


def test_month_of_the_founding_is_not_judged(branch) -> None:
    _founded(branch, date(2026, 11, 10))
    run_compliance(today=TODAY, check_members=False)
    assert f"org:{branch.pk}:theme_day:2026-11" not in _open_keys()


def test_first_full_month_after_the_founding_is_judged(branch) -> None:
    _founded(branch, date(2026, 10, 10))
    run_compliance(today=TODAY, check_members=False)
    assert f"org:{branch.pk}:theme_day:2026-11" in _open_keys()


def test_quarterly_meeting_not_owed_for_the_quarter_of_the_founding(branch) -> None:
    _founded(branch, date(2026, 10, 2))
    run_compliance(today=TODAY, check_members=False)
    assert "assembly" not in _kinds(branch.pk)


def test_founding_on_the_first_day_judges_that_quarter(branch) -> None:
    _founded(branch, date(2026, 10, 1))
    run_compliance(today=TODAY, check_members=False)
    assert "assembly" in _kinds(branch.pk)


# --- dissolved and merged branches --------------------------------------------------------


def _dissolve(org: PartyOrganization, day: date, status: str = "dissolved") -> None:
    PartyOrganization.objects.filter(pk=org.pk).update(status=status, ended_on=day)


def test_dissolved_branch_gets_no_row_for_the_next_quarter(branch) -> None:
    run_compliance(today=TODAY, check_members=False)
    _dissolve(branch, date(2026, 12, 28))
    run_compliance(today=date(2027, 1, 20), check_members=False)
    assert not BranchQuarter.objects.filter(organization_id=branch.pk, quarter=Q4 + 1).exists()


def test_dissolved_branch_gets_no_new_finding(branch) -> None:
    run_compliance(today=TODAY, check_members=False)
    _dissolve(branch, date(2026, 12, 28))
    run_compliance(today=date(2027, 2, 20), check_members=False)
    assert f"org:{branch.pk}:theme_day:2027-01" not in set(
        ComplianceFinding.objects.values_list("subject_key", flat=True)
    )


def test_open_findings_of_a_dissolved_branch_are_closed(branch) -> None:
    run_compliance(today=TODAY, check_members=False)
    _dissolve(branch, date(2026, 12, 28))
    run_compliance(today=date(2027, 1, 20), check_members=False)
    statuses = set(
        ComplianceFinding.objects.filter(organization=branch).values_list("status", flat=True)
    )
    assert statuses == {FindingStatus.ORG_CLOSED}


def test_closed_finding_says_why(branch) -> None:
    run_compliance(today=TODAY, check_members=False)
    _dissolve(branch, date(2026, 12, 28))
    run_compliance(today=date(2027, 1, 20), check_members=False)
    notes = set(
        ComplianceFinding.objects.filter(organization=branch).values_list("close_note", flat=True)
    )
    assert notes == {"该党组织已于 2026-12-28 撤销，问题随之关闭"}


def test_merged_branch_finding_names_the_organization_it_joined(branch, make_other_branch) -> None:
    other = make_other_branch()
    run_compliance(today=TODAY, check_members=False)
    _dissolve(branch, date(2026, 12, 28), status="merged")
    PartyOrganization.objects.filter(pk=branch.pk).update(merged_into=other)
    run_compliance(today=date(2027, 1, 20), check_members=False)
    notes = set(
        ComplianceFinding.objects.filter(organization=branch).values_list("close_note", flat=True)
    )
    assert notes == {"该党组织已于 2026-12-28 并入“南一社区党支部”，问题随之关闭"}


def test_closing_is_audited_once_per_finding(branch) -> None:
    from shegong.core.models import AuditEvent

    run_compliance(today=TODAY, check_members=False)
    n = ComplianceFinding.objects.filter(organization=branch, status="open").count()
    _dissolve(branch, date(2026, 12, 28))
    run_compliance(today=date(2027, 1, 20), check_members=False)
    assert AuditEvent.objects.filter(action="compliance_finding_closed").count() == n > 0


def test_handled_finding_of_a_dissolved_branch_stays_handled(branch, world) -> None:
    run_compliance(today=TODAY, check_members=False)
    f = ComplianceFinding.objects.filter(organization=branch, rule=Rule.MEETINGS_SHORT).first()
    assert f is not None
    handle_finding(actor=world.users["secretary"], finding_id=f.pk, note="已补开")
    _dissolve(branch, date(2026, 12, 28))
    run_compliance(today=date(2027, 1, 20), check_members=False)
    f.refresh_from_db()
    assert f.status == FindingStatus.HANDLED
