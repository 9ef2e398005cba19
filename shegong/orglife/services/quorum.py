"""Whether a meeting had its quorum, and why, in Chinese.

支部党员大会 (支部工作条例 第十一条): voting members present > half of the voting members due;
预备党员 and members under 留党察看 are counted on neither side (partyrules D13). 支委会
(第十二条): committee members present ≥ half of the committee. Other kinds have no rule."""

from __future__ import annotations

from dataclasses import dataclass

from shegong.lib.partyrules.development import MemberStatus
from shegong.lib.partyrules.meetings import assembly_quorum, committee_quorum, count_voting

from ..choices import AttendanceStatus, MeetingKind, MeetingStatus
from ..models import Meeting
from .common import roll_members, voting_status


@dataclass(frozen=True, slots=True)
class QuorumReport:
    applies: bool
    met: bool | None  # None: no rule for this kind, or the counts are missing
    due: int = 0
    present: int = 0
    explanation: str = ""


def quorum_of(meeting: Meeting) -> QuorumReport:
    if meeting.kind == MeetingKind.ASSEMBLY:
        return _assembly(meeting)
    if meeting.kind == MeetingKind.COMMITTEE:
        return _committee(meeting)
    return QuorumReport(applies=False, met=None, explanation="该类会议无法定人数要求")


def _assembly(meeting: Meeting) -> QuorumReport:
    rows = list(meeting.attendance.select_related("member"))
    statuses = {row.member_id: voting_status(row.member) for row in rows}
    if meeting.status != MeetingStatus.HELD:
        # Before it is held the roll is the expectation (rows are added when held).
        for member in roll_members(meeting.organization_id):
            statuses.setdefault(member.pk, voting_status(member))
    present_ids = {r.member_id for r in rows if r.status == AttendanceStatus.PRESENT}
    due = count_voting(statuses.values())
    present = count_voting(s for pk, s in statuses.items() if pk in present_ids)
    probationary = sum(1 for s in statuses.values() if s is MemberStatus.PROBATIONARY)
    disciplined = sum(1 for s in statuses.values() if s is MemberStatus.DISCIPLINED)
    left_out = []
    if probationary:
        left_out.append(f"预备党员{probationary}人")
    if disciplined:
        left_out.append(f"留党察看{disciplined}人")
    note = f"（{'、'.join(left_out)}无表决权，不计入）" if left_out else ""
    met = assembly_quorum(due, present)
    if due == 0:
        text = "本支部没有有表决权的正式党员，不能表决"
    elif met:
        text = f"有表决权党员应到{due}人、实到{present}人，超过半数，可以表决{note}"
    else:
        text = f"有表决权党员应到{due}人、实到{present}人，未超过半数，不能表决{note}"
    return QuorumReport(
        applies=True,
        met=met,
        due=due,
        present=present,
        explanation=f"{text}。依据：《中国共产党支部工作条例（试行）》第十一条",
    )


def _committee(meeting: Meeting) -> QuorumReport:
    size, present = meeting.committee_size, meeting.committee_present
    if not size or present is None:
        return QuorumReport(
            applies=True, met=None, explanation="请填写应到和实到委员人数，以判断是否达到法定人数"
        )
    if present < 0 or present > size:
        # Counts typed before the checks existed (or edited outside the services): say so
        # on the page instead of failing it.
        return QuorumReport(
            applies=True,
            met=None,
            due=size,
            present=present,
            explanation=f"实到委员{present}人多于应到{size}人，请核对并修改委员人数",
        )
    met = committee_quorum(size, present)
    verdict = "达到半数，符合要求" if met else "不足半数，不能作出决定"
    return QuorumReport(
        applies=True,
        met=met,
        due=size,
        present=present,
        explanation=(
            f"支委应到{size}人、实到{present}人，{verdict}。"
            "依据：《中国共产党支部工作条例（试行）》第十二条"
        ),
    )
