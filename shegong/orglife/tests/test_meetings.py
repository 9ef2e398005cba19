"""Meeting lifecycle, minutes, grades, assignments and photos (services)."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.utils import timezone

from shegong.core.exceptions import DomainError
from shegong.orglife import services

pytestmark = pytest.mark.django_db

NOW = "2026-03-10 10:00 +0800"
DAY = date(2026, 3, 10)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@time_machine.travel(NOW, tick=False)
def test_future_meeting_cannot_be_held(branch):
    meeting = branch.meeting(held_on=date(2026, 3, 11))
    with pytest.raises(DomainError, match="会议日期还没到"):
        services.hold_meeting(actor=branch.world.secretary, meeting_id=meeting.pk)


@time_machine.travel(NOW, tick=False)
def test_cancelled_meeting_cannot_be_held(branch):
    meeting = branch.meeting(held_on=DAY)
    services.cancel_meeting(actor=branch.world.secretary, meeting_id=meeting.pk, reason="台风")
    with pytest.raises(DomainError, match="不能改为“已召开”"):
        services.hold_meeting(actor=branch.world.secretary, meeting_id=meeting.pk)


@time_machine.travel(NOW, tick=False)
def test_cancel_needs_reason(branch):
    meeting = branch.meeting(held_on=DAY)
    with pytest.raises(DomainError, match="请填写取消原因"):
        services.cancel_meeting(actor=branch.world.secretary, meeting_id=meeting.pk, reason=" ")


@time_machine.travel(NOW, tick=False)
def test_minutes_time_is_the_first_save(branch):
    meeting = branch.meeting(held_on=date(2026, 3, 1))
    services.save_minutes(actor=branch.world.secretary, meeting_id=meeting.pk, minutes="第一稿")
    first = type(meeting).objects.get(pk=meeting.pk).minutes_recorded_at
    with time_machine.travel("2026-03-20 10:00 +0800", tick=False):
        services.save_minutes(actor=branch.world.secretary, meeting_id=meeting.pk, minutes="修改")
    assert type(meeting).objects.get(pk=meeting.pk).minutes_recorded_at == first


@time_machine.travel(NOW, tick=False)
def test_minutes_before_the_meeting_refused(branch):
    meeting = branch.meeting(held_on=date(2026, 3, 12))
    with pytest.raises(DomainError, match="会议还没召开"):
        services.save_minutes(actor=branch.world.secretary, meeting_id=meeting.pk, minutes="x")


@time_machine.travel(NOW, tick=False)
def test_other_branch_secretary_cannot_hold(branch):
    meeting = branch.meeting(held_on=DAY)
    with pytest.raises(DomainError, match="不在您的管辖范围内"):
        services.hold_meeting(actor=branch.other_secretary, meeting_id=meeting.pk)


@time_machine.travel(NOW, tick=False)
def test_cannot_plan_for_other_branch(branch):
    with pytest.raises(DomainError, match="党组织不存在或不在您的管辖范围内"):
        branch.meeting(held_on=DAY, org=branch.other)


@time_machine.travel(NOW, tick=False)
def test_member_of_other_branch_cannot_be_marked(branch):
    stranger = branch.member(org=branch.other)
    meeting = branch.meeting(held_on=DAY)
    with pytest.raises(DomainError, match="不在本支部党员名册中"):
        services.mark_attendance(
            actor=branch.world.secretary,
            meeting_id=meeting.pk,
            member_id=stranger.pk,
            status="present",
        )


@time_machine.travel(NOW, tick=False)
def test_leave_needs_a_reason(branch):
    member = branch.member()
    meeting = branch.meeting(held_on=DAY)
    with pytest.raises(DomainError, match="请假须填写事由"):
        services.mark_attendance(
            actor=branch.world.secretary, meeting_id=meeting.pk, member_id=member.pk, status="leave"
        )


# ---- 民主评议 ------------------------------------------------------------------------


def _evaluation(branch, formal: int, probationary: int = 0):
    members = [branch.member("full") for _ in range(formal)]
    members += [branch.member("probationary") for _ in range(probationary)]
    meeting = branch.meeting("evaluation", DAY, title="年度民主评议党员")
    services.hold_meeting(actor=branch.world.secretary, meeting_id=meeting.pk)
    return meeting, members


@time_machine.travel(NOW, tick=False)
def test_six_graded_allow_two_excellent(branch):
    meeting, members = _evaluation(branch, 6)
    saved = services.set_grades(
        actor=branch.world.secretary,
        meeting_id=meeting.pk,
        grades={m.pk: "excellent" if i < 2 else "qualified" for i, m in enumerate(members)},
    )
    assert len(saved) == 6


@time_machine.travel(NOW, tick=False)
def test_six_graded_refuse_three_excellent(branch):
    meeting, members = _evaluation(branch, 6)
    with pytest.raises(DomainError, match=r"参评6人，最多2人评为优秀.*现为3人"):
        services.set_grades(
            actor=branch.world.secretary,
            meeting_id=meeting.pk,
            grades={m.pk: "excellent" for m in members[:3]},
        )


@time_machine.travel(NOW, tick=False)
def test_probationary_do_not_raise_the_cap(branch):
    # 5 formal + 1 预备: n = 5, cap 1.
    meeting, members = _evaluation(branch, 5, probationary=1)
    with pytest.raises(DomainError, match="参评5人，最多1人"):
        services.set_grades(
            actor=branch.world.secretary,
            meeting_id=meeting.pk,
            grades={m.pk: "excellent" for m in members[:2]},
        )


@time_machine.travel(NOW, tick=False)
def test_probationary_member_not_graded(branch):
    meeting, members = _evaluation(branch, 3, probationary=1)
    with pytest.raises(DomainError, match="预备党员：参加民主评议，但不评定等次"):
        services.set_grades(
            actor=branch.world.secretary,
            meeting_id=meeting.pk,
            grades={members[-1].pk: "qualified"},
        )


@time_machine.travel(NOW, tick=False)
def test_grading_one_at_a_time_keeps_the_cap(branch):
    meeting, members = _evaluation(branch, 3)
    services.set_grades(
        actor=branch.world.secretary, meeting_id=meeting.pk, grades={members[0].pk: "excellent"}
    )
    with pytest.raises(DomainError, match="最多1人"):
        services.set_grades(
            actor=branch.world.secretary, meeting_id=meeting.pk, grades={members[1].pk: "excellent"}
        )


@time_machine.travel(NOW, tick=False)
def test_grades_only_at_evaluation_meetings(branch):
    member = branch.member()
    meeting = branch.meeting("theme_day", DAY)
    services.hold_meeting(actor=branch.world.secretary, meeting_id=meeting.pk)
    with pytest.raises(DomainError, match="只有“民主评议党员”会议"):
        services.set_grades(
            actor=branch.world.secretary, meeting_id=meeting.pk, grades={member.pk: "qualified"}
        )


# ---- photos --------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_png_photo_stored_under_random_name(branch):
    meeting = branch.meeting(held_on=DAY)
    photo = services.add_photo(
        actor=branch.world.secretary, meeting_id=meeting.pk, upload=io.BytesIO(PNG), name="a.png"
    )
    assert photo.file.name == f"orglife/{meeting.pk}/{photo.token}.png"


@time_machine.travel(NOW, tick=False)
def test_non_image_refused_whatever_its_name(branch):
    meeting = branch.meeting(held_on=DAY)
    with pytest.raises(DomainError, match="不是可识别的照片"):
        services.add_photo(
            actor=branch.world.secretary,
            meeting_id=meeting.pk,
            upload=io.BytesIO(b"<html><script>alert(1)</script>"),
            name="photo.jpg",
        )


@time_machine.travel(NOW, tick=False)
def test_oversized_photo_refused(branch, monkeypatch):
    from shegong.orglife.services import photos

    monkeypatch.setattr(photos, "MAX_BYTES", 32)
    meeting = branch.meeting(held_on=DAY)
    with pytest.raises(DomainError, match="超过 10 MB"):
        services.add_photo(
            actor=branch.world.secretary, meeting_id=meeting.pk, upload=io.BytesIO(PNG), name="b"
        )


# ---- 设岗定责 ------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_assignment_end_before_start_refused(branch):
    member = branch.member()
    with pytest.raises(DomainError, match="结束日期不能早于开始日期"):
        services.create_assignment(
            actor=branch.world.secretary,
            member_id=member.pk,
            title="楼栋党员中心户",
            starts_on=DAY,
            ends_on=date(2026, 1, 1),
        )


@time_machine.travel(NOW, tick=False)
def test_assignment_for_other_branch_member_refused(branch):
    stranger = branch.member(org=branch.other)
    with pytest.raises(DomainError, match="不在您的管辖范围内"):
        services.create_assignment(
            actor=branch.world.secretary, member_id=stranger.pk, title="x", starts_on=DAY
        )


@time_machine.travel(NOW, tick=False)
def test_assignment_update_and_delete(branch):
    member = branch.member()
    row = services.create_assignment(
        actor=branch.world.secretary, member_id=member.pk, title="垃圾分类督导", starts_on=DAY
    )
    services.update_assignment(
        actor=branch.world.secretary,
        assignment_id=row.pk,
        title="垃圾分类督导岗",
        starts_on=DAY,
        ends_on=timezone.localdate(),
    )
    services.delete_assignment(actor=branch.world.secretary, assignment_id=row.pk)
    assert not member.work_assignments.exists()
