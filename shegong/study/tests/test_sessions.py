"""Plans, sessions and attendance → records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.members.choices import Stage
from shegong.study.models import StudyRecord
from shegong.study.services import plans
from shegong.study.testing import make_member

from .conftest import at

pytestmark = pytest.mark.django_db


def _session(kit, org=None, actor=None):
    return plans.create_session(
        actor=actor or kit.world.dept_admin,
        org_id=(org or kit.north).pk,
        kind="topic",
        topic="学习党章",
        held_on=date(2026, 6, 1),
        hours=Decimal("2.5"),
    )


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(at(2026, 6, 10), tick=False):
        yield


def test_attendance_writes_one_record_per_person_present(kit):
    session = _session(kit)
    ids = [m.pk for m in kit.north_members[:2]]
    plans.record_attendance(actor=kit.world.dept_admin, session_id=session.pk, member_ids=ids)
    assert sorted(session.records.values_list("member_id", flat=True)) == sorted(ids)


def test_each_attendance_record_carries_the_sessions_hours(kit):
    session = _session(kit)
    ids = [m.pk for m in kit.north_members[:2]]
    plans.record_attendance(actor=kit.world.dept_admin, session_id=session.pk, member_ids=ids)
    assert set(session.records.values_list("hours", flat=True)) == {Decimal("2.5")}


def test_recording_again_replaces_the_set(kit):
    session = _session(kit)
    a, b, c = kit.north_members
    plans.record_attendance(
        actor=kit.world.dept_admin, session_id=session.pk, member_ids=[a.pk, b.pk]
    )
    plans.record_attendance(
        actor=kit.world.dept_admin, session_id=session.pk, member_ids=[b.pk, c.pk]
    )
    assert sorted(session.records.values_list("member_id", flat=True)) == sorted([b.pk, c.pk])


def test_attendance_is_audited(kit):
    session = _session(kit)
    plans.record_attendance(
        actor=kit.world.dept_admin, session_id=session.pk, member_ids=[kit.north_members[0].pk]
    )
    assert AuditEvent.objects.filter(action="study_attendance_recorded").count() == 1


def test_a_member_of_another_branch_cannot_be_marked_present(kit):
    session = _session(kit)
    with pytest.raises(DomainError):
        plans.record_attendance(
            actor=kit.world.dept_admin,
            session_id=session.pk,
            member_ids=[kit.south_members[0].pk],
        )


def test_an_applicant_cannot_be_marked_present(kit):
    applicant = make_member(kit.north, stage=Stage.APPLICANT)
    session = _session(kit)
    with pytest.raises(DomainError):
        plans.record_attendance(
            actor=kit.world.dept_admin, session_id=session.pk, member_ids=[applicant.pk]
        )


def test_a_session_in_the_future_is_refused(kit):
    with pytest.raises(DomainError):
        plans.create_session(
            actor=kit.world.dept_admin,
            org_id=kit.north.pk,
            kind="topic",
            topic="未来",
            held_on=date(2026, 6, 11),
            hours=Decimal(2),
        )


def test_an_individual_kind_is_not_a_session(kit):
    with pytest.raises(DomainError):
        plans.create_session(
            actor=kit.world.dept_admin,
            org_id=kit.north.pk,
            kind="self",
            topic="自学",
            held_on=date(2026, 6, 1),
            hours=Decimal(2),
        )


def test_a_secretary_cannot_create_a_session_for_another_branch(kit):
    with pytest.raises(DomainError):
        _session(kit, org=kit.north, actor=kit.south_admin)


def test_a_leader_cannot_create_a_plan(kit):
    with pytest.raises(PermissionDenied):
        plans.create_plan(actor=kit.world.leader, org_id=kit.north.pk, year=2026, title="计划")


def test_only_citywide_staff_create_department_sessions(kit):
    with pytest.raises(PermissionDenied):
        plans.create_session(
            actor=kit.world.street_north,
            org_id=None,
            kind="lecture",
            topic="机关党课",
            held_on=date(2026, 6, 1),
            hours=Decimal(2),
        )


def test_department_attendance_takes_cadres(kit):
    session = plans.create_session(
        actor=kit.world.dept_admin,
        org_id=None,
        kind="lecture",
        topic="机关党课",
        held_on=date(2026, 6, 1),
        hours=Decimal(3),
    )
    cadre = kit.world.dept_admin  # an account of the department (社会工作部) unit
    plans.record_attendance(actor=kit.world.dept_admin, session_id=session.pk, user_ids=[cadre.pk])
    assert list(session.records.values_list("user_id", flat=True)) == [cadre.pk]


def test_department_attendance_refuses_an_account_outside_the_department(kit):
    session = plans.create_session(
        actor=kit.world.dept_admin,
        org_id=None,
        kind="lecture",
        topic="机关党课",
        held_on=date(2026, 6, 1),
        hours=Decimal(3),
    )
    with pytest.raises(DomainError):
        plans.record_attendance(
            actor=kit.world.dept_admin,
            session_id=session.pk,
            user_ids=[kit.world.street_north.pk],
        )


def test_a_session_record_cannot_be_deleted_alone(kit):
    session = _session(kit)
    plans.record_attendance(
        actor=kit.world.dept_admin, session_id=session.pk, member_ids=[kit.north_members[0].pk]
    )
    record = StudyRecord.objects.get(session=session)
    with pytest.raises(DomainError):
        plans.delete_record(actor=kit.world.dept_admin, record_id=record.pk)


def test_an_individual_record_can_be_deleted(kit):
    record = plans.add_record(
        actor=kit.world.dept_admin,
        member_id=kit.north_members[0].pk,
        kind="online",
        title="网上学习",
        studied_on=date(2026, 5, 1),
        hours=Decimal(4),
    )
    plans.delete_record(actor=kit.world.dept_admin, record_id=record.pk)
    assert not StudyRecord.objects.filter(pk=record.pk).exists()


def test_hours_with_two_decimals_are_refused(kit):
    with pytest.raises(DomainError):
        plans.add_record(
            actor=kit.world.dept_admin,
            member_id=kit.north_members[0].pk,
            kind="online",
            title="网上学习",
            studied_on=date(2026, 5, 1),
            hours=Decimal("1.25"),
        )
