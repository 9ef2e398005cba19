"""Staff pages of 双报到 (list with yearly progress, registration, the report back to the
branch and the unit), the figures page with its XLSX, and the policy."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.pii import blind_index
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.text import parse_id
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization
from shegong.regions.models import Region
from shegong.volunteers.models import Volunteer

from .. import figures, services
from ..choices import ReportKind
from ..forms import MemberReportForm, OrgReportForm, PolicyForm
from ..models import DualReport, ServingPolicy
from ..services.common import POLICY_FIELDS


def _year(request: AuthedHttpRequest) -> int:
    year = parse_id(request.GET.get("year", ""))
    today = timezone.localdate()
    return year if year is not None and 2000 <= year <= today.year + 1 else today.year


@capability_required(Cap.SERVING_VIEW)
def report_list(request: AuthedHttpRequest) -> HttpResponse:
    year = _year(request)
    qs = (
        DualReport.objects.visible_to(request.user)
        .select_related("community", "organization", "home_unit", "volunteer")
        .order_by("-reported_on", "-pk")
    )
    if kind := request.GET.get("kind"):
        qs = qs.filter(kind=kind)
    page = paginate_capped(request, qs, 30)
    rows = services.progress(list(page), year)
    return render(
        request,
        "serving/report_list.html",
        {
            "page": page,
            "rows": rows,
            "year": year,
            "can_manage": has_capability(request.user, Cap.SERVING_MANAGE),
            "breadcrumbs": [("双报到", None)],
        },
    )


@capability_required(Cap.SERVING_MANAGE)
@require_http_methods(["GET", "POST"])
def report_new(request: AuthedHttpRequest) -> HttpResponse:
    """Register a member's (``?kind=member``) or a unit organization's 双报到."""
    user = request.user
    kind = request.GET.get("kind") or request.POST.get("kind") or ReportKind.MEMBER
    communities = Region.objects.visible_to(user)
    form: MemberReportForm | OrgReportForm
    if kind == ReportKind.ORGANIZATION:
        form = OrgReportForm(
            request.POST or None,
            communities=communities,
            organizations=PartyOrganization.objects.visible_to(user).order_by("path"),
        )
    else:
        kind = ReportKind.MEMBER
        form = MemberReportForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            home_unit = data.get("home_unit")
            if isinstance(form, OrgReportForm):
                services.report_organization(
                    actor=user,
                    organization_id=data["organization"].pk,
                    community_id=data["community"].pk,
                    home_unit_id=home_unit.pk if home_unit else None,
                    reason=data["reason"],
                    skills_note=data.get("skills_note") or "",
                )
            else:
                volunteer = (
                    Volunteer.objects.visible_to(user)
                    .filter(number=data["volunteer_number"].strip())
                    .first()
                )
                if volunteer is None:
                    raise DomainError("志愿者编号不存在或不在您的管辖范围内")
                member_id = None
                id_number = (data.get("member_id_number") or "").strip().upper()
                if id_number:
                    member = (
                        Member.objects.visible_to(user)
                        .filter(id_number_bidx=blind_index("id_number", id_number))
                        .first()
                    )
                    if member is None:
                        raise DomainError("未找到该身份证号的党员档案（或不在您的管辖范围内）")
                    member_id = member.pk
                services.report_member(
                    actor=user,
                    volunteer_id=volunteer.pk,
                    community_id=data["community"].pk,
                    member_id=member_id,
                    home_unit_id=home_unit.pk if home_unit else None,
                    unit_name=data.get("unit_name") or "",
                    reason=data["reason"],
                    skills_note=data.get("skills_note") or "",
                )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "双报到已登记")
            return redirect("serving:reports")
    return render(
        request,
        "serving/report_form.html",
        {
            "form": form,
            "kind": kind,
            "breadcrumbs": [("双报到", reverse("serving:reports")), ("登记报到", None)],
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def report_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.SERVING_MANAGE)
    report = get_visible_or_404(DualReport, request.user, pk=pk)
    try:
        services.end_report(actor=request.user, report_id=report.pk)
        messages.success(request, "已结束报到")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("serving:reports")


@capability_required(Cap.SERVING_VIEW)
def report_back(request: AuthedHttpRequest) -> HttpResponse:
    """The 双报到 report back: each member's year by their own branch and by their unit."""
    year = _year(request)
    reports = list(
        DualReport.objects.visible_to(request.user)
        .active()
        .filter(kind=ReportKind.MEMBER)
        .select_related("community", "organization", "volunteer", "home_unit")
        .order_by("organization__name", "unit_name", "pk")[:2000]
    )
    rows = services.progress(reports, year)
    by_branch: dict[str, list[services.reports.Progress]] = defaultdict(list)
    by_unit: dict[str, list[services.reports.Progress]] = defaultdict(list)
    for row in rows:
        branch = row.report.organization.name if row.report.organization else "未关联党员档案"
        by_branch[branch].append(row)
        by_unit[row.report.unit_name or "未登记单位"].append(row)
    headers = [
        "所在党组织",
        "工作单位",
        "志愿者编号",
        "报到社区",
        "服务次数",
        "服务时长",
        "年度要求",
        "是否达到",
    ]
    table = [
        [
            r.report.organization.name if r.report.organization else "",
            r.report.unit_name,
            r.report.volunteer.number if r.report.volunteer else "",
            r.report.community.name,
            r.services,
            str(r.hours),
            f"{r.expected_services}次/{r.expected_hours}小时",
            "是" if r.met else "否",
        ]
        for r in rows
    ]
    if request.GET.get("export"):
        need_capability(request, Cap.EXPORT)
        return export_response(
            request,
            what="双报到年度报告",
            count=len(table),
            basename=f"双报到年度报告-{year}",
            headers=headers,
            rows=table,
        )
    return render(
        request,
        "serving/report_back.html",
        {
            "year": year,
            "by_branch": sorted(by_branch.items()),
            "by_unit": sorted(by_unit.items()),
            "can_export": has_capability(request.user, Cap.EXPORT),
            "breadcrumbs": [("双报到", reverse("serving:reports")), ("年度报告", None)],
        },
    )


