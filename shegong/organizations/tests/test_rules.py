"""Every rule with its edge cases, idempotence and auto-resolution."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shegong.core.models import AuditEvent
from shegong.organizations.choices import CoverageMode, FindingStatus, Rule
from shegong.organizations.models import CoveragePolicy, Finding
from shegong.organizations.services import entities, orgs
from shegong.organizations.services.policy import update_policy
from shegong.organizations.services.rules import run_rules

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 29)


@pytest.fixture(autouse=True)
def _clock_on_today() -> Iterator[None]:
    """The rules run for TODAY and the services (换届 "not later than today") read the clock:
    both on the same day, whatever day the suite runs."""
    with time_machine.travel(datetime(2026, 11, 29, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield


def _open(rule: str) -> list[Finding]:
    return list(Finding.objects.filter(rule=rule, status__in=["open", "assigned"]))


def test_must_build_threshold_is_three_formal_members(world, make_entity, make_org) -> None:
    two = make_entity(name="两名党员公司")
    three = make_entity(name="三名党员公司")
    single = make_entity(name="已单建公司")
    branch = make_org()
    entities.set_coverage(actor=world.root, entity_id=two.pk, mode="none", formal_members=2)
    entities.set_coverage(
        actor=world.root, entity_id=three.pk, mode="none", formal_members=3, probationary_members=4
    )
    entities.set_coverage(
        actor=world.root,
        entity_id=single.pk,
        mode=CoverageMode.SINGLE,
        organization_id=branch.pk,
        formal_members=9,
    )
    run_rules(today=TODAY)
    found = _open(Rule.MUST_BUILD)
    assert [f.entity_id for f in found] == [three.pk]
    assert "正式党员 3 名" in found[0].evidence
    assert found[0].responsible_level == "北街道党（工）委"
    assert found[0].street_id == world.north.pk


def test_probationary_members_do_not_count_and_joint_is_not_enough(world, make_entity, make_org):
    joint = make_org(kind="joint_branch")
    e = make_entity()
    entities.set_coverage(
        actor=world.root,
        entity_id=e.pk,
        mode=CoverageMode.JOINT,
        organization_id=joint.pk,
        formal_members=2,
        probationary_members=5,
    )
    run_rules(today=TODAY)
    assert _open(Rule.MUST_BUILD) == []
    entities.set_coverage(
        actor=world.root,
        entity_id=e.pk,
        mode=CoverageMode.JOINT,
        organization_id=joint.pk,
        formal_members=3,
    )
    run_rules(today=TODAY)
    (finding,) = _open(Rule.MUST_BUILD)
    assert "联合建" in finding.evidence


def test_inactive_entities_are_ignored(world, make_entity) -> None:
    e = make_entity(employees=500)
    entities.update_entity(actor=world.root, entity_id=e.pk, is_active=False)
    run_rules(today=TODAY)
    assert Finding.objects.count() == 0


def test_committee_rule_needs_seven_formal_members_and_three_sitting(world, make_org) -> None:
    six = make_org(formal_members=6)
    seven = make_org(formal_members=7, probationary_members=0)
    seven_with_committee = make_org(formal_members=12)
    committee_kind = make_org(kind="committee", formal_members=120)
    orgs.add_committee_member(
        actor=world.root, org_id=seven.pk, name="张三", post="secretary", started_on=TODAY
    )
    orgs.record_re_election(
        actor=world.root,
        org_id=seven_with_committee.pk,
        on=TODAY,
        committee=[("甲", "secretary"), ("乙", "organization"), ("丙", "propaganda")],
    )
    run_rules(today=TODAY)
    found = _open(Rule.NO_COMMITTEE)
    assert [f.organization_id for f in found] == [seven.pk]
    assert "在任班子成员 1 名" in found[0].evidence
    assert six.pk
    assert committee_kind.pk


def test_term_overdue_by_kind_community_and_grace(world, make_org) -> None:
    # 党支部: 3 years. Started 2023-11-29 → ends 2026-11-29 = today: not overdue yet.
    due_today = make_org(term_started_on=date(2023, 11, 29))
    one_day_late = make_org(term_started_on=date(2023, 11, 28))
    # 社区 branch: 5 years.
    community = make_org(term_started_on=date(2022, 1, 1), is_community=True)
    # 党委: 5 years.
    committee = make_org(kind="committee", term_started_on=date(2021, 11, 1))
    explicit = make_org(term_started_on=date(2024, 1, 1), term_years=2)
    no_date = make_org()
    run_rules(today=TODAY)
    ids = {f.organization_id for f in _open(Rule.TERM_OVERDUE)}
    # The explicit 2-year term from 2024-01-01 ended 2026-01-01 (the default would be 3).
    assert ids == {one_day_late.pk, committee.pk, explicit.pk}
    assert due_today.pk not in ids
    assert community.pk not in ids
    assert no_date.pk not in ids
    run_rules(today=date(2026, 1, 1))
    assert explicit.pk not in {f.organization_id for f in _open(Rule.TERM_OVERDUE)}


def test_term_grace_days_and_re_election_resolves(world, make_org) -> None:
    late = make_org(term_started_on=date(2023, 11, 19))  # ended 2026-11-19, 10 days ago
    update_policy(actor=world.root, term_grace_days=10)
    run_rules(today=TODAY)
    assert _open(Rule.TERM_OVERDUE) == []
    update_policy(actor=world.root, term_grace_days=9)
    run_rules(today=TODAY)
    (finding,) = _open(Rule.TERM_OVERDUE)
    assert "已超过 10 天" in finding.evidence
    orgs.record_re_election(
        actor=world.root, org_id=late.pk, on=TODAY, committee=[("李四", "secretary")]
    )
    run_rules(today=TODAY)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.AUTO_RESOLVED
    assert "自动消除" in finding.close_note


def test_joint_branch_limits_units_and_members(world, make_org, make_entity) -> None:
    five = make_org(kind="joint_branch")
    six = make_org(kind="joint_branch")
    big = make_org(kind="joint_branch", formal_members=45, probationary_members=6)
    exact = make_org(kind="joint_branch", formal_members=45, probationary_members=5)
    for org, n in ((five, 5), (six, 6)):
        for _ in range(n):
            e = make_entity()
            entities.set_coverage(
                actor=world.root, entity_id=e.pk, mode="joint", organization_id=org.pk
            )
    run_rules(today=TODAY)
    ids = {f.organization_id: f for f in _open(Rule.JOINT_TOO_LARGE)}
    assert set(ids) == {six.pk, big.pk}
    assert "覆盖单位 6 个" in ids[six.pk].evidence
    assert "党员 51 名" in ids[big.pk].evidence
    assert five.pk
    assert exact.pk


def test_uncovered_large_respects_threshold_org_and_instructor(world, make_entity, make_org):
    small = make_entity(employees=49)
    at = make_entity(employees=50)
    with_instructor = make_entity(employees=400)
    with_org = make_entity(employees=400)
    entities.assign_instructor(actor=world.root, entity_id=with_instructor.pk, name="王指导")
    entities.set_coverage(
        actor=world.root, entity_id=with_org.pk, mode="attached", organization_id=make_org().pk
    )
    run_rules(today=TODAY)
    assert {f.entity_id for f in _open(Rule.UNCOVERED_LARGE)} == {at.pk}
    assert small.pk
    update_policy(actor=world.root, large_entity_employees=40)
    run_rules(today=TODAY)
    assert {f.entity_id for f in _open(Rule.UNCOVERED_LARGE)} == {at.pk, small.pk}


def test_rerun_is_idempotent_refreshes_evidence_and_auto_resolves(world, make_entity) -> None:
    e = make_entity(employees=80)
    first = run_rules(today=TODAY)
    second = run_rules(today=TODAY)
    assert (first.opened, second.opened, second.refreshed) == (1, 0, 1)
    assert Finding.objects.count() == 1
    entities.update_entity(actor=world.root, entity_id=e.pk, employees=90)
    run_rules(today=TODAY)
    finding = Finding.objects.get()
    assert "90 人" in finding.evidence
    entities.assign_instructor(actor=world.root, entity_id=e.pk, name="赵联络", role="liaison")
    # The assignment itself closes the finding (no need to wait for a run).
    finding.refresh_from_db()
    assert finding.status == FindingStatus.AUTO_RESOLVED
    assert finding.closed_at is not None
    result = run_rules(today=TODAY)
    assert result.auto_resolved == 0
    # The condition returns: a new finding opens, the old one stays as history.
    entities.end_instructor(actor=world.root, instructor_id=e.instructors.get().pk)
    run_rules(today=TODAY)
    assert Finding.objects.count() == 2
    assert Finding.objects.filter(status="open").count() == 1
    # Five runs plus the immediate re-check that closed the finding on assignment.
    assert AuditEvent.objects.filter(action="coverage_rules_run").count() == 6


def test_closed_finding_reopens_when_condition_persists(world, make_entity) -> None:
    from shegong.organizations.services.findings import close_finding

    make_entity(employees=80)
    run_rules(today=TODAY)
    finding = Finding.objects.get()
    close_finding(actor=world.root, finding_id=finding.pk, note="已联系企业")
    run_rules(today=TODAY)
    assert Finding.objects.filter(status="open").count() == 1


def test_scoped_run_touches_only_the_actors_street(world, make_entity) -> None:
    north = make_entity(employees=80)
    south = make_entity(region=world.south_one, employees=80)
    run_rules(actor=world.street_north, today=TODAY)
    assert {f.entity_id for f in Finding.objects.all()} == {north.pk}
    run_rules(today=TODAY)
    assert Finding.objects.count() == 2
    # The fact changes behind the services' back (a service would close it at once).
    type(south).objects.filter(pk=south.pk).update(has_instructor=True)
    run_rules(actor=world.street_north, today=TODAY)  # cannot resolve the south finding
    assert Finding.objects.filter(entity=south, status="open").exists()


def test_policy_defaults_come_from_the_rules_file() -> None:
    policy = CoveragePolicy.current()
    assert (policy.branch_min_formal, policy.committee_threshold) == (3, 7)
    assert (policy.branch_soft_max, policy.joint_branch_max_units) == (50, 5)
    assert (policy.term_years_branch, policy.term_years_community_branch) == (3, 5)
    assert policy.term_years_committee == 5


def test_policy_only_citywide_admin_and_validated(world) -> None:
    from django.core.exceptions import PermissionDenied

    from shegong.core.exceptions import DomainError

    with pytest.raises(PermissionDenied):
        update_policy(actor=world.street_north, branch_min_formal=4)
    with pytest.raises(DomainError):
        update_policy(actor=world.root, committee_threshold=2)
    assert CoveragePolicy.current().committee_threshold == 7


def test_refresh_is_chunked_not_one_update_per_finding(
    world, make_entity, django_assert_max_num_queries
) -> None:
    from shegong.organizations.testing import credit_code

    for i in range(60):
        make_entity(credit_code=credit_code(3000 + i), employees=80 + (i % 2))
    run_rules(today=TODAY)
    assert Finding.objects.filter(status="open").count() == 60
    # 60 unchanged findings: a handful of queries per rule, not 60 UPDATEs.
    with django_assert_max_num_queries(40):
        result = run_rules(today=TODAY)
    assert result.refreshed == 60
    # Changed evidence goes through bulk_update, still a bounded number of queries.
    Entity = type(make_entity())
    Entity.objects.filter(employees=80).update(employees=95)
    with django_assert_max_num_queries(40):
        run_rules(today=TODAY)
    assert Finding.objects.filter(evidence__contains="95 人", status="open").count() == 30


def test_citywide_recheck_is_queued_street_recheck_runs_now(
    world, make_entity, client_for, django_capture_on_commit_callbacks
) -> None:
    from shegong.organizations.services.rules_run import request_rules_run

    make_entity(employees=80)
    make_entity(region=world.south_one, employees=80)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(world.dept_admin).post("/organizations/findings/run/", follow=True)
    assert "已提交全市覆盖规则检查" in response.content.decode()
    assert len(callbacks) == 1
    assert not Finding.objects.exists()  # nothing ran inside the request
    assert AuditEvent.objects.filter(action="coverage_rules_run_requested").count() == 1
    callbacks[0]()  # the worker picks the task up
    assert Finding.objects.filter(status="open").count() == 2
    run = AuditEvent.objects.get(action="coverage_rules_run")
    assert run.actor_id == world.dept_admin.pk
    # API: 202 queued for the city, 200 with counts for a street.
    with django_capture_on_commit_callbacks(execute=False):
        api = client_for(world.dept_admin).post("/api/organizations/findings/run")
    assert (api.status_code, api.json()["queued"]) == (202, True)
    street = client_for(world.street_north).post("/api/organizations/findings/run")
    assert street.status_code == 200
    assert street.json()["queued"] is False
    assert street.json()["refreshed"] == 1
    assert request_rules_run(actor=world.street_north) is not None
