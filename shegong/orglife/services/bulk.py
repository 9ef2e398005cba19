"""Many past meetings at once (a history typed in from the paper registers, the demo's
three years at metro size).

``bulk_record_meetings`` writes, for each meeting, what the one-by-one services write for
``plan_meeting`` → ``mark_present`` (the sign-in sheet) → ``hold_meeting`` →
``save_minutes`` → ``set_grades``: the same checks, the same ``Meeting`` row (status, stored
quorum verdict, ``held_recorded_at``, ``minutes_recorded_at``), the same attendance rows
(present from the sheet, absent for the rest of the roll of a whole-branch meeting), the
same grades, and the same audit events in the same order — in batches: ids reserved up
front, one multi-row INSERT per table per batch, one append of the batch's events to the
audit chain. A batch is one transaction; a bad meeting refuses its batch, with its number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.db import bulk_insert, insert_columns, reserve_ids
from shegong.core.exceptions import DomainError
from shegong.lib.partyrules.meetings import assembly_quorum, count_voting, excellent_cap
from shegong.members.choices import Stage
from shegong.members.models import Member
from shegong.organizations.choices import OrgStatus
from shegong.organizations.models import PartyOrganization

from ..choices import (
    ROLL_KINDS,
    AttendanceMethod,
    AttendanceStatus,
    Grade,
    MeetingKind,
    MeetingStatus,
)
from ..models import Attendance, EvaluationGrade, Meeting
from .common import require_manage, voting_status
from .meetings import MeetingData, _check_present, _clean
from .quorum import quorum_of

BATCH = 500


@dataclass
class PastMeeting:
    """A meeting that was held: its plan, the sign-in sheet, when it was recorded held,
    its minutes (if any were kept) and, for a 民主评议, the grades."""

    organization_id: int
    data: MeetingData
    held_at: datetime
    present_ids: Sequence[int] = ()
    minutes: str = ""
    minutes_at: datetime | None = None
    grades: Mapping[int, str] = field(default_factory=dict)


@dataclass
class _Branch:
    org: PartyOrganization
    roll: list[Member]  # party members on the roll, in the roll's order
    visible: set[int]  # of those, the ones the actor may see (the sign-in sheet's check)
    committee: int | None  # the committee's size now (应到 left empty)


def bulk_record_meetings(
    *, actor: User, meetings: Sequence[PastMeeting], batch_size: int = BATCH
) -> list[int]:
    """Record each meeting as held, in order; returns their ids."""
    require_manage(actor)
    branches: dict[int, _Branch] = {}
    ids: list[int] = []
    for start in range(0, len(meetings), batch_size):
        chunk = meetings[start : start + batch_size]
        ids += _batch(actor, chunk, start, branches)
    return ids


def _branch(actor: User, org_id: int, branches: dict[int, _Branch]) -> _Branch:
    found = branches.get(org_id)
    if found is None:
        org = (
            PartyOrganization.objects.visible_to(actor)
            .filter(pk=org_id)
            .select_related("region")
            .first()
        )
        if org is None:
            raise DomainError("党组织不存在或不在您的管辖范围内")
        if org.status != OrgStatus.ACTIVE:
            raise DomainError("已撤销或合并的党组织不能安排会议")
        roll = list(Member.objects.party_members().filter(organization_id=org_id))
        visible = set(
            Member.objects.visible_to(actor)
            .party_members()
            .filter(organization_id=org_id)
            .values_list("pk", flat=True)
        )
        committee = org.committee.filter(ended_on__isnull=True).count() or None
        found = branches[org_id] = _Branch(org, roll, visible, committee)
    return found


@dataclass
class _Written:
    meeting: Meeting
    rows: list[tuple[int, str, str]]  # attendance: member id, status, method
    grades: list[EvaluationGrade]
    entries: list[audit.Entry]


def _one(actor: User, past: PastMeeting, branch: _Branch) -> _Written:
    data = _clean(past.data)
    size = data.committee_size
    if data.kind == MeetingKind.COMMITTEE and size is None:
        size = branch.committee
        _check_present(size, data.committee_present)
    meeting = Meeting(
        organization=branch.org,
        kind=data.kind,
        title=data.title,
        held_on=data.held_on,
        starts_at=data.starts_at,
        place=data.place,
        agenda=data.agenda,
        host=data.host,
        committee_size=size,
        committee_present=data.committee_present,
        created_by=actor,
    )
    entries = [
        audit.Entry(
            "orglife_meeting_planned",
            actor=actor,
            target=meeting,
            changes={"kind": data.kind, "held_on": data.held_on.isoformat()},
        )
    ]
    present = set(past.present_ids)
    if present and not present <= branch.visible:
        raise DomainError("有党员不在本支部党员名册中")
    rows = [
        (pk, AttendanceStatus.PRESENT.value, AttendanceMethod.MANUAL.value)
        for pk in sorted(present)
    ]
    if present:
        entries.append(
            audit.Entry(
                "orglife_attendance_marked",
                actor=actor,
                target=meeting,
                changes={"present": len(present)},
                at=past.held_at,
            )
        )
    if data.held_on > timezone.localdate(past.held_at):
        raise DomainError("会议日期还没到，不能登记为已召开")
    attending = [m for m in branch.roll if m.pk in present]
    if data.kind in ROLL_KINDS:
        rows += [
            (m.pk, AttendanceStatus.ABSENT.value, "") for m in branch.roll if m.pk not in present
        ]
        attending = list(branch.roll)
    meeting.status = MeetingStatus.HELD
    meeting.held_recorded_at = past.held_at
    due = present_count = 0
    if data.kind == MeetingKind.ASSEMBLY:
        statuses = {m.pk: voting_status(m) for m in attending}
        due = count_voting(statuses.values())
        present_count = count_voting(s for pk, s in statuses.items() if pk in present)
        meeting.quorum_met = assembly_quorum(due, present_count)
    else:
        report = quorum_of(meeting)  # reads only the meeting's own counts for these kinds
        meeting.quorum_met, due, present_count = report.met, report.due, report.present
    entries.append(
        audit.Entry(
            "orglife_meeting_held",
            actor=actor,
            target=meeting,
            changes={"present": present_count, "due": due, "quorum": meeting.quorum_met},
            at=past.held_at,
        )
    )
    if past.minutes:
        _minutes(actor, past, meeting, entries)
    grades = _grades(actor, past, meeting, attending, entries) if past.grades else []
    label = str(meeting)[:255]  # what record_many would compute once per event
    for entry in entries:
        entry.target_repr = entry.target_repr or label
    return _Written(meeting, rows, grades, entries)


def _minutes(actor: User, past: PastMeeting, meeting: Meeting, entries: list[audit.Entry]) -> None:
    minutes = past.minutes.strip()
    at = past.minutes_at or past.held_at
    if not minutes:
        raise DomainError("会议记录不能为空")
    if meeting.held_on > timezone.localdate(at):
        raise DomainError("会议还没召开，不能填写会议记录")
    meeting.minutes = minutes
    meeting.minutes_recorded_at = at
    entries.append(
        audit.Entry(
            "orglife_minutes_saved", actor=actor, target=meeting, changes={"first": True}, at=at
        )
    )


def _grades(
    actor: User,
    past: PastMeeting,
    meeting: Meeting,
    attending: list[Member],
    entries: list[audit.Entry],
) -> list[EvaluationGrade]:
    """As ``set_grades`` on a meeting without grades yet (graded: the attendance rows
    except 预备党员; 优秀 ≤ 1/3 of them)."""
    if meeting.kind != MeetingKind.EVALUATION:
        raise DomainError("只有“民主评议党员”会议可以评定等次")
    rows = {m.pk: m for m in attending}
    graded_ids = {pk for pk, m in rows.items() if m.stage != Stage.PROBATIONARY}
    for member_id, value in past.grades.items():
        if member_id not in rows:
            raise DomainError("该党员不在本次民主评议名单中")
        if value and value not in Grade.values:
            raise DomainError("请选择优秀、合格、基本合格或不合格")
        if value and member_id not in graded_ids:
            raise DomainError(f"{rows[member_id].name}是预备党员：参加民主评议，但不评定等次")
    current = {k: v for k, v in past.grades.items() if v}
    cap = excellent_cap(len(graded_ids))
    excellent = sum(1 for v in current.values() if v == Grade.EXCELLENT)
    if excellent > cap:
        raise DomainError(
            f"评为“优秀”的不能超过参评党员的三分之一：参评{len(graded_ids)}人，最多{cap}人"
            f"评为优秀（向下取整），现为{excellent}人"
        )
    entries.append(
        audit.Entry(
            "orglife_grades_set",
            actor=actor,
            target=meeting,
            changes={"graded": len(current), "excellent": excellent, "cap": cap},
        )
    )
    return [EvaluationGrade(meeting=meeting, member_id=k, grade=v) for k, v in current.items()]


def _batch(
    actor: User, chunk: Sequence[PastMeeting], offset: int, branches: dict[int, _Branch]
) -> list[int]:
    written: list[_Written] = []
    for number, past in enumerate(chunk, start=offset + 1):
        try:
            written.append(_one(actor, past, _branch(actor, past.organization_id, branches)))
        except DomainError as exc:
            raise DomainError(f"第 {number} 个会议：{exc.message}", code=exc.code) from exc
    with transaction.atomic():
        meetings = [w.meeting for w in written]
        for meeting, pk in zip(meetings, reserve_ids(Meeting, len(meetings)), strict=True):
            meeting.pk = meeting.id = pk
        bulk_insert(Meeting, meetings)
        grades = [g for w in written for g in w.grades]
        for grade in grades:
            grade.meeting_id = grade.meeting.pk
        _insert_attendance(written)
        bulk_insert(EvaluationGrade, grades)
        audit.record_many([entry for w in written for entry in w.entries])
    return [m.pk for m in meetings]


ATTENDANCE_COLUMNS = ("meeting_id", "member_id", "status", "method", "leave_reason", "recorded_at")


def _insert_attendance(written: Sequence[_Written]) -> None:
    """The batch's attendance rows as ``Attendance(...)`` + ``bulk_insert`` would write them
    (no leave reason, ``recorded_at`` the insert's time by ``auto_now``), without an
    instance per row: at metro size these are ~20 million rows, and building and preparing
    an instance each was most of the demo's 组织生活 time."""
    field = Attendance._meta.get_field("recorded_at")
    recorded_at = field.get_db_prep_save(timezone.now(), connection=connection)
    insert_columns(
        Attendance,
        ATTENDANCE_COLUMNS,
        [
            (w.meeting.pk, member, status, method, "", recorded_at)
            for w in written
            for member, status, method in w.rows
        ],
    )