@capability_required(Cap.SERVING_VIEW)
def figures_page(request: AuthedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    start = _parse(request.GET.get("start")) or datetime.date(today.year, 1, 1)
    end = _parse(request.GET.get("end")) or today
    region = parse_id(request.GET.get("region", ""))
    try:
        figures.check_period(start, end)
    except DomainError as exc:
        return render(
            request,
            "serving/figures.html",
            {"error": exc.message, "start": start, "end": end, "breadcrumbs": [("服务统计", None)]},
            status=422,
        )
    data = figures.compute(request.user, start, end, region)
    if request.GET.get("export"):
        need_capability(request, Cap.EXPORT)
        rows: list[list[object]] = [
            ["需求总数", "", data.total],
            ["已确认完成", "", data.met],
            ["已有人认领", "", data.matched],
            ["平均认领用时（小时）", "", data.avg_match_hours or ""],
        ]
        rows += [["按类型", label, f"{met}/{n}"] for _k, label, n, met in data.by_kind]
        rows += [["服务时长（按报到单位）", n, str(h)] for n, h in data.hours_by_unit]
        rows += [["服务时长（按党组织）", n, str(h)] for n, h in data.hours_by_branch]
        rows += [["未完成需求（按社区）", n, c] for _i, n, c in data.unmet_by_community]
        return export_response(
            request,
            what="双报到与志愿服务统计",
            count=len(rows),
            basename="双报到服务统计",
            headers=["指标", "分组", "数值"],
            rows=rows,
        )
    total_hours = sum((h for _n, h in data.hours_by_unit), start=Decimal(0))
    return render(
        request,
        "serving/figures.html",
        {
            "data": data,
            "start": start,
            "end": end,
            "total_hours": total_hours,
            "rate": round(100 * data.met / data.total, 1) if data.total else None,
            "list_url": figures.list_url(start, end, region=region),
            "met_url": figures.list_url(start, end, region=region, status="confirmed"),
            "can_export": has_capability(request.user, Cap.EXPORT),
            "breadcrumbs": [("服务统计", None)],
        },
    )


def _parse(value: str | None) -> datetime.date | None:
    """A typed date, or None when it is not one or lies outside 1900–2999 (the calendar's
    ends overflow as a period's bounds)."""
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2999 else None


@capability_required(Cap.SERVING_POLICY)
@require_http_methods(["GET", "POST"])
def policy(request: AuthedHttpRequest) -> HttpResponse:
    current = services.get_policy()
    form = PolicyForm(
        request.POST or None,
        instance=ServingPolicy(**{f: getattr(current, f) for f in POLICY_FIELDS}),
    )
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            services.update_policy(actor=request.user, values=values)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "规则已保存")
            return redirect("serving:policy")
    return render(
        request,
        "serving/policy.html",
        {"form": form, "breadcrumbs": [("服务规则", None)]},
        status=422 if request.method == "POST" else 200,
    )
