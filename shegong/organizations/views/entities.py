"""The 两新 registry pages: list, export, import with dry run, one entity and its coverage."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.exporting import export_response, file_response
from shegong.core.importing import ImportUploadForm, UploadInvalid, read_posted_table
from shegong.core.permissions import capability_required, has_capability, need_capability
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.core.staging import StagingError, discard, load
from shegong.core.tabular import TableError, read_table
from shegong.lib.text import parse_id
from shegong.regions.models import Region

from .. import forms
from ..choices import (
    CoverageMode,
    EntityKind,
    Industry,
    WorkerGroup,
)
from ..filters import EntityFilterSet
from ..models import (
    Entity,
    Finding,
    Instructor,
    PartyOrganization,
    PlatformWorkforce,
)
from ..services import entities as entity_services
from ..services import imports as import_services
from .common import (
    BASE_CRUMB,
    form_error,
    query_string,
)


@capability_required(Cap.ORGS_VIEW)
def entity_list(request: AuthedHttpRequest) -> HttpResponse:
    filterset = EntityFilterSet(
        request.GET,
        queryset=Entity.objects.visible_to(request.user).select_related(
            "region", "street", "organization"
        ),
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    street = None
    if (street_pk := parse_id(request.GET.get("street"))) is not None:
        street = Region.objects.visible_to(request.user).filter(pk=street_pk).first()
    context = {
        "filter": filterset,
        "page": page,
        "query": query_string(request),
        "street": street,
        "can_import": has_capability(request.user, Cap.ORGS_IMPORT),
        "can_export": has_capability(request.user, Cap.EXPORT),
        "breadcrumbs": [BASE_CRUMB, ("两新组织", None)],
    }
    if request.htmx:
        return render(request, "organizations/partials/_entity_table.html", context)
    return render(request, "organizations/entity_list.html", context)


@capability_required(Cap.ORGS_VIEW, Cap.EXPORT)
def entity_export(request: AuthedHttpRequest) -> HttpResponse:
    filterset = EntityFilterSet(request.GET, queryset=Entity.objects.visible_to(request.user))
    queryset = filterset.qs
    return export_response(
        request,
        what="organizations.entity",
        count=queryset.count(),
        basename="两新组织",
        headers=import_services.IMPORT_COLUMNS,
        rows=import_services.export_rows(queryset),
    )


@capability_required(Cap.ORGS_IMPORT)
def entity_import_template(request: AuthedHttpRequest) -> HttpResponse:
    return file_response(
        "两新组织导入模板",
        import_services.TEMPLATE_COLUMNS,
        import_services.template_example(actor=request.user),
        request.GET.get("format", "xlsx"),
    )


@capability_required(Cap.ORGS_IMPORT)
def entity_import_errors(request: AuthedHttpRequest) -> HttpResponse:
    """下载全部错误（XLSX）: every bad row of the staged dry run, not only the first 1,000.
    The staged file lives in the uploader's own directory, so another account's token is
    simply not found (404); the dry run is scoped like the import itself."""
    try:
        data, filename = load(request.user, request.GET.get("token", ""))
        table = read_table(io.BytesIO(data), filename, columns=import_services.IMPORT_SPEC)
    except (StagingError, TableError) as exc:
        raise Http404 from exc
    rows = import_services.import_error_rows(actor=request.user, rows=table.rows)
    return file_response("两新组织导入错误", import_services.ERROR_COLUMNS, rows, "xlsx")


@capability_required(Cap.ORGS_IMPORT)
@require_http_methods(["GET", "POST"])
def entity_import(request: AuthedHttpRequest) -> HttpResponse:
    """Step 1: upload → dry run report. Step 2: confirm → commit the very same file."""
    context: dict[str, Any] = {
        "form": ImportUploadForm(),
        "columns": import_services.IMPORT_COLUMNS,
        "required": import_services.REQUIRED_COLUMNS,
        "breadcrumbs": [BASE_CRUMB, ("两新组织", "/organizations/entities/"), ("批量导入", None)],
    }
    if request.method == "POST":
        try:
            posted = read_posted_table(request, import_services.IMPORT_SPEC)
            report = import_services.import_entities(
                actor=request.user, rows=posted.table.rows, commit=posted.commit
            )
        except UploadInvalid as exc:
            context["form"] = exc.form
            return render(request, "organizations/entity_import.html", context, status=422)
        except (StagingError, TableError) as exc:
            context["file_error"] = exc.message
            return render(request, "organizations/entity_import.html", context, status=422)
        token, filename, table = posted.token, posted.filename, posted.table
        if report.committed:
            discard(request.user, token)
            messages.success(
                request,
                f"导入完成：新建 {report.created} 个，更新 {report.updated} 个，"
                f"未变化 {report.unchanged} 个。覆盖规则已重新检查。",
            )
            return redirect("organizations:coverage")
        context.update(
            {
                "report": report,
                "token": token,
                "filename": filename,
                "errors": report.errors[:1000],
                "warnings": [*table.warnings, *report.notes],
            }
        )
    return render(request, "organizations/entity_import.html", context)


@capability_required(Cap.ORGS_VIEW)
def entity_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    entity = get_visible_or_404(Entity, request.user, pk=pk)
    context = {
        "entity": entity,
        "instructors": Instructor.objects.visible_to(request.user).filter(entity=entity),
        "workforce": PlatformWorkforce.objects.visible_to(request.user)
        .filter(platform=entity)
        .select_related("region"),
        "findings": Finding.objects.visible_to(request.user).filter(entity=entity)[:50],
        "modes": CoverageMode.choices,
        "kinds": EntityKind.choices,
        "industries": Industry.choices,
        "roles": forms.InstructorForm.base_fields["role"].choices,  # type: ignore[attr-defined]
        "groups": WorkerGroup.choices,
        "can_manage": has_capability(request.user, Cap.ORGS_MANAGE),
        "breadcrumbs": [BASE_CRUMB, ("两新组织", "/organizations/entities/"), (entity.name, None)],
    }
    return render(request, "organizations/entity_detail.html", context)


@login_required
@require_POST
def entity_coverage(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.ORGS_MANAGE)
    entity = get_visible_or_404(Entity, request.user, pk=pk)
    form = forms.CoverageForm(request.POST)
    if not form.is_valid():
        form_error(request, form)
        return redirect("organizations:entity", pk=entity.pk)
    org_id = None
    code = form.cleaned_data["organization_code"].strip()
    if code:
        org = PartyOrganization.objects.visible_to(request.user).filter(code=code).first()
        if org is None:
            messages.error(request, f"找不到编码为 {code} 的党组织（或不在您的管辖范围内）")
            return redirect("organizations:entity", pk=entity.pk)
        org_id = org.pk
    try:
        entity_services.set_coverage(
            actor=request.user,
            entity_id=entity.pk,
            mode=form.cleaned_data["mode"],
            organization_id=org_id,
            formal_members=form.cleaned_data["formal_members"],
            probationary_members=form.cleaned_data["probationary_members"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "覆盖情况已保存")
    return redirect("organizations:entity", pk=entity.pk)


@login_required
@require_POST
def entity_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.ORGS_MANAGE)
    entity = get_visible_or_404(Entity, request.user, pk=pk)
    form = forms.EntityEditForm(request.POST)
    if not form.is_valid():
        form_error(request, form)
        return redirect("organizations:entity", pk=entity.pk)
    try:
        entity_services.update_entity(actor=request.user, entity_id=entity.pk, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存")
    return redirect("organizations:entity", pk=entity.pk)


@login_required
@require_POST
def instructor_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.ORGS_MANAGE)
    entity = get_visible_or_404(Entity, request.user, pk=pk)
    form = forms.InstructorForm(request.POST)
    if not form.is_valid():
        form_error(request, form)
        return redirect("organizations:entity", pk=entity.pk)
    try:
        entity_services.assign_instructor(
            actor=request.user, entity_id=entity.pk, **form.cleaned_data
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已选派")
    return redirect("organizations:entity", pk=entity.pk)


@login_required
@require_POST
def instructor_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    need_capability(request, Cap.ORGS_MANAGE)
    instructor = get_visible_or_404(Instructor, request.user, pk=pk)
    try:
        entity_services.end_instructor(actor=request.user, instructor_id=instructor.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已结束选派")
    return redirect("organizations:entity", pk=instructor.entity_id)
