"""民主评议党员 grades: 优秀 ≤ floor(n/3) of the graded members (partyrules D5); 预备党员 take
part but are not graded (共产党员网 民主评议; domain-rules §4.3)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.lib.partyrules.meetings import excellent_cap
from shegong.members.choices import Stage

from ..choices import Grade, MeetingKind, MeetingStatus
from ..models import EvaluationGrade
from .common import load_meeting, require_manage


def set_grades(*, actor: User, meeting_id: int, grades: Mapping[int, str]) -> list[EvaluationGrade]:
    """Set (or, with an empty value, clear) the grades of members of an evaluation meeting.

    Graded members are the meeting's attendance rows except 预备党员; the cap is taken over
    all of them (``n``), so grading one member at a time is judged like grading all."""
    require_manage(actor, "您的角色不能评定民主评议等次")
    with transaction.atomic():
        meeting = load_meeting(actor, meeting_id, lock=True)
        if meeting.kind != MeetingKind.EVALUATION:
            raise DomainError("只有“民主评议党员”会议可以评定等次")
        if meeting.status != MeetingStatus.HELD:
            raise DomainError("会议登记为已召开后才能评定等次")
        rows = {r.member_id: r.member for r in meeting.attendance.select_related("member")}
        graded_ids = {pk for pk, m in rows.items() if m.stage != Stage.PROBATIONARY}
        for member_id, value in grades.items():
            if member_id not in rows:
                raise DomainError("该党员不在本次民主评议名单中")
            if value and value not in Grade.values:
                raise DomainError("请选择优秀、合格、基本合格或不合格")
            if value and member_id not in graded_ids:
                raise DomainError(f"{rows[member_id].name}是预备党员：参加民主评议，但不评定等次")
        current = dict(meeting.grades.values_list("member_id", "grade"))
        current.update(dict(grades.items()))
        current = {k: v for k, v in current.items() if v}
        n = len(graded_ids)
        cap = excellent_cap(n)
        excellent = sum(1 for v in current.values() if v == Grade.EXCELLENT)
        if excellent > cap:
            raise DomainError(
                f"评为“优秀”的不能超过参评党员的三分之一：参评{n}人，最多{cap}人评为优秀"
                f"（向下取整），现为{excellent}人"
            )
        meeting.grades.filter(member_id__in=[k for k, v in grades.items() if not v]).delete()
        saved = []
        for member_id, value in grades.items():
            if value:
                row, _ = EvaluationGrade.objects.update_or_create(
                    meeting=meeting, member_id=member_id, defaults={"grade": value}
                )
                saved.append(row)
        audit.record(
            "orglife_grades_set",
            actor=actor,
            target=meeting,
            changes={"graded": len(current), "excellent": excellent, "cap": cap},
        )
    return saved
