"""The orglife API (django-ninja), scoped through ``visible_to`` like the pages: meetings,
their attendance and quorum, and QR sign-in for a member signed in with a linked account."""

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.api import require_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404

from . import services
from .choices import MeetingKind
from .models import Attendance, Meeting

router = Router(tags=["组织生活"])


class MeetingOut(Schema):
    id: int
    organization_id: int
    kind: str
    title: str
    held_on: date
    starts_at: datetime | None
    place: str
    host: str
    status: str
    minutes_recorded_at: datetime | None
    quorum_met: bool | None


class QuorumOut(Schema):
    applies: bool
    met: bool | None
    due: int
    present: int
    explanation: str


class MeetingDetailOut(MeetingOut):
    agenda: str
    minutes: str
    resolutions: str
    quorum: QuorumOut

    @staticmethod
    def resolve_quorum(obj: Meeting) -> QuorumOut:
        report = services.quorum_of(obj)
        return QuorumOut(
            applies=report.applies,
            met=report.met,
            due=report.due,
            present=report.present,
            explanation=report.explanation,
        )


class MeetingFilter(Schema):
    organization: int | None = None
    kind: str | None = None
    status: str | None = None
    held_from: date | None = None
    held_to: date | None = None


class MeetingIn(Schema):
    organization_id: int
    kind: MeetingKind
    title: str
    held_on: date
    place: str = ""
    agenda: str = ""
    host: str = ""
    committee_size: int | None = Field(default=None, ge=1, le=99)
    committee_present: int | None = Field(default=None, ge=0, le=99)


class CancelIn(Schema):
    reason: str


class AttendanceOut(Schema):
    id: int
    member_id: int
    status: str
    method: str
    leave_reason: str
    recorded_at: datetime


class MeetingAttendanceIn(Schema):
    member_id: int
    status: str
    leave_reason: str = ""


class SignInIn(Schema):
    token: str


@router.get("/orglife/meetings", response=list[MeetingOut])
@paginate
def list_meetings(request: HttpRequest, filters: Query[MeetingFilter]) -> object:
    require_capability(request, Cap.ORGLIFE_VIEW)
    qs = Meeting.objects.visible_to(request.user).order_by("-held_on", "-pk")
    if filters.organization is not None:
        qs = qs.filter(organization_id=filters.organization)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.held_from:
        qs = qs.filter(held_on__gte=filters.held_from)
    if filters.held_to:
        qs = qs.filter(held_on__lte=filters.held_to)
    return qs


@router.get("/orglife/meetings/{meeting_id}", response=MeetingDetailOut)
def get_meeting(request: HttpRequest, meeting_id: int) -> object:
    require_capability(request, Cap.ORGLIFE_VIEW)
    return get_visible_or_404(Meeting, request.user, pk=meeting_id)


@router.post("/orglife/meetings", response={201: MeetingOut})
def create_meeting(request: AuthedHttpRequest, payload: MeetingIn) -> object:
    require_capability(request, Cap.ORGLIFE_MANAGE)
    meeting = services.plan_meeting(
        actor=request.user,
        organization_id=payload.organization_id,
        data=services.MeetingData(
            kind=payload.kind.value,
            title=payload.title,
            held_on=payload.held_on,
            place=payload.place,
            agenda=payload.agenda,
            host=payload.host,
            committee_size=payload.committee_size,
            committee_present=payload.committee_present,
        ),
    )
    return 201, meeting


@router.post("/orglife/meetings/{meeting_id}/hold", response=MeetingOut)
def hold_meeting(request: AuthedHttpRequest, meeting_id: int) -> object:
    require_capability(request, Cap.ORGLIFE_MANAGE)
    return services.hold_meeting(actor=request.user, meeting_id=meeting_id)


@router.post("/orglife/meetings/{meeting_id}/cancel", response=MeetingOut)
def cancel_meeting(request: AuthedHttpRequest, meeting_id: int, payload: CancelIn) -> object:
    require_capability(request, Cap.ORGLIFE_MANAGE)
    return services.cancel_meeting(actor=request.user, meeting_id=meeting_id, reason=payload.reason)


@router.get("/orglife/meetings/{meeting_id}/attendance", response=list[AttendanceOut])
def list_attendance(request: HttpRequest, meeting_id: int) -> object:
    require_capability(request, Cap.ORGLIFE_VIEW)
    meeting = get_visible_or_404(Meeting, request.user, pk=meeting_id)
    return Attendance.objects.visible_to(request.user).filter(meeting=meeting).order_by("pk")


@router.post("/orglife/meetings/{meeting_id}/attendance", response=AttendanceOut)
def mark_attendance(
    request: AuthedHttpRequest, meeting_id: int, payload: MeetingAttendanceIn
) -> object:
    require_capability(request, Cap.ORGLIFE_MANAGE)
    return services.mark_attendance(
        actor=request.user,
        meeting_id=meeting_id,
        member_id=payload.member_id,
        status=payload.status,
        leave_reason=payload.leave_reason,
    )


@router.post("/orglife/signin", response=AttendanceOut)
def sign_in(request: AuthedHttpRequest, payload: SignInIn) -> object:
    """A member signed in with an account linked to their member record signs in to the
    meeting of a current QR code (the token in the code's link)."""
    meeting = services.meeting_of_token(payload.token, timezone.now())
    return services.sign_in_by_account(actor=request.user, meeting_id=meeting.pk)
