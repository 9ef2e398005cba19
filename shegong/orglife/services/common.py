"""Loading rows through the actor's scope, and the member → rules-engine conversions."""

from __future__ import annotations

from django.conf import settings

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.lib.partyrules.development import MemberStatus
from shegong.members.choices import Discipline, Stage
from shegong.members.models import Member

from ..models import Meeting

# Minutes saved more than this many days after the meeting are late (a compliance finding).
MINUTES_DUE_DAYS_DEFAULT = 7
# How long a shown QR code stays valid (the secretary's screen refreshes it at half that).
QR_TTL_SECONDS_DEFAULT = 180


def minutes_due_days() -> int:
    return int(getattr(settings, "SHEGONG_ORGLIFE_MINUTES_DUE_DAYS", MINUTES_DUE_DAYS_DEFAULT))


def qr_ttl_seconds() -> int:
    return int(getattr(settings, "SHEGONG_ORGLIFE_QR_TTL_SECONDS", QR_TTL_SECONDS_DEFAULT))


def require_manage(actor: User, message: str = "您的角色不能管理组织生活") -> None:
    require_capability(actor, Cap.ORGLIFE_MANAGE, message)


def load_meeting(actor: User, meeting_id: int, *, lock: bool = False) -> Meeting:
    qs = Meeting.objects.visible_to(actor).select_related("organization")
    if lock:
        qs = qs.select_for_update(of=("self",))
    meeting = qs.filter(pk=meeting_id).first()
    if meeting is None:
        raise DomainError("会议不存在或不在您的管辖范围内", code="not_found")
    return meeting


def voting_status(member: Member) -> MemberStatus:
    """D13: 正式党员 vote; 预备党员 and members under 留党察看 take part without a vote."""
    if member.discipline == Discipline.PROBATION:
        return MemberStatus.DISCIPLINED
    if member.stage == Stage.PROBATIONARY:
        return MemberStatus.PROBATIONARY
    if member.stage == Stage.FULL:
        return MemberStatus.FORMAL
    return MemberStatus.OTHER


def roll_members(organization_id: int) -> list[Member]:
    """Party members (预备, 正式) on the branch roll now."""
    return list(Member.objects.party_members().filter(organization_id=organization_id))
