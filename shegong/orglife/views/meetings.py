"""Meetings: the list of a branch (by quarter and type), new/edit, and the detail page
(attendance, QR code, quorum, minutes, resolutions, photos, grades)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.text import parse_id
from shegong.members.choices import Stage
from shegong.members.models import Member

from .. import services
from ..choices import ROLL_KINDS, AttendanceStatus, Grade, MeetingKind, MeetingStatus
from ..forms import MeetingForm
from ..models import Attendance, Meeting
from .common import can_manage, visible_orgs, year_quarter


@capability_required(Cap.ORGLIFE_VIEW)
def meeting_list(request: AuthedHttpRequest) -> HttpResponse:
    year, quarter = year_quarter(request)
    meetings = Meeting.objects.visible_to(request.user).select_related("organization")
    meetings = meetings.filter(held_on__year=year)
    if quarter:
        meetings = meetings.filter(
            held_on__month__gte=quarter * 3 - 2, held_on__month__lte=quarter * 3
        )
    org_id = parse_id(request.GET.get("org"))
    if org_id:
        meetings = meetings.filter(organization_id=org_id)
    kind = request.GET.get("kind", "")
    if kind in MeetingKind.values:
        meetings = meetings.filter(kind=kind)
    return render(
        request,
        "orglife/meeting_list.html",
        {
            "meetings": meetings[:300],
            "orgs": visible_orgs(request)[:500],
            "org_id": org_id,
            "kind": kind,
            "kinds": MeetingKind.choices,
            "year": year,
            "quarter": quarter,
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 4, -1),
            "can_manage": can_manage(request),
            "breadcrumbs": [("组织生活", None)],
        },
    )


def _data(form: MeetingForm, kind: str | None = None) -> services.MeetingData:
    cd = form.cleaned_data
    held_on: date = cd["held_on"]
    starts_at = None
    if cd.get("start_time"):
        starts_at = timezone.make_aware(datetime.combine(held_on, cd["start_time"]))
    return services.MeetingData(
        kind=kind or cd["kind"],
        title=cd["title"],
        held_on=held_on,
        place=cd.get("place") or "",
        agenda=cd.get("agenda") or "",
        host=cd.get("host") or "",
        starts_at=starts_at,
        committee_size=cd.get("committee_size"),
        committee_present=cd.get("committee_present"),
    )


@capability_required(Cap.ORGLIFE_MANAGE)
@require_http_methods(["GET", "POST"])
def meeting_new(request: AuthedHttpRequest) -> HttpResponse:
    orgs = list(visible_orgs(request)[:500])
    org_id = parse_id(request.POST.get("org") or request.GET.get("org"))
    if org_id is None and len(orgs) == 1:
        org_id = orgs[0].pk
    initial = {"held_on": timezone.localdate(), "kind": request.GET.get("kind", "")}
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if org_id is None:
            form.add_error(None, "请选择党组织")
        else:
            try:
                meeting = services.plan_meeting(
                    actor=request.user, organization_id=org_id, data=_data(form)
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "会议已安排")
                return redirect("orglife:meeting", pk=meeting.pk)
    return render(
        request,
        "orglife/meeting_form.html",
        {
            "form": form,
            "orgs": orgs,
            "org_id": org_id,
            "breadcrumbs": [("组织生活", reverse("orglife:meetings")), ("安排会议", None)],
        },
    )


@capability_required(Cap.ORGLIFE_MANAGE)
@require_http_methods(["GET", "POST"])
def meeting_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    meeting = get_visible_or_404(Meeting, request.user, pk=pk)
    initial: dict[str, object] = {
        "kind": meeting.kind,
        "title": meeting.title,
        "held_on": meeting.held_on,
        "start_time": timezone.localtime(meeting.starts_at).time() if meeting.starts_at else None,
        "place": meeting.place,
        "host": meeting.host,
        "agenda": meeting.agenda,
        "committee_size": meeting.committee_size,
        "committee_present": meeting.committee_present,
    }
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None:
        data["kind"] = meeting.kind
    form = MeetingForm(data, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(
                actor=request.user, meeting_id=meeting.pk, data=_data(form, meeting.kind)
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "会议信息已保存")
            return redirect("orglife:meeting", pk=meeting.pk)
    return render(
        request,
        "orglife/meeting_form.html",
        {
            "form": form,
            "meeting": meeting,
            "breadcrumbs": [
                ("组织生活", reverse("orglife:meetings")),
                (meeting.title, reverse("orglife:meeting", args=[meeting.pk])),
                ("修改", None),
            ],
        },
    )


@dataclass(frozen=True, slots=True)
class AttendanceItem:
    member: Member
    row: Attendance | None
    grade: str
    probationary: bool


def _attendance(request: AuthedHttpRequest, meeting: Meeting) -> list[AttendanceItem]:
    rows = {
        r.member_id: r
        for r in Attendance.objects.visible_to(request.user)
        .filter(meeting=meeting)
        .select_related("member")
    }
    members = {r.member_id: r.member for r in rows.values()}
    if meeting.status == MeetingStatus.PLANNED or meeting.kind not in ROLL_KINDS:
        for m in (
            Member.objects.visible_to(request.user)
            .party_members()
            .filter(organization_id=meeting.organization_id)
        ):
            members.setdefault(m.pk, m)
    grades = dict(meeting.grades.values_list("member_id", "grade"))
    return [
        AttendanceItem(
            member=m,
            row=rows.get(pk),
            grade=grades.get(pk, ""),
            probationary=m.stage == Stage.PROBATIONARY,
        )
        for pk, m in sorted(members.items())
    ]


@capability_required(Cap.ORGLIFE_VIEW)
def meeting_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    meeting = get_visible_or_404(Meeting, request.user, pk=pk)
    attendance = _attendance(request, meeting)
    today = timezone.localdate()
    minutes_due = services.minutes_due_days()
    late_minutes = False
    if meeting.status == MeetingStatus.HELD:
        recorded = meeting.minutes_recorded_at
        last_day = date.fromordinal(meeting.held_on.toordinal() + minutes_due)
        late_minutes = (timezone.localdate(recorded) if recorded else today) > last_day
    votes = [(v, services.resolution_verdict(v)) for v in meeting.votes.all()]
    counts = dict.fromkeys(AttendanceStatus.values, 0)
    for item in attendance:
        if item.row is not None:
            counts[item.row.status] += 1
    return render(
        request,
        "orglife/meeting_detail.html",
        {
            "meeting": meeting,
            "minutes_text": request.session.pop(f"orglife_minutes_{pk}", None) or meeting.minutes,
            "attendance": attendance,
            "counts": counts,
            "quorum": services.quorum_of(meeting),
            "votes": votes,
            "photos": meeting.photos.all(),
            "can_manage": can_manage(request),
            "signin_open": meeting.status != MeetingStatus.CANCELLED and meeting.held_on == today,
            "can_hold": meeting.status == MeetingStatus.PLANNED and meeting.held_on <= today,
            "late_minutes": late_minutes,
            "minutes_due": minutes_due,
            "grade_choices": Grade.choices,
            "statuses": AttendanceStatus.choices,
            "is_evaluation": meeting.kind == MeetingKind.EVALUATION,
            "breadcrumbs": [
                ("组织生活", f"{reverse('orglife:meetings')}?org={meeting.organization_id}"),
                (meeting.title, None),
            ],
        },
    )
