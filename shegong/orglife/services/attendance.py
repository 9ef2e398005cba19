"""Attendance: marked by the secretary, or by the member scanning the meeting's QR code.

The QR code carries a signed, timestamped token (``TimestampSigner``, salt below) with the
meeting id and a random nonce; it expires after ``qr_ttl_seconds()`` (default 180 s) and the
secretary's screen shows a fresh one every half of that. The member proves who they are by
the phone number on their member record and an SMS code (views), or by a platform account
linked to their record (``Member.user``). Nothing here tells a scanner who is on the roll
before they proved their phone."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.core import signing
from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.pii import blind_index
from shegong.lib.text import parse_id
from shegong.members.models import Member

from ..choices import AttendanceMethod, AttendanceStatus, MeetingStatus
from ..models import Attendance, Meeting
from .common import load_meeting, qr_ttl_seconds, require_manage
from .quorum import quorum_of

TOKEN_SALT = "shegong.orglife.signin"  # noqa: S105 — a signing namespace, not a secret

EXPIRED = "签到二维码已过期，请扫描会场屏幕上最新的二维码"
INVALID = "签到二维码无效，请扫描会场屏幕上的签到二维码"


def _refresh_quorum(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.HELD:
        meeting.quorum_met = quorum_of(meeting).met
        meeting.save(update_fields=["quorum_met", "updated_at"])


def mark_attendance(
    *,
    actor: User,
    meeting_id: int,
    member_id: int,
    status: str,
    leave_reason: str = "",
) -> Attendance:
    """The secretary marks a member of the branch present / on leave / absent."""
    require_manage(actor, "您的角色不能登记出席情况")
    leave_reason = leave_reason.strip()
    with transaction.atomic():
        meeting = load_meeting(actor, meeting_id, lock=True)
        if status not in AttendanceStatus.values:
            raise DomainError("请选择出席、请假或缺席")
        if status == AttendanceStatus.LEAVE and not leave_reason:
            raise DomainError("请假须填写事由")
        if meeting.status == MeetingStatus.CANCELLED:
            raise DomainError("会议已取消，不能登记出席情况")
        member = (
            Member.objects.visible_to(actor)
            .party_members()
            .filter(pk=member_id, organization_id=meeting.organization_id)
            .first()
        )
        if member is None:
            raise DomainError("该党员不在本支部党员名册中")
        row, _ = Attendance.objects.update_or_create(
            meeting=meeting,
            member=member,
            defaults={
                "status": status,
                "method": AttendanceMethod.MANUAL,
                "leave_reason": leave_reason[:200] if status == AttendanceStatus.LEAVE else "",
            },
        )
        _refresh_quorum(meeting)
        audit.record(
            "orglife_attendance_marked",
            actor=actor,
            target=meeting,
            changes={"member": member.pk, "status": status},
        )
    return row


def mark_present(
    *, actor: User, meeting_id: int, member_ids: list[int], now: datetime | None = None
) -> int:
    """Mark several members of the branch present at once (a sign-in sheet typed in after
    the meeting; the demo generator). Members not on the branch roll are refused."""
    require_manage(actor, "您的角色不能登记出席情况")
    with transaction.atomic():
        meeting = load_meeting(actor, meeting_id, lock=True)
        if meeting.status == MeetingStatus.CANCELLED:
            raise DomainError("会议已取消，不能登记出席情况")
        wanted = set(member_ids)
        found = set(
            Member.objects.visible_to(actor)
            .party_members()
            .filter(pk__in=wanted, organization_id=meeting.organization_id)
            .values_list("pk", flat=True)
        )
        if found != wanted:
            raise DomainError("有党员不在本支部党员名册中")
        # Rows a member's scan created meanwhile are kept (ignore_conflicts) and then
        # updated like the others: the sheet says present either way.
        Attendance.objects.bulk_create(
            (
                Attendance(
                    meeting=meeting,
                    member_id=pk,
                    status=AttendanceStatus.PRESENT,
                    method=AttendanceMethod.MANUAL,
                )
                for pk in sorted(found)
            ),
            ignore_conflicts=True,
        )
        meeting.attendance.filter(member_id__in=found).exclude(
            status=AttendanceStatus.PRESENT, method=AttendanceMethod.MANUAL
        ).update(status=AttendanceStatus.PRESENT, method=AttendanceMethod.MANUAL, leave_reason="")
        _refresh_quorum(meeting)
        audit.record(
            "orglife_attendance_marked",
            actor=actor,
            target=meeting,
            changes={"present": len(found)},
            at=now,
        )
    return len(found)


# ---- QR sign-in -------------------------------------------------------------------------


def signin_token(meeting_id: int) -> str:
    nonce = secrets.token_urlsafe(9)
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(f"{meeting_id}.{nonce}")


def _open_for_signin(meeting: Meeting, now: datetime) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError("会议已取消，不能签到", code="meeting_closed")
    if meeting.held_on != timezone.localdate(now):
        raise DomainError("只能在会议当天扫码签到", code="meeting_closed")


def qr_token(*, actor: User, meeting_id: int, now: datetime | None = None) -> tuple[Meeting, str]:
    """The token shown on the secretary's screen (a meeting in their scope, on its day)."""
    require_manage(actor, "您的角色不能组织签到")
    meeting = load_meeting(actor, meeting_id)
    _open_for_signin(meeting, now or timezone.now())
    return meeting, signin_token(meeting.pk)


