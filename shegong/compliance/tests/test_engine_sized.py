"""The meetings a branch owes by its size (支委会 from 7 正式党员) are decided per period by
the figures on the period's first day: a branch that grows or shrinks later neither gets
findings for the periods before, nor sees the real ones resolved."""

from __future__ import annotations

from datetime import date

import pytest

from shegong.compliance import testing as t
from shegong.compliance.models import ComplianceFinding
from shegong.compliance.services.engine import run_compliance
from shegong.core.models import AuditEvent
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization

pytestmark = pytest.mark.django_db


def _open_keys() -> set[str]:
    return set(
        ComplianceFinding.objects.filter(status__in=["open", "escalated"]).values_list(
            "subject_key", flat=True
        )
    )


def _committee_keys(org_id: int) -> set[str]:
    return {k for k in _open_keys() if k.startswith(f"org:{org_id}:committee:")}


def _formal(org_id: int, n: int) -> list[Member]:
    return [t.member(org_id, joined=date(2020, 1, 1)) for _ in range(n)]


def test_crossing_the_threshold_in_october_opens_nothing_for_the_third_quarter(branch) -> None:
    _formal(branch.pk, 6)
    late = t.member(branch.pk, joined=date(2020, 1, 1))
    Member.objects.filter(pk=late.pk).update(confirmed_on=date(2026, 10, 5))
    run_compliance(today=date(2026, 10, 20), check_members=False)
    assert _committee_keys(branch.pk) == set()


def test_a_branch_with_seven_before_the_quarter_owes_its_months(branch) -> None:
    _formal(branch.pk, 7)
    run_compliance(today=date(2026, 10, 20), check_members=False)
    assert f"org:{branch.pk}:committee:2026-09" in _committee_keys(branch.pk)


def test_a_member_joining_the_branch_in_october_counts_from_november(branch) -> None:
    _formal(branch.pk, 6)
    t.member(branch.pk, joined=date(2026, 10, 5))
    run_compliance(today=date(2026, 12, 20), check_members=False)
    assert _committee_keys(branch.pk) == {f"org:{branch.pk}:committee:2026-11"}


def test_dropping_below_the_threshold_keeps_the_past_findings_open(branch) -> None:
    members = _formal(branch.pk, 7)
    run_compliance(today=date(2026, 10, 2), check_members=False)
    Member.objects.filter(pk=members[0].pk).update(
        standing="transferred_out", left_on=date(2026, 10, 4)
    )
    run_compliance(today=date(2026, 10, 10), check_members=False)
    assert f"org:{branch.pk}:committee:2026-09" in _committee_keys(branch.pk)


def test_a_member_who_left_without_a_date_no_longer_counts(branch) -> None:
    members = _formal(branch.pk, 7)
    Member.objects.filter(pk=members[0].pk).update(standing="deceased")
    run_compliance(today=date(2026, 10, 20), check_members=False)
    assert _committee_keys(branch.pk) == set()


# --- a branch that is no longer a 党支部 ----------------------------------------------------


def _to_general_branch(org_id: int) -> None:
    PartyOrganization.objects.filter(pk=org_id).update(kind="general_branch")


def test_findings_of_a_branch_become_a_general_branch_are_closed(branch) -> None:
    _formal(branch.pk, 7)
    run_compliance(today=date(2026, 10, 20), check_members=False)
    _to_general_branch(branch.pk)
    run_compliance(today=date(2026, 10, 21), check_members=False)
    assert _open_keys() == set()


def test_closing_after_a_change_of_kind_says_why(branch) -> None:
    run_compliance(today=date(2026, 10, 20), check_members=False)
    _to_general_branch(branch.pk)
    run_compliance(today=date(2026, 10, 21), check_members=False)
    notes = set(
        ComplianceFinding.objects.filter(organization=branch).values_list("close_note", flat=True)
    )
    assert notes == {"该党组织已改设为党总支，不再按党支部考核，问题随之关闭"}


def test_closing_after_a_change_of_kind_is_audited_once_per_finding(branch) -> None:
    run_compliance(today=date(2026, 10, 20), check_members=False)
    _to_general_branch(branch.pk)
    run_compliance(today=date(2026, 10, 21), check_members=False)
    n = ComplianceFinding.objects.filter(organization=branch, status="org_closed").count()
    assert AuditEvent.objects.filter(action="compliance_finding_closed").count() == n > 0
