"""The report archive page, on-demand generation, downloads and the appeals export of a
report period. Every row through ``visible_to`` / ``get_visible_or_404``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.exporting import streamed_xlsx_response
from shegong.core.pagination import paginate_capped
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.regions.models import Region

from . import exports, ondemand, services
from .choices import FileFormat, ReportKind, ReportStatus
from .models import Report
from .periods import last_closed, period_from_key


def _regions(request: AuthedHttpRequest) -> list[Region]:
    return list(
        Region.objects.visible_to(request.user)
        .filter(level__in=services.REPORT_LEVELS, is_active=True)
        .order_by("level", "code")
    )


def _archive(
    request: AuthedHttpRequest, *, form: dict[str, str], errors: list[str], status: int = 200
) -> HttpResponse:
    reports = Report.objects.visible_to(request.user).select_related("region", "generated_by")
    kind = request.GET.get("kind", "")
    if kind in ReportKind.values:
        reports = reports.filter(kind=kind)
    page = paginate_capped(request, reports, 30)
    query = "&".join(f"{k}={v}" for k, v in (("kind", kind),) if v)
    can_manage = has_capability(request.user, Cap.REPORTS_MANAGE)
    return render(
        request,
        "reports/archive.html",
        {
            "page": page,
            "query": query,
            "kind": kind,
            "kinds": ReportKind.choices,
            "formats": FileFormat.choices,
            "ready": ReportStatus.READY,
            "can_manage": can_manage,
            "can_export": has_capability(request.user, Cap.EXPORT)
            and has_capability(request.user, Cap.APPEALS_VIEW),
            "monthly": ReportKind.MONTHLY_APPEALS,
            "regions": _regions(request) if can_manage else [],
            "form": form,
            "errors": errors,
            "examples": {
                ReportKind.MONTHLY_APPEALS: last_closed(ReportKind.MONTHLY_APPEALS).key,
                ReportKind.QUARTERLY_COVERAGE: last_closed(ReportKind.QUARTERLY_COVERAGE).key,
            },
            "breadcrumbs": [("统计报告", None)],
        },
        status=status,
    )


@capability_required(Cap.REPORTS_VIEW)
def archive(request: AuthedHttpRequest) -> HttpResponse:
    """The reports of the user's jurisdiction (docs/reports.md, "Who sees a report")."""
    return _archive(request, form={}, errors=[])


@capability_required(Cap.REPORTS_MANAGE)
@require_POST
def generate(request: AuthedHttpRequest) -> HttpResponse:
    form = {k: request.POST.get(k, "") for k in ("kind", "period", "region")}
    try:
        report = ondemand.request_report(
            actor=request.user, kind=form["kind"], period=form["period"], region_id=form["region"]
        )
    except DomainError as exc:
        return _archive(request, form=form, errors=[exc.message], status=422)
    messages.success(
        request, f"已提交生成：{report.region.name}{report.get_kind_display()} {report.period}"
    )
    return redirect("reports:archive")


@login_required
def download(request: AuthedHttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    need_capability(request, Cap.REPORTS_VIEW)
    if fmt not in FileFormat.values:
        raise Http404("文件格式不正确")
    try:
        _report, path, name = services.open_download(actor=request.user, report_id=pk, fmt=fmt)
    except DomainError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=services.CONTENT_TYPES[FileFormat(fmt)],
    )
    return response


@login_required
def appeals_export(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    """The appeals of a monthly report's month and region that the user may see (XLSX)."""
    need_capability(request, Cap.REPORTS_VIEW)
    report = get_visible_or_404(Report, request.user, pk=pk)
    need_capability(request, Cap.APPEALS_VIEW)
    need_capability(request, Cap.EXPORT)
    if report.kind != ReportKind.MONTHLY_APPEALS:
        raise Http404("只有接诉即办月度报告有诉求明细")
    period = period_from_key(report.kind, report.period)
    queryset = exports.selection(request.user, report.region, period)
    return streamed_xlsx_response(
        request,
        what="appeals.appeal",
        count=queryset.count(),
        basename=f"{report.region.name}诉求明细-{report.period}",
        headers=exports.HEADERS,
        rows=exports.rows(queryset),
        filters={"报告": report.pk, "报告期": report.period, "区划": report.region.code},
    )
