"""Issue #12 item 8: 党总支 / 基层党委 thresholds, 换届 reminders ahead of the term's end, and
findings that close the moment a 换届 or a corrected count settles them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.organizations.choices import CoverageMode, FindingStatus, Rule
from shegong.organizations.models import CoveragePolicy, Finding
from shegong.organizations.services import entities, orgs
from shegong.organizations.services.policy import update_policy
from shegong.organizations.services.rules import months_before, run_rules

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 10, 0, tzinfo=SH)


def _open(rule: str) -> list[Finding]:
    return list(Finding.objects.filter(rule=rule, status__in=["open", "assigned"]))


# --- 党总支 / 基层党委 (机关基层组织工作条例 第五、六条) -------------------------------


def test_fifty_members_suggest_a_general_branch_with_basis(world, make_org) -> None:
    with time_machine.travel(at(2026, 12, 6), tick=False):
        below = make_org(formal_members=45, probationary_members=4)  # 49
        fifty = make_org(formal_members=46, probationary_members=4)  # 50: probationary count
        run_rules()
    (finding,) = _open(Rule.GENERAL_BRANCH_DUE)
    assert finding.organization_id == fifty.pk
    assert "党员 50 名（正式党员 46 名、预备党员 4 名）" in finding.evidence
    assert "设立党总支" in finding.evidence
    assert "机关基层组织工作条例第六条" in finding.legal_basis
    assert below.pk


def test_hundred_members_suggest_a_party_committee_not_a_general_branch(world, make_org) -> None:
    with time_machine.travel(at(2026, 12, 6), tick=False):
        ninety_nine = make_org(formal_members=99)
        branch = make_org(formal_members=100)
        general = make_org(kind="general_branch", formal_members=120)
        committee = make_org(kind="committee", formal_members=300)
        run_rules()
    assert {f.organization_id for f in _open(Rule.GENERAL_BRANCH_DUE)} == {ninety_nine.pk}
    due = {f.organization_id: f for f in _open(Rule.PARTY_COMMITTEE_DUE)}
    assert set(due) == {branch.pk, general.pk}
    assert "机关基层组织工作条例第五条" in due[branch.pk].legal_basis
    assert "现为党总支" in due[general.pk].evidence
    assert committee.pk not in due


def test_joint_branch_is_not_upgraded_its_own_rule_applies(world, make_org) -> None:
    with time_machine.travel(at(2026, 12, 6), tick=False):
        joint = make_org(kind="joint_branch", formal_members=60)
        run_rules()
    assert _open(Rule.GENERAL_BRANCH_DUE) == []
    assert [f.organization_id for f in _open(Rule.JOINT_TOO_LARGE)] == [joint.pk]


def test_size_thresholds_are_policy_parameters(world, make_org) -> None:
    with time_machine.travel(at(2026, 12, 6), tick=False):
        org = make_org(formal_members=40)
        update_policy(actor=world.root, general_branch_threshold=40)
        run_rules()
    assert [f.organization_id for f in _open(Rule.GENERAL_BRANCH_DUE)] == [org.pk]


# --- Corrected counts and kinds close findings at once ----------------------------------


def test_corrected_count_closes_the_finding_without_a_run(world, make_org) -> None:
    with time_machine.travel(at(2026, 12, 6), tick=False):
        org = make_org(formal_members=60)
        run_rules()
        (finding,) = _open(Rule.GENERAL_BRANCH_DUE)
        orgs.update_organization(actor=world.street_north, org_id=org.pk, formal_members=38)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.AUTO_RESOLVED
    assert finding.close_note == "2026-12-06 登记变更后即时复查：条件已不再成立，自动消除"
    event = AuditEvent.objects.filter(action="coverage_rules_run").latest("pk")
    assert event.actor_id == world.street_north.pk


def test_setting_up_the_general_branch_closes_the_suggestion(world, make_org) -> None:
    with time_machine.travel(at(2026, 12, 6), tick=False):
        org = make_org(formal_members=60)
        run_rules()
        (finding,) = _open(Rule.GENERAL_BRANCH_DUE)
        orgs.update_organization(actor=world.root, org_id=org.pk, kind="general_branch")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.AUTO_RESOLVED


def test_correction_still_in_breach_refreshes_evidence_and_stays_open(world, make_org) -> None:
    with time_machine.travel(at(2026, 12, 6), tick=False):
        org = make_org(formal_members=60)
        run_rules()
        orgs.update_organization(actor=world.root, org_id=org.pk, formal_members=70)
    (finding,) = _open(Rule.GENERAL_BRANCH_DUE)
    assert "正式党员 70 名" in finding.evidence


def test_entity_member_count_correction_closes_must_build_at_once(world, make_entity) -> None:
    with time_machine.travel(at(2026, 12, 6), tick=False):
        e = make_entity()
        entities.set_coverage(
            actor=world.root, entity_id=e.pk, mode=CoverageMode.NONE, formal_members=4
        )
        run_rules()
        (finding,) = _open(Rule.MUST_BUILD)
        entities.set_coverage(
            actor=world.root, entity_id=e.pk, mode=CoverageMode.NONE, formal_members=2
        )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.AUTO_RESOLVED


def test_added_committee_members_close_no_committee_at_once(world, make_org) -> None:
    with time_machine.travel(at(2026, 12, 6), tick=False):
        org = make_org(formal_members=9)
        run_rules()
        (finding,) = _open(Rule.NO_COMMITTEE)
        for name, post in (("甲", "secretary"), ("乙", "organization"), ("丙", "propaganda")):
            orgs.add_committee_member(
                actor=world.root, org_id=org.pk, name=name, post=post, started_on=date(2026, 12, 1)
            )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.AUTO_RESOLVED


def test_unrelated_findings_are_not_touched_by_a_correction(world, make_org) -> None:
    with time_machine.travel(at(2026, 12, 6), tick=False):
        edited = make_org(formal_members=60)
        other = make_org(formal_members=60)
        run_rules()
        # The other one is corrected behind the services' back: only a run may close it.
        type(other).objects.filter(pk=other.pk).update(formal_members=10)
        orgs.update_organization(actor=world.root, org_id=edited.pk, note="核对")
    assert {f.organization_id for f in _open(Rule.GENERAL_BRANCH_DUE)} == {edited.pk, other.pk}


def test_merge_and_dissolve_close_the_organizations_findings(world, make_org) -> None:
    with time_machine.travel(at(2026, 12, 6), tick=False):
        parent = make_org(kind="committee")
        merged = make_org(parent=parent, formal_members=60)
        target = make_org(parent=parent, formal_members=5)
        dissolved = make_org(parent=parent, formal_members=70)
        run_rules()
        assert len(_open(Rule.GENERAL_BRANCH_DUE)) == 2
        orgs.merge_organizations(actor=world.root, source_id=merged.pk, target_id=target.pk)
        orgs.dissolve_organization(actor=world.root, org_id=dissolved.pk, note="单位注销")
    closed = Finding.objects.filter(rule=Rule.GENERAL_BRANCH_DUE, status="auto_resolved")
    assert {f.organization_id for f in closed} == {merged.pk, dissolved.pk}


# --- 换届 reminders ahead of the term's end --------------------------------------------


def test_months_before_clamps_to_the_end_of_a_shorter_month() -> None:
    assert months_before(date(2027, 8, 31), 6) == date(2027, 2, 28)
    assert months_before(date(2028, 8, 31), 6) == date(2028, 2, 29)
    assert months_before(date(2027, 3, 15), 3) == date(2026, 12, 15)


def test_term_reminders_six_then_three_months_then_overdue(world, make_org) -> None:
    # 党支部, 3 years from 2024-06-01: the term ends 2027-06-01.
    with time_machine.travel(at(2026, 11, 30), tick=False):
        org = make_org(term_started_on=date(2024, 6, 1))
        run_rules()
    assert _open(Rule.TERM_ENDING) == []
    with time_machine.travel(at(2026, 12, 1), tick=False):
        first = run_rules()
        again = run_rules()
    (six,) = _open(Rule.TERM_ENDING)
    assert six.subject_key == f"org:{org.pk}:term:20270601:6m"
    assert "将于 2027-06-01 届满（还有 182 天）；届满前 6 个月提醒" in six.evidence
    assert (first.opened, again.opened) == (1, 0)
    with time_machine.travel(at(2027, 3, 1), tick=False):
        run_rules()
    (three,) = _open(Rule.TERM_ENDING)
    assert three.subject_key == f"org:{org.pk}:term:20270601:3m"
    six.refresh_from_db()
    assert six.status == FindingStatus.AUTO_RESOLVED
    assert "已进入下一次提醒" in six.close_note
    with time_machine.travel(at(2027, 6, 1), tick=False):
        run_rules()
    assert [f.pk for f in _open(Rule.TERM_ENDING)] == [three.pk]
    assert _open(Rule.TERM_OVERDUE) == []
    with time_machine.travel(at(2027, 6, 2), tick=False):
        run_rules()
    assert _open(Rule.TERM_ENDING) == []
    assert [f.organization_id for f in _open(Rule.TERM_OVERDUE)] == [org.pk]


def test_term_reminder_lead_times_are_configurable(world, make_org) -> None:
    with time_machine.travel(at(2027, 1, 15), tick=False):
        org = make_org(term_started_on=date(2024, 6, 1))  # ends 2027-06-01
        update_policy(actor=world.root, term_reminder_first_months=4, term_reminder_second_months=0)
        run_rules()
        assert _open(Rule.TERM_ENDING) == []
    with time_machine.travel(at(2027, 2, 1), tick=False):
        run_rules()
    (finding,) = _open(Rule.TERM_ENDING)
    assert finding.subject_key == f"org:{org.pk}:term:20270601:4m"
    with time_machine.travel(at(2027, 2, 1), tick=False):
        update_policy(actor=world.root, term_reminder_first_months=0)
        run_rules()
    assert _open(Rule.TERM_ENDING) == []


def test_re_election_closes_reminder_and_overdue_findings_at_once(world, make_org) -> None:
    with time_machine.travel(at(2027, 3, 10), tick=False):
        reminded = make_org(term_started_on=date(2024, 6, 1))  # ends 2027-06-01
        overdue = make_org(term_started_on=date(2023, 6, 1))  # ended 2026-06-01
        run_rules()
        (reminder,) = _open(Rule.TERM_ENDING)
        (late,) = _open(Rule.TERM_OVERDUE)
        for org in (reminded, overdue):
            orgs.record_re_election(
                actor=world.street_north,
                org_id=org.pk,
                on=date(2027, 3, 9),
                committee=[("王五", "secretary")],
            )
    reminder.refresh_from_db()
    late.refresh_from_db()
    assert reminder.status == FindingStatus.AUTO_RESOLVED
    assert "已换届" in reminder.close_note
    assert late.status == FindingStatus.AUTO_RESOLVED
    assert late.closed_at == at(2027, 3, 10)


def test_a_new_term_gets_its_own_reminder(world, make_org) -> None:
    with time_machine.travel(at(2027, 3, 10), tick=False):
        org = make_org(term_started_on=date(2024, 6, 1))
        run_rules()
        orgs.record_re_election(
            actor=world.root, org_id=org.pk, on=date(2027, 3, 9), committee=[("王五", "secretary")]
        )
    # The new term ends 2030-03-09; its first reminder is due from 2029-09-09.
    with time_machine.travel(at(2029, 9, 9), tick=False):
        run_rules()
    (finding,) = _open(Rule.TERM_ENDING)
    assert finding.subject_key == f"org:{org.pk}:term:20300309:6m"
    assert Finding.objects.filter(rule=Rule.TERM_ENDING, organization=org).count() == 2


def test_a_new_reminder_notifies_the_organizations_keepers_once(world, make_org) -> None:
    from shegong.core.models import Notification
    from shegong.organizations.models import OrgAdministrator

    with time_machine.travel(at(2026, 12, 6), tick=False):
        parent = make_org(kind="committee")
        org = make_org(parent=parent, term_started_on=date(2024, 6, 1))  # ends 2027-06-01
        OrgAdministrator.objects.create(user=world.users["secretary"], organization=org)
        OrgAdministrator.objects.create(user=world.street_north, organization=parent)
        run_rules()
        run_rules()
    notes = Notification.objects.filter(title=f"换届提醒：{org.name}")
    assert {n.user_id for n in notes} == {world.users["secretary"].pk, world.street_north.pk}
    assert "届满前 6 个月提醒" in notes[0].body
    assert notes[0].url == f"/organizations/orgs/{org.pk}/"


# --- Policy validation --------------------------------------------------------------------


def test_policy_defaults_for_the_new_rules() -> None:
    policy = CoveragePolicy.current()
    assert (policy.general_branch_threshold, policy.party_committee_threshold) == (50, 100)
    assert (policy.term_reminder_first_months, policy.term_reminder_second_months) == (6, 3)


def test_policy_refuses_inverted_thresholds(world) -> None:
    with pytest.raises(DomainError, match="应设党总支的党员数"):
        update_policy(actor=world.root, general_branch_threshold=100)
    assert CoveragePolicy.current().general_branch_threshold == 50


def test_policy_refuses_a_second_reminder_not_after_the_first(world) -> None:
    with pytest.raises(DomainError, match="第二次换届提醒应晚于第一次"):
        update_policy(actor=world.root, term_reminder_second_months=6)
    assert CoveragePolicy.current().term_reminder_second_months == 3
