"""Review fixes: no name in the audit log, a confirmed roster 预备党员 stays editable, the
roster's 递交入党申请日期 survives a step, the import's dry run refuses what its commit
would (and a commit-time refusal is a report error), bounded lookups and step numbers."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.members.choices import EventKind, Stage
from shegong.members.models import Member
from shegong.members.services import transfer
from shegong.members.services.development import StepInput, StepRefused, record_step
from shegong.members.services.people import MemberInput, update_member
from shegong.members.services.transfer import import_members

from .conftest import id_number

pytestmark = pytest.mark.django_db
PINNED = time_machine.travel("2026-06-30 10:00 +0800", tick=False)
FULL_PUBLICITY = {"publicity_first_day": date(2026, 5, 20), "publicity_last_day": date(2026, 6, 5)}
NAME = "欧阳明华"


def _edit(actor, member: Member, **kw) -> Member:
    data = MemberInput(name="", id_number="", organization_id=member.organization_id, **kw)
    return update_member(actor=actor, member_id=member.pk, data=data)


# 1. the audit log never holds a member's name


def test_str_masks_an_unsaved_name() -> None:
    assert NAME not in str(Member(name=NAME, stage=Stage.FULL))


def test_create_audit_label_has_no_name(world, party, make_member) -> None:
    member = make_member(party.branch, name=NAME)
    event = AuditEvent.objects.get(action="member_created", target_id=str(member.pk))
    assert NAME[1:] not in event.target_repr


def test_update_audit_label_has_no_name(world, party, make_member) -> None:
    member = make_member(party.branch)
    update_member(
        actor=world.secretary,
        member_id=member.pk,
        data=MemberInput(name=NAME, id_number="", organization_id=party.branch.pk, stage="full"),
    )
    event = AuditEvent.objects.get(action="member_changed", target_id=str(member.pk))
    assert NAME[1:] not in event.target_repr


def test_import_audit_labels_have_no_name(world, party) -> None:
    row = {
        "姓名": NAME,
        "身份证号": id_number(41),
        "党组织编码": "N-B1",
        "人员类别": "正式党员",
        "入党日期": "2012-07-01",
        "转正日期": "2013-07-01",
    }
    import_members(actor=world.secretary, rows=[(2, row)], commit=True)
    labels = AuditEvent.objects.values_list("target_repr", flat=True)
    assert [label for label in labels if NAME[1:] in label] == []


# 3. a roster 预备党员 confirmed on the platform can still be edited


@PINNED
def test_confirmed_roster_probationary_stays_editable(world, party, make_member) -> None:
    member = make_member(party.branch, "probationary", admitted_on=date(2025, 6, 1))
    record_step(
        actor=world.secretary,
        member_id=member.pk,
        step=StepInput(kind=EventKind.CONFIRM_FULL, on=date(2026, 6, 8), **FULL_PUBLICITY),
    )
    edited = _edit(world.secretary, member, phone="13800001111")
    assert edited.phone.reveal() == "13800001111"


@PINNED
def test_edit_after_steps_keeps_the_stage_dates(world, party, make_member) -> None:
    member = make_member(party.branch, "probationary", admitted_on=date(2025, 6, 1))
    record_step(
        actor=world.secretary,
        member_id=member.pk,
        step=StepInput(kind=EventKind.CONFIRM_FULL, on=date(2026, 6, 8), **FULL_PUBLICITY),
    )
    edited = _edit(world.secretary, member, admitted_on=date(2020, 1, 1))
    assert (edited.admitted_on, edited.confirmed_on) == (date(2025, 6, 1), date(2026, 6, 1))


# 4. a step does not overwrite the roster's 递交入党申请日期


@PINNED
def test_step_keeps_the_roster_application_date(world, party, make_member) -> None:
    member = make_member(
        party.branch, "probationary", admitted_on=date(2025, 6, 1), applied_on=date(2019, 3, 1)
    )
    record_step(
        actor=world.secretary,
        member_id=member.pk,
        step=StepInput(kind=EventKind.CONFIRM_FULL, on=date(2026, 6, 8), **FULL_PUBLICITY),
    )
    member.refresh_from_db()
    assert member.applied_on == date(2019, 3, 1)


# 5. the dry run refuses an application the commit would refuse


def _applicant_row(**kw: str) -> dict[str, str]:
    row = {
        "姓名": "李四",
        "身份证号": id_number(51, date(2010, 5, 5)),  # 16 on the application day
        "党组织编码": "N-B1",
        "人员类别": "入党申请人",
        "递交入党申请日期": "2026-05-01",
    }
    row.update(kw)
    return row


@PINNED
def test_dry_run_refuses_an_under_age_application(world, party) -> None:
    report = import_members(actor=world.secretary, rows=[(2, _applicant_row())], commit=False)
    assert [(e.row, e.column) for e in report.errors] == [(2, "递交入党申请日期")]


@PINNED
def test_dry_run_refuses_a_future_application(world, party) -> None:
    row = _applicant_row(身份证号=id_number(53), 递交入党申请日期="2026-07-01")
    report = import_members(actor=world.secretary, rows=[(2, row)], commit=False)
    assert [(e.row, e.column) for e in report.errors] == [(2, "递交入党申请日期")]


@PINNED
def test_dry_run_accepts_an_adult_application(world, party) -> None:
    row = _applicant_row(身份证号=id_number(55))
    report = import_members(actor=world.secretary, rows=[(2, row)], commit=False)
    assert report.ok


@PINNED
def test_commit_time_refusal_is_a_report_error(world, party, monkeypatch) -> None:
    real = transfer.create_member

    def flaky(*, actor, data):
        if data.id_number == id_number(57):
            raise DomainError("该身份证号已有党员档案（同一人只能有一份档案）", code="duplicate")
        return real(actor=actor, data=data)

    monkeypatch.setattr(transfer, "create_member", flaky)
    rows = [
        (2, _applicant_row(身份证号=id_number(55))),
        (3, _applicant_row(身份证号=id_number(57))),
    ]
    report = import_members(actor=world.secretary, rows=rows, commit=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "身份证号")]


@PINNED
def test_commit_time_refusal_imports_nothing(world, party, monkeypatch) -> None:
    def refuse(*, actor, data):
        raise DomainError("不行")

    monkeypatch.setattr(transfer, "create_member", refuse)
    row = _applicant_row(身份证号=id_number(55))
    report = import_members(actor=world.secretary, rows=[(2, row)], commit=True)
    assert (report.committed, report.created, Member.objects.count()) == (False, 0, 0)


# 6. the duplicate lookup is chunked


def test_duplicate_lookup_is_chunked(world) -> None:
    with CaptureQueriesContext(connection) as queries:
        transfer._on_file([f"{n:064x}" for n in range(2 * transfer.LOOKUP_CHUNK + 1)])
    assert len(queries) == 3


def test_chunked_lookup_finds_every_record(world, party, make_member, monkeypatch) -> None:
    monkeypatch.setattr(transfer, "LOOKUP_CHUNK", 1)
    members = [make_member(party.branch), make_member(party.branch)]
    indexes = [m.id_number_bidx for m in members]
    assert transfer._on_file(["0" * 64, *indexes]) == set(indexes)


# 7. a step's numbers are bounded (API 422 in Chinese, and the service itself)

BAD_STEPS = [
    {"people_ids": [2**64]},
    {"people_ids": list(range(1, 12))},
    {"people_ids": [0]},
    {"extension_months": -1},
    {"extension_months": 25},
    {"training_days": -1},
    {"training_days": 366},
    {"training_hours": "-0.5"},
    {"training_hours": "10000"},
]


@pytest.mark.parametrize("bad", BAD_STEPS)
def test_api_step_numbers_are_bounded(world, party, make_member, client_for, bad) -> None:
    member = make_member(party.branch, "probationary", admitted_on=date(2026, 1, 5))
    response = client_for(world.secretary).post(
        f"/api/members/{member.pk}/development",
        {"kind": "confirm_full", "on": "2026-02-01", **bad},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_api_bound_message_is_chinese(world, party, make_member, client_for) -> None:
    member = make_member(party.branch, "probationary", admitted_on=date(2026, 1, 5))
    response = client_for(world.secretary).post(
        f"/api/members/{member.pk}/development",
        {"kind": "extend_probation", "on": "2026-02-01", "extension_months": 99},
        content_type="application/json",
    )
    assert response.json()["detail"][0]["msg"] == "应不大于 24"


@pytest.mark.parametrize(
    "bad", [{"people_ids": [2**64]}, {"training_days": -1}, {"extension_months": 25}]
)
def test_service_step_numbers_are_bounded(world, party, make_member, bad) -> None:
    member = make_member(party.branch, "probationary", admitted_on=date(2026, 1, 5))
    with pytest.raises(StepRefused):
        record_step(
            actor=world.secretary,
            member_id=member.pk,
            step=StepInput(kind=EventKind.CONFIRM_FULL, on=date(2026, 2, 1), **bad),
        )
