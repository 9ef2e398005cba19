"""Planning, holding and cancelling a meeting; minutes and resolutions (votes)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.lib.partyrules.meetings import assembly_passes
from shegong.organizations.choices import OrgStatus
from shegong.organizations.models import PartyOrganization

from ..choices import ROLL_KINDS, AttendanceStatus, MeetingKind, MeetingStatus
from ..models import Attendance, Meeting, Resolution
from .common import load_meeting, require_manage, roll_members
from .quorum import quorum_of

# The meeting's workflow as data: status → statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    MeetingStatus.PLANNED: frozenset({MeetingStatus.HELD, MeetingStatus.CANCELLED}),
    MeetingStatus.HELD: frozenset(),
    MeetingStatus.CANCELLED: frozenset(),
}


def _move(meeting: Meeting, to: str) -> None:
    if to not in TRANSITIONS[meeting.status]:
        raise DomainError(
            f"会议当前为“{meeting.get_status_display()}”，不能改为“{MeetingStatus(to).label}”"
        )
    meeting.status = to


# Upper bound of the committee counts typed in (a 支委会 has a handful of members).
MAX_COMMITTEE = 99
KINDS = frozenset(MeetingKind.values)  # Choices.values is rebuilt on every access


def _check_present(size: int | None, present: int | None) -> None:
    if size is not None and present is not None and present > size:
        raise DomainError(f"实到委员数（{present}）不能多于应到委员数（{size}）")


@dataclass(frozen=True, slots=True)
class MeetingData:
    kind: str
    title: str
    held_on: date
    place: str = ""
    agenda: str = ""
    host: str = ""
    starts_at: datetime | None = None
    committee_size: int | None = None
    committee_present: int | None = None


def _clean(data: MeetingData) -> MeetingData:
    if data.kind not in KINDS:
        raise DomainError("请选择会议类型")
    if not data.title.strip():
        raise DomainError("请填写会议主题")
    size, present = data.committee_size, data.committee_present
    if data.kind == MeetingKind.COMMITTEE:
        if size is not None and not 1 <= size <= MAX_COMMITTEE:
            raise DomainError(f"应到委员数须在 1 与 {MAX_COMMITTEE} 之间")
        if present is not None and not 0 <= present <= MAX_COMMITTEE:
            raise DomainError(f"实到委员数须在 0 与 {MAX_COMMITTEE} 之间")
        _check_present(size, present)
    else:
        size = present = None
    return MeetingData(
        kind=data.kind,
        title=data.title.strip()[:200],
        held_on=data.held_on,
        place=data.place.strip()[:200],
        agenda=data.agenda.strip(),
        host=data.host.strip()[:50],
        starts_at=data.starts_at,
        committee_size=size,
        committee_present=present,
    )


def plan_meeting(*, actor: User, organization_id: int, data: MeetingData) -> Meeting:
    """A new meeting (已计划) of a branch the actor may see."""
    require_manage(actor)
    data = _clean(data)
    with transaction.atomic():
        org = PartyOrganization.objects.visible_to(actor).filter(pk=organization_id).first()
        if org is None:
            raise DomainError("党组织不存在或不在您的管辖范围内")
        if org.status != OrgStatus.ACTIVE:
            raise DomainError("已撤销或合并的党组织不能安排会议")
        size = data.committee_size
        if data.kind == MeetingKind.COMMITTEE and size is None:
            size = org.committee.filter(ended_on__isnull=True).count() or None
            # 应到 left empty is the committee's size now: 实到 must still fit within it.
            _check_present(size, data.committee_present)
        meeting = Meeting.objects.create(
            organization=org,
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
        audit.record(
            "orglife_meeting_planned",
            actor=actor,
            target=meeting,
            changes={"kind": data.kind, "held_on": data.held_on.isoformat()},
        )
    return meeting


def update_meeting(*, actor: User, meeting_id: int, data: MeetingData) -> Meeting:
    """Change a meeting's plan (the kind stays; a held meeting keeps its date)."""
    require_manage(actor)
    with transaction.atomic():
        meeting = load_meeting(actor, meeting_id, lock=True)
        if meeting.status == MeetingStatus.CANCELLED:
            raise DomainError("已取消的会议不能修改")
        data = _clean(replace(data, kind=meeting.kind))
        if meeting.status == MeetingStatus.HELD and data.held_on != meeting.held_on:
            raise DomainError("已召开的会议不能改日期")
        if meeting.status == MeetingStatus.HELD and data.held_on > timezone.localdate():
            raise DomainError("会议日期不能晚于今天")
        for name in ("title", "held_on", "starts_at", "place", "agenda", "host"):
            setattr(meeting, name, getattr(data, name))
        meeting.committee_size = data.committee_size
        meeting.committee_present = data.committee_present
        if meeting.status == MeetingStatus.HELD:
            meeting.quorum_met = quorum_of(meeting).met
        meeting.save()
        audit.record("orglife_meeting_updated", actor=actor, target=meeting)
    return meeting


