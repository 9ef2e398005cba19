"""Teams and their members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.units.models import Unit

from .. import services
from ..forms import (
    TeamForm,
)
from ..models import (
    Activity,
    Membership,
    Team,
    Volunteer,
)
from .common import visible_regions


def _team_form(request: AuthedHttpRequest, data: QueryDict | None = None) -> TeamForm:
    form = TeamForm(data)
    form.fields["region"].widget.choices = [(r.pk, r.full_name) for r in visible_regions(request)]
    form.fields["unit"].widget.choices = [("", "（不挂靠）")] + [
        (u.pk, u.name) for u in Unit.objects.visible_to(request.user).order_by("path")[:500]
    ]
    return form


@capability_required(Cap.VOLUNTEERS_VIEW)
@require_http_methods(["GET", "POST"])
def team_list(request: AuthedHttpRequest) -> HttpResponse:
    form = _team_form(request, request.POST or None)
    if request.method == "POST":
        need_capability(request, Cap.VOLUNTEERS_MANAGE)
        if form.is_valid():
            data = form.cleaned_data
            try:
                team = services.create_team(
                    actor=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    region_id=data["region"],
                    unit_id=data["unit"],
                    credit_code=data["credit_code"],
                    description=data["description"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已建立 {team.name}")
                return redirect("volunteers:team", pk=team.pk)
        else:
            messages.error(request, "请检查填写的内容：" + form.error_text())
    teams = Team.objects.visible_to(request.user).select_related("region", "unit")
    page = Paginator(teams, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/team_list.html",
        {
            "page": page,
            "form": form,
            "can_manage": has_capability(request.user, Cap.VOLUNTEERS_MANAGE),
            "breadcrumbs": [("志愿服务队伍", None)],
        },
    )


@capability_required(Cap.VOLUNTEERS_VIEW)
def team_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    team = get_visible_or_404(Team, request.user, pk=pk)
    return render(
        request,
        "volunteers/team_detail.html",
        {
            "team": team,
            "members": Membership.objects.filter(team=team, left_at=None)
            .select_related("volunteer")
            .order_by("-role", "joined_at")[:500],
            "activities": Activity.objects.visible_to(request.user).filter(team=team)[:50],
            "managers": team.managers.all(),
            "can_manage": has_capability(request.user, Cap.VOLUNTEERS_MANAGE),
            "breadcrumbs": [("志愿服务队伍", "/volunteers/teams/"), (team.name, None)],
        },
    )


@login_required
@require_POST
def team_add_member(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEERS_MANAGE)
    team = get_visible_or_404(Team, request.user, pk=pk)
    number = request.POST.get("number", "").strip().upper()
    volunteer = Volunteer.objects.visible_to(request.user).filter(number=number).first()
    if volunteer is None:
        messages.error(request, f"找不到编号为 {number} 的志愿者（或不在您的管辖范围内）")
        return redirect("volunteers:team", pk=team.pk)
    try:
        services.add_member(
            actor=request.user,
            team_id=team.pk,
            volunteer_id=volunteer.pk,
            role=request.POST.get("role", "member"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已加入")
    return redirect("volunteers:team", pk=team.pk)


@login_required
@require_POST
def member_remove(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.VOLUNTEERS_MANAGE)
    # Out of scope is 404, like every other address (the service re-checks in its lock).
    visible = Membership.objects.filter(team__in=Team.objects.visible_to(request.user))
    if not visible.filter(pk=pk).exists():
        raise Http404
    try:
        membership = services.remove_member(actor=request.user, membership_id=pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("volunteers:teams")
    messages.success(request, "已移出队伍")
    return redirect("volunteers:team", pk=membership.team_id)
