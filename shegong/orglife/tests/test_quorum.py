"""Quorum arithmetic through the app: 支部党员大会 counts voting members only (D13), the
two-step vote rule, 支委会 quorum."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from shegong.core.exceptions import DomainError
from shegong.orglife import services

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


def _assembly(branch, formal: int, present: int, probationary: int = 0, disciplined: int = 0):
    members = [branch.member("full") for _ in range(formal)]
    extra = [branch.member("probationary") for _ in range(probationary)]
    extra += [branch.member("full", discipline="probation") for _ in range(disciplined)]
    meeting = branch.meeting("assembly", DAY)
    secretary = branch.world.secretary
    for m in members[:present] + extra:
        services.mark_attendance(
            actor=secretary, meeting_id=meeting.pk, member_id=m.pk, status="present"
        )
    return services.hold_meeting(actor=secretary, meeting_id=meeting.pk)


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_ten_voting_five_present_is_no_quorum(branch):
    meeting = _assembly(branch, formal=10, present=5)
    assert meeting.quorum_met is False


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_ten_voting_six_present_is_quorum(branch):
    meeting = _assembly(branch, formal=10, present=6)
    assert meeting.quorum_met is True


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_probationary_and_disciplined_present_do_not_make_quorum(branch):
    # 10 voting, 5 present + 3 预备 + 1 留党察看 present: still 5 of 10 voting members.
    meeting = _assembly(branch, formal=10, present=5, probationary=3, disciplined=1)
    assert meeting.quorum_met is False


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_explanation_names_the_members_left_out(branch):
    meeting = _assembly(branch, formal=4, present=3, probationary=2)
    report = services.quorum_of(meeting)
    assert "有表决权党员应到4人、实到3人，超过半数，可以表决（预备党员2人无表决权" in (
        report.explanation
    )


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_hold_marks_unmarked_roll_members_absent(branch):
    meeting = _assembly(branch, formal=4, present=1, probationary=1)
    assert sorted(meeting.attendance.values_list("status", flat=True)) == [
        "absent",
        "absent",
        "absent",
        "present",
        "present",
    ]


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_member_off_the_roll_gets_no_row(branch):
    branch.member("full", standing="deceased")
    meeting = _assembly(branch, formal=2, present=2)
    assert meeting.attendance.count() == 2


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_resolution_needs_more_than_half_of_due_not_of_present(branch):
    meeting = _assembly(branch, formal=10, present=10)
    row = services.record_resolution(
        actor=branch.world.secretary, meeting_id=meeting.pk, text="接收预备党员", yes=5, no=5
    )
    assert row.passed is False


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_resolution_with_six_of_ten_passes(branch):
    meeting = _assembly(branch, formal=10, present=7)
    row = services.record_resolution(
        actor=branch.world.secretary, meeting_id=meeting.pk, text="接收预备党员", yes=6, no=1
    )
    assert row.passed is True


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_resolution_without_quorum_fails_even_if_all_yes(branch):
    meeting = _assembly(branch, formal=10, present=5)
    row = services.record_resolution(
        actor=branch.world.secretary, meeting_id=meeting.pk, text="转正", yes=5
    )
    assert services.resolution_verdict(row).startswith("未通过：到会有表决权党员5人")


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_more_votes_than_voting_present_refused(branch):
    meeting = _assembly(branch, formal=4, present=3, probationary=2)
    with pytest.raises(DomainError, match="超过到会有表决权党员3人"):
        services.record_resolution(
            actor=branch.world.secretary, meeting_id=meeting.pk, text="事项", yes=4
        )


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_assembly_resolution_requires_yes_count(branch):
    meeting = _assembly(branch, formal=2, present=2)
    with pytest.raises(DomainError, match="须填写赞成票数"):
        services.record_resolution(actor=branch.world.secretary, meeting_id=meeting.pk, text="x")


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
@pytest.mark.parametrize(("size", "present", "met"), [(5, 3, True), (5, 2, False), (4, 2, True)])
def test_committee_quorum(branch, size, present, met):
    meeting = branch.meeting("committee", DAY, committee_size=size, committee_present=present)
    meeting = services.hold_meeting(actor=branch.world.secretary, meeting_id=meeting.pk)
    assert meeting.quorum_met is met


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_committee_present_above_size_refused(branch):
    with pytest.raises(DomainError, match="实到委员数"):
        branch.meeting("committee", DAY, committee_size=3, committee_present=4)


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_committee_meeting_marks_nobody_absent(branch):
    branch.member("full")
    meeting = branch.meeting("committee", DAY, committee_size=3, committee_present=2)
    meeting = services.hold_meeting(actor=branch.world.secretary, meeting_id=meeting.pk)
    assert meeting.attendance.count() == 0


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_theme_day_has_no_quorum_rule(branch):
    meeting = branch.meeting("theme_day", DAY)
    meeting = services.hold_meeting(actor=branch.world.secretary, meeting_id=meeting.pk)
    assert meeting.quorum_met is None


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_assembly_with_nobody_on_roll_has_no_quorum(branch):
    meeting = branch.meeting("assembly", DAY)
    meeting = services.hold_meeting(actor=branch.world.secretary, meeting_id=meeting.pk)
    assert meeting.quorum_met is False


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_late_attendance_change_refreshes_quorum(branch):
    meeting = _assembly(branch, formal=2, present=1)
    absent = meeting.attendance.get(status="absent").member_id
    services.mark_attendance(
        actor=branch.world.secretary, meeting_id=meeting.pk, member_id=absent, status="present"
    )
    meeting.refresh_from_db()
    assert meeting.quorum_met is True


def _committee_of(branch, size: int) -> None:
    from shegong.organizations.services import orgs

    for i in range(size):
        orgs.add_committee_member(
            actor=branch.world.root,
            org_id=branch.org.pk,
            name=f"委员{i}",
            post="member",
            started_on=date(2024, 1, 1),
        )


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_committee_present_above_the_default_size_refused(branch):
    # 应到 left empty is filled from the committee (3): 实到 5 cannot fit.
    _committee_of(branch, 3)
    with pytest.raises(DomainError, match="不能多于应到委员数"):
        branch.meeting("committee", DAY, committee_present=5)


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_committee_count_above_99_refused(branch):
    with pytest.raises(DomainError, match="99"):
        branch.meeting("committee", DAY, committee_size=100, committee_present=3)


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_inconsistent_stored_committee_counts_give_no_verdict(branch):
    from shegong.orglife.models import Meeting

    meeting = branch.meeting("committee", DAY, committee_size=3, committee_present=2)
    Meeting.objects.filter(pk=meeting.pk).update(committee_present=5)
    meeting = services.hold_meeting(actor=branch.world.secretary, meeting_id=meeting.pk)
    assert meeting.quorum_met is None


@time_machine.travel("2026-03-10 10:00 +0800", tick=False)
def test_scan_written_while_holding_is_kept(branch, monkeypatch):
    # A late scan commits its row between hold's read of the rows and its insert.
    from shegong.orglife.models import Attendance
    from shegong.orglife.services import meetings as meeting_services

    late = branch.member("full")
    meeting = branch.meeting("assembly", DAY)
    real = meeting_services.roll_members

    def roll_with_a_late_scan(organization_id: int):
        Attendance.objects.create(meeting=meeting, member=late, status="present", method="qr")
        return real(organization_id)

    monkeypatch.setattr(meeting_services, "roll_members", roll_with_a_late_scan)
    services.hold_meeting(actor=branch.world.secretary, meeting_id=meeting.pk)
    assert meeting.attendance.get(member=late).status == "present"
