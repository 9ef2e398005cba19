"""Unit pages: list, detail (contacts masked), create/edit, export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response, file_response
from shegong.core.http import HtmxHttpRequest
from shegong.core.importing import ImportUploadForm, UploadInvalid, read_posted_table
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404, signed_in
from shegong.core.staging import StagingError, discard
from shegong.core.tabular import SAMPLE_NOTE, TableError
from shegong.regions.models import Region

from . import services
from .filters import UnitFilterSet
from .forms import UnitForm
from .models import Unit


@capability_required(Cap.UNITS_VIEW)
def unit_list(request: HtmxHttpRequest) -> HttpResponse:
    filterset = UnitFilterSet(
        request.GET,
        queryset=Unit.objects.visible_to(request.user).select_related("region", "parent"),
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "can_manage": has_capability(request.user, Cap.UNITS_MANAGE),
        "can_export": has_capability(request.user, Cap.EXPORT),
        "can_reveal": has_capability(request.user, Cap.PII_REVEAL),
        "breadcrumbs": [("单位", None)],
    }
    if request.htmx:
        return render(request, "units/partials/_unit_table.html", context)
    return render(request, "units/unit_list.html", context)


@capability_required(Cap.UNITS_VIEW)
def unit_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    unit = get_visible_or_404(Unit, request.user, pk=pk)
    visible = Unit.objects.visible_to(request.user)
    superior, superior_inferred = unit.administrative_superior()
    return render(
        request,
        "units/unit_detail.html",
        {
            "unit": unit,
            "children": visible.filter(parent=unit)[:200],
            "ancestors": visible.ancestors_of(unit),
            "superior": superior,
            "superior_inferred": superior_inferred,
            "can_manage": has_capability(request.user, Cap.UNITS_MANAGE),
            "breadcrumbs": [("单位", reverse("units:list")), (unit.name, None)],
        },
    )


def _resolve_codes(request: HtmxHttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    region = Region.objects.visible_to(request.user).filter(code=data.pop("region_code")).first()
    if region is None:
        raise DomainError("所属区划代码不存在或不在您的管辖范围内")
    data["region_id"] = region.pk
    parent_code = data.pop("parent_code", "")
    if parent_code:
        parent = Unit.objects.visible_to(request.user).filter(code=parent_code).first()
        if parent is None:
            raise DomainError("上级单位编码不存在或不在您的管辖范围内")
        data["parent_id"] = parent.pk
    # The 上级行政机关 may lie outside the actor's scope only in a region containing the
    # unit's (a district's units answer to the city government); the service checks that,
    # that it is active and makes no cycle — unknown and not allowed give one error.
    data["superior_body_id"] = services.superior_id_for_code(data.pop("superior_code", ""))
    return data


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HtmxHttpRequest) -> HttpResponse:
    need_capability(request, Cap.UNITS_MANAGE)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = _resolve_codes(request, dict(form.cleaned_data))
            unit = services.create_unit(actor=signed_in(request.user), **data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已新建单位 {unit.name}")
            return redirect("units:detail", pk=unit.pk)
    return render(
        request,
        "units/unit_form.html",
        {"form": form, "breadcrumbs": [("单位", reverse("units:list")), ("新建", None)]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.UNITS_MANAGE)
    unit = get_visible_or_404(Unit, request.user, pk=pk)
    initial = {
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "region_code": unit.region.code,
        "parent_code": unit.parent.code if unit.parent is not None else "",
        "superior_code": unit.superior_body.code if unit.superior_body is not None else "",
        "credit_code": unit.credit_code,
        "is_handling_unit": unit.is_handling_unit,
        "contact_person": unit.contact_person,
        "office_phone": unit.office_phone,
        "address": unit.address,
    }
    form = UnitForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True
    form.fields["parent_code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            data = _resolve_codes(request, dict(form.cleaned_data))
            data.pop("code", None)
            data.pop("parent_id", None)
            services.update_unit(actor=signed_in(request.user), unit_id=unit.pk, **data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("units:detail", pk=unit.pk)
    return render(
        request,
        "units/unit_form.html",
        {
            "form": form,
            "unit": unit,
            "breadcrumbs": [
                ("单位", reverse("units:list")),
                (unit.name, reverse("units:detail", args=[unit.pk])),
                ("修改", None),
            ],
        },
    )


@capability_required(Cap.EXPORT)
def unit_export(request: HtmxHttpRequest) -> HttpResponse:
    need_capability(request, Cap.UNITS_VIEW)  # who may not see the list may not export it either
    need_capability(request, Cap.EXPORT)
    unmasked = request.GET.get("unmasked") == "1"
    if unmasked and not has_capability(request.user, Cap.PII_REVEAL):
        raise PermissionDenied
    filterset = UnitFilterSet(request.GET, queryset=Unit.objects.visible_to(request.user))
    queryset = filterset.qs
    return export_response(
        request,
        what="units.unit",
        count=queryset.count(),
        basename="单位",
        headers=services.EXPORT_COLUMNS,
        rows=services.export_rows(queryset, unmasked=unmasked),
        unmasked=unmasked,
    )


IMPORT_EXAMPLE = [
    [
        "U-EXAMPLE",
        "示例市人力资源和社会保障局",
        "市人社局",
        "职能部门",
        "",
        "",
        "",
        "",
        "是",
        "张三",
        "13800000000",
        "0571-80000000",
        "人民路1号",
        SAMPLE_NOTE,
    ]
]


@capability_required(Cap.UNITS_MANAGE)
def unit_import_template(request: HtmxHttpRequest) -> HttpResponse:
    example = [list(row) for row in IMPORT_EXAMPLE]
    region = Region.objects.visible_to(request.user).order_by("depth", "code").first()
    example[0][services.TEMPLATE_COLUMNS.index("所属区划代码")] = region.code if region else ""
    return file_response("单位导入模板", services.TEMPLATE_COLUMNS, example, "xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def unit_import(request: HtmxHttpRequest) -> HttpResponse:
    """Step 1: upload → dry run report. Step 2: confirm → commit the same file."""
    need_capability(request, Cap.UNITS_MANAGE)
    context: dict[str, Any] = {
        "form": ImportUploadForm(),
        "breadcrumbs": [("单位", reverse("units:list")), ("批量导入", None)],
    }
    if request.method == "POST":
        try:
            posted = read_posted_table(request, services.IMPORT_SPEC)
            report = services.import_units(
                actor=signed_in(request.user), rows=posted.table.rows, commit=posted.commit
            )
        except UploadInvalid as exc:
            context["form"] = exc.form
            return render(request, "units/unit_import.html", context, status=422)
        except (StagingError, TableError) as exc:
            context["file_error"] = exc.message
            return render(request, "units/unit_import.html", context, status=422)
        token, filename, table = posted.token, posted.filename, posted.table
        if report.committed:
            discard(request.user, token)
            messages.success(
                request,
                f"导入完成：新建 {report.created} 个，更新 {report.updated} 个，"
                f"未变化 {report.unchanged} 个",
            )
            return redirect("units:list")
        context.update(
            {
                "report": report,
                "token": token,
                "filename": filename,
                "warnings": [*table.warnings, *report.notes],
            }
        )
    return render(request, "units/unit_import.html", context)