def read_token(token: str, *, max_age: int | None = None) -> int:
    """The meeting id of a valid token; DomainError (Chinese) when expired or forged."""
    try:
        value = signing.TimestampSigner(salt=TOKEN_SALT).unsign(
            token, max_age=max_age if max_age is not None else qr_ttl_seconds()
        )
    except signing.SignatureExpired:
        raise DomainError(EXPIRED, code="token_expired") from None
    except signing.BadSignature:
        raise DomainError(INVALID, code="token_invalid") from None
    meeting_part, _, nonce = value.partition(".")
    meeting_id = parse_id(meeting_part)
    if meeting_id is None or not nonce:
        raise DomainError(INVALID, code="token_invalid")
    return meeting_id


def open_meeting(meeting_id: int, now: datetime | None = None, *, lock: bool = False) -> Meeting:
    """The meeting, if members may sign in to it now (not cancelled, on its day). ``lock``
    (inside a transaction) serialises it with every other writer of its attendance, which
    all lock the meeting row first (``load_meeting(lock=True)``)."""
    qs = Meeting.objects.select_related("organization")
    if lock:
        qs = qs.select_for_update(of=("self",))
    meeting = qs.filter(pk=meeting_id).first()
    if meeting is None:
        raise DomainError(INVALID, code="token_invalid")
    _open_for_signin(meeting, now or timezone.now())
    return meeting


# SMS codes one meeting's sign-in page may send: this many per party member on the roll.
SMS_PER_MEMBER = 3


def signin_sms_cap(meeting: Meeting) -> int:
    """How many SMS codes the sign-in page of ``meeting`` may send in all (at least one
    roll's worth of three, so a tiny branch can still sign in)."""
    roll = Member.objects.party_members().filter(organization_id=meeting.organization_id).count()
    return SMS_PER_MEMBER * max(roll, 1)


def meeting_of_token(token: str, now: datetime | None = None) -> Meeting:
    """The meeting a valid, current code is for (what the scanner may see: its title)."""
    return open_meeting(read_token(token), now)


def _sign_in(meeting: Meeting, member: Member, now: datetime) -> Attendance:
    """Sign ``member`` in; the caller holds the lock on ``meeting`` (``open_meeting(lock=True)``).
    A second tap, or a row the secretary wrote meanwhile as present, changes nothing."""
    row, created = Attendance.objects.get_or_create(
        meeting=meeting,
        member=member,
        defaults={"status": AttendanceStatus.PRESENT, "method": AttendanceMethod.QR},
    )
    if not created and row.status == AttendanceStatus.PRESENT:
        row.already_present = True
        return row
    row.status = AttendanceStatus.PRESENT
    row.method = AttendanceMethod.QR
    row.leave_reason = ""
    row.save()
    _refresh_quorum(meeting)
    audit.record(
        "orglife_signed_in",
        actor=None,
        target=meeting,
        target_repr=f"扫码签到 {meeting.title}",
        changes={"member": member.pk},
        at=now,
    )
    return row


def sign_in_by_phone(*, meeting_id: int, phone: str, now: datetime | None = None) -> Attendance:
    """The scanner opened a current code of the meeting (the view checked it, see
    ``views.signin``) and proved ``phone`` with an SMS code: sign that member in."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = open_meeting(meeting_id, now, lock=True)
        member = (
            Member.objects.party_members()
            .filter(organization_id=meeting.organization_id, phone_bidx=blind_index("phone", phone))
            .first()
            if phone
            else None
        )
        if member is None:
            raise DomainError(
                "这个手机号码不在本支部党员名册中，不能签到；请向支部书记确认登记的手机号码",
                code="not_on_roll",
            )
        return _sign_in(meeting, member, now)


def sign_in_by_account(*, actor: User, meeting_id: int, now: datetime | None = None) -> Attendance:
    """A signed-in platform user whose account is linked to their member record, who opened
    a current code of the meeting (checked by the caller)."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = open_meeting(meeting_id, now, lock=True)
        member = (
            Member.objects.party_members()
            .filter(organization_id=meeting.organization_id, user_id=actor.pk)
            .first()
        )
        if member is None:
            raise DomainError("您的账号没有关联本支部的党员名册，不能签到", code="not_on_roll")
        return _sign_in(meeting, member, now)
