"""Gap tasks: the list, export, the rules run, one finding, 交办 and 办结."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap, Role
from shegong.core.scoping import get_visible_or_404
from shegong.lib.text import parse_id
from shegong.regions.models import Region
from shegong.units.models import Unit

from .. import forms
from ..filters import FindingFilterSet
from ..models import (
    Finding,
)
from ..services import findings as finding_services
from ..services.rules_run import request_rules_run
from .common import (
    BASE_CRUMB,
    form_error,
    query_string,
)


@capability_required(Cap.ORGS_VIEW)
def finding_list(request: AuthedHttpRequest) -> HttpResponse:
    params = request.GET.copy()
    if "status" not in params:
        params["status"] = "active"
    filterset = FindingFilterSet(
        params,
        queryset=Finding.objects.visible_to(request.user).select_related(
            "street", "assignee", "assignee_unit"
        ),
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    street = None
    street_id = request.GET.get("street", "")
    if (street_pk := parse_id(street_id)) is not None:
        street = Region.objects.visible_to(request.user).filter(pk=street_pk).first()
    context = {
        "filter": filterset,
        "page": page,
        "query": params.urlencode() if "page" not in params else query_string(request),
        "street": street,
        "status": params["status"],
        "can_run": has_capability(request.user, Cap.ORGS_TASKS),
        "can_export": has_capability(request.user, Cap.EXPORT),
        "breadcrumbs": [BASE_CRUMB, ("覆盖问题", None)],
    }
    if request.htmx:
        return render(request, "organizations/partials/_finding_table.html", context)
    return render(request, "organizations/finding_list.html", context)


FINDING_EXPORT_HEADERS = [
    "编号",
    "规则",
    "对象",
    "街道/乡镇",
    "依据事实",
    "依据",
    "责任主体",
    "状态",
    "承办人",
    "承办单位",
    "完成时限",
    "发现时间",
    "关闭时间",
    "办结说明",
]


@capability_required(Cap.ORGS_VIEW, Cap.EXPORT)
def finding_export(request: AuthedHttpRequest) -> HttpResponse:
    filterset = FindingFilterSet(request.GET, queryset=Finding.objects.visible_to(request.user))
    queryset = filterset.qs.select_related("street", "assignee", "assignee_unit")
    rows = (
        [
            f.pk,
            f.get_rule_display(),
            f.subject_name,
            f.street.name if f.street_id else "",
            f.evidence,
            f.legal_basis,
            f.responsible_level,
            f.get_status_display(),
            str(f.assignee) if f.assignee_id else "",
            f.assignee_unit.name if f.assignee_unit_id else "",
            f.due_on or "",
            timezone.localtime(f.opened_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(f.closed_at).strftime("%Y-%m-%d %H:%M") if f.closed_at else "",
            f.close_note,
        ]
        for f in queryset.iterator(chunk_size=2000)
    )
    return export_response(
        request,
        what="organizations.finding",
        count=queryset.count(),
        basename="覆盖问题",
        headers=FINDING_EXPORT_HEADERS,
        rows=rows,
    )


@login_required
@require_POST
def finding_run(request: AuthedHttpRequest) -> HttpResponse:
    need_capability(request, Cap.ORGS_TASKS)
    result = request_rules_run(actor=request.user)
    if result is None:
        messages.success(
            request, "已提交全市覆盖规则检查，正在后台运行，约一两分钟后刷新本页查看结果"
        )
    else:
        messages.success(
            request,
            f"规则检查完成：新发现 {result.opened} 个，仍存在 {result.refreshed} 个，"
            f"自动消除 {result.auto_resolved} 个",
        )
    return redirect("organizations:findings")


@capability_required(Cap.ORGS_VIEW)
def finding_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    finding = get_visible_or_404(Finding, request.user, pk=pk)
    user: Any = request.user
    candidates: list[Any] = [user]
    if user.has_capability(Cap.ACCOUNTS_VIEW):
        candidates += list(
            User.objects.visible_to(user)
            .filter(
                is_active=True,
                role__in=[Role.STREET_STAFF, Role.BRANCH_SECRETARY, Role.DEPT_ADMIN],
            )
            .exclude(pk=user.pk)
            .order_by("username")[:200]
        )
    units = (
        Unit.objects.visible_to(user).filter(is_active=True).order_by("code")[:200]
        if user.has_capability(Cap.UNITS_VIEW)
        else []
    )
    context = {
        "finding": finding,
        "candidates": candidates,
        "units": units,
        "can_act": has_capability(request.user, Cap.ORGS_TASKS) and finding.is_open,
        "breadcrumbs": [
            BASE_CRUMB,
            ("覆盖问题", "/organizations/findings/"),
            (f"#{finding.pk}", None),
        ],
    }
    return render(request, "organizations/finding_detail.html", context)


@login_required
@require_POST
def finding_assign(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.ORGS_TASKS)
    finding = get_visible_or_404(Finding, request.user, pk=pk)
    form = forms.AssignForm(request.POST)
    if not form.is_valid():
        form_error(request, form)
        return redirect("organizations:finding", pk=finding.pk)
    try:
        finding_services.assign_finding(
            actor=request.user,
            finding_id=finding.pk,
            assignee_id=form.cleaned_data["assignee"],
            unit_id=form.cleaned_data["unit"],
            due_on=form.cleaned_data["due_on"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已交办")
    return redirect("organizations:finding", pk=finding.pk)


@login_required
@require_POST
def finding_close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.ORGS_TASKS)
    finding = get_visible_or_404(Finding, request.user, pk=pk)
    try:
        finding_services.close_finding(
            actor=request.user, finding_id=finding.pk, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已办结")
    return redirect("organizations:finding", pk=finding.pk)