def hold_meeting(*, actor: User, meeting_id: int, now: datetime | None = None) -> Meeting:
    """Mark the meeting 已召开. For meetings of the whole branch (``ROLL_KINDS``) every party
    member on the roll without an attendance row gets one, ``absent``; the quorum verdict is
    stored. ``now`` is for the demo generator (backdating)."""
    require_manage(actor)
    now = now or timezone.now()
    with transaction.atomic():
        meeting = load_meeting(actor, meeting_id, lock=True)
        if meeting.held_on > timezone.localdate(now):
            raise DomainError("会议日期还没到，不能登记为已召开")
        _move(meeting, MeetingStatus.HELD)
        if meeting.kind in ROLL_KINDS:
            have = set(meeting.attendance.values_list("member_id", flat=True))
            # ignore_conflicts: a row a late scan wrote meanwhile stays as it is.
            Attendance.objects.bulk_create(
                (
                    Attendance(meeting=meeting, member=m, status=AttendanceStatus.ABSENT)
                    for m in roll_members(meeting.organization_id)
                    if m.pk not in have
                ),
                ignore_conflicts=True,
            )
        meeting.held_recorded_at = now
        report = quorum_of(meeting)
        meeting.quorum_met = report.met
        meeting.save(update_fields=["status", "held_recorded_at", "quorum_met", "updated_at"])
        audit.record(
            "orglife_meeting_held",
            actor=actor,
            target=meeting,
            changes={"present": report.present, "due": report.due, "quorum": report.met},
            at=now,
        )
    return meeting


def cancel_meeting(*, actor: User, meeting_id: int, reason: str) -> Meeting:
    require_manage(actor)
    reason = reason.strip()
    if not reason:
        raise DomainError("请填写取消原因")
    with transaction.atomic():
        meeting = load_meeting(actor, meeting_id, lock=True)
        _move(meeting, MeetingStatus.CANCELLED)
        meeting.cancel_reason = reason[:200]
        meeting.save(update_fields=["status", "cancel_reason", "updated_at"])
        audit.record("orglife_meeting_cancelled", actor=actor, target=meeting, note=reason)
    return meeting


def save_minutes(
    *,
    actor: User,
    meeting_id: int,
    minutes: str,
    resolutions: str = "",
    now: datetime | None = None,
) -> Meeting:
    """Save the minutes (and the resolutions' text). ``minutes_recorded_at`` is the first
    save: later corrections do not move it (lateness is judged on when they were first kept).
    ``now`` is for the demo generator (late minutes)."""
    require_manage(actor)
    now = now or timezone.now()
    minutes = minutes.strip()
    if not minutes:
        raise DomainError("会议记录不能为空")
    with transaction.atomic():
        meeting = load_meeting(actor, meeting_id, lock=True)
        if meeting.status == MeetingStatus.CANCELLED:
            raise DomainError("已取消的会议不能填写会议记录")
        if meeting.held_on > timezone.localdate(now):
            raise DomainError("会议还没召开，不能填写会议记录")
        first = meeting.minutes_recorded_at is None
        meeting.minutes = minutes
        meeting.resolutions = resolutions.strip()
        if first:
            meeting.minutes_recorded_at = now
        meeting.save(update_fields=["minutes", "resolutions", "minutes_recorded_at", "updated_at"])
        audit.record(
            "orglife_minutes_saved",
            actor=actor,
            target=meeting,
            changes={"first": first},
            at=now,
        )
    return meeting


def record_resolution(
    *,
    actor: User,
    meeting_id: int,
    text: str,
    yes: int | None = None,
    no: int | None = None,
    abstain: int | None = None,
) -> Resolution:
    """A decision of the meeting. At a 支部党员大会 the vote is required and judged by the
    two-step rule: quorum of voting members first, then yes > half of the voting members
    **due** (支部工作条例 第十一条; ``partyrules.meetings.assembly_passes``)."""
    require_manage(actor)
    text = text.strip()
    if not text:
        raise DomainError("请填写决议事项")
    with transaction.atomic():
        meeting = load_meeting(actor, meeting_id, lock=True)
        if meeting.status != MeetingStatus.HELD:
            raise DomainError("会议登记为已召开后才能记录表决结果")
        row = Resolution(meeting=meeting, text=text[:500], recorded_by=actor)
        if meeting.kind == MeetingKind.ASSEMBLY:
            if yes is None:
                raise DomainError("支部党员大会的决议须填写赞成票数")
            votes = [yes, no or 0, abstain or 0]
            if any(v < 0 for v in votes):
                raise DomainError("票数不能为负数")
            report = quorum_of(meeting)
            if sum(votes) > report.present:
                raise DomainError(
                    f"赞成、反对、弃权合计{sum(votes)}票，超过到会有表决权党员{report.present}人"
                )
            row.yes, row.no, row.abstain = yes, no or 0, abstain or 0
            row.voting_due, row.voting_present = report.due, report.present
            row.passed = assembly_passes(report.due, report.present, yes)
        row.save()
        audit.record(
            "orglife_resolution_recorded",
            actor=actor,
            target=meeting,
            changes={"yes": row.yes, "passed": row.passed},
        )
    return row


def resolution_verdict(row: Resolution) -> str:
    """Why a voted resolution passed or not, in Chinese."""
    if row.passed is None or row.voting_due is None or row.yes is None:
        return ""
    need = row.voting_due // 2 + 1
    if row.voting_present is not None and row.voting_present * 2 <= row.voting_due:
        return (
            f"未通过：到会有表决权党员{row.voting_present}人，"
            f"未超过应到{row.voting_due}人的半数，不能表决"
        )
    if row.passed:
        return (
            f"通过：赞成{row.yes}票，超过应到有表决权党员{row.voting_due}人的半数（至少{need}票）"
        )
    return (
        f"未通过：赞成{row.yes}票，未超过应到有表决权党员{row.voting_due}人的半数（至少需{need}票）"
    )
