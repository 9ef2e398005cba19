"""Region pages: browse the tree, create/edit/move, import with dry run, export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response, file_response
from shegong.core.http import HtmxHttpRequest
from shegong.core.importing import ImportUploadForm, UploadInvalid, read_posted_table
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404, signed_in
from shegong.core.staging import StagingError, discard
from shegong.core.tabular import TableError
from shegong.lib.text import parse_id

from . import services
from .filters import RegionFilterSet
from .forms import RegionCreateForm, RegionEditForm
from .models import Region


@capability_required(Cap.REGIONS_VIEW)
def region_list(request: HtmxHttpRequest) -> HttpResponse:
    visible = Region.objects.visible_to(request.user)
    params = request.GET.copy()
    browsing = not any(params.get(k) for k in ("q", "level", "parent", "within"))
    if browsing:
        # Start at the top of the user's jurisdiction.
        top = visible.order_by("depth").values_list("depth", flat=True).first()
        base = visible.filter(depth=top) if top is not None else visible.none()
    else:
        base = visible
    filterset = RegionFilterSet(params, queryset=base.select_related("parent"))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    parent = None
    parent_id = params.get("parent", "")
    if (parent_pk := parse_id(parent_id)) is not None:
        parent = visible.filter(pk=parent_pk).first()
    query = params.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "parent": parent,
        "ancestors": Region.objects.visible_to(request.user).ancestors_of(parent) if parent else [],
        "query": query.urlencode(),
        "can_manage": has_capability(request.user, Cap.REGIONS_MANAGE),
        "can_export": has_capability(request.user, Cap.EXPORT),
        "breadcrumbs": [("行政区划", None)],
    }
    if request.htmx:
        return render(request, "regions/partials/_region_table.html", context)
    return render(request, "regions/region_list.html", context)


@capability_required(Cap.REGIONS_VIEW)
def region_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    region = get_visible_or_404(Region, request.user, pk=pk)
    visible = Region.objects.visible_to(request.user)
    children = visible.filter(parent=region)
    return render(
        request,
        "regions/region_detail.html",
        {
            "region": region,
            "ancestors": visible.ancestors_of(region),
            "children": children[:200],
            "children_count": children.count(),
            "descendants_count": visible.descendants_of(region, include_self=False).count(),
            "can_manage": has_capability(request.user, Cap.REGIONS_MANAGE),
            "edit_form": RegionEditForm(
                initial={
                    "name": region.name,
                    "population": region.population,
                    "is_active": region.is_active,
                }
            ),
            "create_form": RegionCreateForm(initial={"level": min(region.level + 1, 5)}),
            "breadcrumbs": [("行政区划", "/regions/"), (region.name, None)],
        },
    )


@login_required
@require_http_methods(["POST"])
def region_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.REGIONS_MANAGE)
    region = get_visible_or_404(Region, request.user, pk=pk)
    form = RegionEditForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "请检查填写的内容："
            + "；".join(f"{form.fields[f].label}{e[0]}" for f, e in form.errors.items()),
        )
        return redirect("regions:detail", pk=region.pk)
    try:
        services.update_region(
            actor=signed_in(request.user), region_id=region.pk, **form.cleaned_data
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存")
    return redirect("regions:detail", pk=region.pk)


@login_required
@require_http_methods(["POST"])
def region_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Create a child of region ``pk``."""
    need_capability(request, Cap.REGIONS_MANAGE)
    parent = get_visible_or_404(Region, request.user, pk=pk)
    form = RegionCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请检查填写的内容")
        return redirect("regions:detail", pk=parent.pk)
    try:
        child = services.create_region(
            actor=signed_in(request.user), parent_id=parent.pk, **form.cleaned_data
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("regions:detail", pk=parent.pk)
    messages.success(request, f"已新建 {child.name}")
    return redirect("regions:detail", pk=child.pk)


@login_required
@require_http_methods(["POST"])
def region_move(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.REGIONS_MANAGE)
    region = get_visible_or_404(Region, request.user, pk=pk)
    code = request.POST.get("new_parent_code", "").strip()
    target = Region.objects.visible_to(request.user).filter(code=code).first()
    if target is None:
        messages.error(request, f"找不到区划代码为 {code} 的上级区划（或不在您的管辖范围内）")
        return redirect("regions:detail", pk=region.pk)
    try:
        services.move_region(
            actor=signed_in(request.user), region_id=region.pk, new_parent_id=target.pk
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已调整到 {target.full_name} 之下")
    return redirect("regions:detail", pk=region.pk)


@capability_required(Cap.EXPORT)
def region_export(request: HtmxHttpRequest) -> HttpResponse:
    filterset = RegionFilterSet(request.GET, queryset=Region.objects.visible_to(request.user))
    queryset = filterset.qs
    count = queryset.count()
    return export_response(
        request,
        what="regions.region",
        count=count,
        basename="行政区划",
        headers=services.IMPORT_COLUMNS,
        rows=services.export_rows(queryset),
    )


@capability_required(Cap.REGIONS_MANAGE)
def region_import_template(request: HtmxHttpRequest) -> HttpResponse:
    example = services.template_example(actor=signed_in(request.user))
    return file_response("行政区划导入模板", services.IMPORT_COLUMNS, example, "xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def region_import(request: HtmxHttpRequest) -> HttpResponse:
    """Step 1: upload → dry run report. Step 2: confirm → commit the same file."""
    need_capability(request, Cap.REGIONS_MANAGE)
    context: dict[str, Any] = {
        "form": ImportUploadForm(),
        "breadcrumbs": [("行政区划", "/regions/"), ("批量导入", None)],
    }
    if request.method == "POST":
        try:
            posted = read_posted_table(request, services.IMPORT_SPEC)
            report = services.import_regions(
                actor=signed_in(request.user), rows=posted.table.rows, commit=posted.commit
            )
        except UploadInvalid as exc:
            context["form"] = exc.form
            return render(request, "regions/region_import.html", context, status=422)
        except (StagingError, TableError) as exc:
            context["file_error"] = exc.message
            return render(request, "regions/region_import.html", context, status=422)
        token, filename, table = posted.token, posted.filename, posted.table
        if report.committed:
            discard(request.user, token)
            messages.success(
                request,
                f"导入完成：新建 {report.created} 个，更新 {report.updated} 个，"
                f"未变化 {report.unchanged} 个",
            )
            return redirect("regions:list")
        context.update(
            {"report": report, "token": token, "filename": filename, "warnings": table.warnings}
        )
    return render(request, "regions/region_import.html", context)
