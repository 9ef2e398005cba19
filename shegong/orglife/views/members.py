"""A member's 组织生活: meetings attended (and missed) and the work assigned to them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.members.models import Member

from .. import services
from ..choices import AttendanceStatus, MeetingStatus
from ..forms import AssignmentForm
from ..models import Attendance, WorkAssignment
from .common import can_manage


@capability_required(Cap.ORGLIFE_VIEW)
@require_http_methods(["GET", "POST"])
def member_history(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    member = get_visible_or_404(Member, request.user, pk=pk)
    form = AssignmentForm(request.POST or None)
    if request.method == "POST":
        if not can_manage(request):
            raise Http404
        if form.is_valid():
            try:
                services.create_assignment(
                    actor=request.user,
                    member_id=member.pk,
                    title=form.cleaned_data["title"],
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data.get("ends_on"),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已分配工作")
                return redirect("orglife:member", pk=member.pk)
    rows = (
        Attendance.objects.visible_to(request.user)
        .filter(member=member, meeting__status=MeetingStatus.HELD)
        .select_related("meeting")
        .order_by("-meeting__held_on")[:200]
    )
    present = sum(1 for r in rows if r.status == AttendanceStatus.PRESENT)
    return render(
        request,
        "orglife/member_history.html",
        {
            "member": member,
            "rows": rows,
            "present": present,
            "assignments": WorkAssignment.objects.visible_to(request.user)
            .filter(member=member)
            .order_by("-starts_on"),
            "form": form,
            "can_manage": can_manage(request),
            "breadcrumbs": [
                ("组织生活", f"{reverse('orglife:meetings')}?org={member.organization_id}"),
                (f"{member.name}的组织生活", None),
            ],
        },
    )


@capability_required(Cap.ORGLIFE_MANAGE)
@require_http_methods(["GET", "POST"])
def assignment_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    row = get_visible_or_404(WorkAssignment, request.user, pk=pk)
    form = AssignmentForm(
        request.POST or None,
        initial={"title": row.title, "starts_on": row.starts_on, "ends_on": row.ends_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_assignment(
                actor=request.user,
                assignment_id=row.pk,
                title=form.cleaned_data["title"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data.get("ends_on"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("orglife:member", pk=row.member_id)
    return render(
        request,
        "orglife/assignment_form.html",
        {
            "form": form,
            "row": row,
            "breadcrumbs": [
                ("组织生活", reverse("orglife:meetings")),
                ("党员组织生活", reverse("orglife:member", args=[row.member_id])),
                ("修改工作分配", None),
            ],
        },
    )


@capability_required(Cap.ORGLIFE_MANAGE)
@require_POST
def assignment_delete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    try:
        member_id = services.delete_assignment(actor=request.user, assignment_id=pk)
    except DomainError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        raise
    messages.success(request, "已删除")
    return redirect("orglife:member", pk=member_id)
