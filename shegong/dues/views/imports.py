"""The yearly base import (dry run, then confirm), its template and its error list."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.exceptions import DomainError
from shegong.core.exporting import file_response
from shegong.core.importing import ImportUploadForm, UploadInvalid, read_posted_table
from shegong.core.permissions import capability_required
from shegong.core.roles import Cap
from shegong.core.staging import StagingError, discard, load
from shegong.core.tabular import TableError, read_table

from ..services import imports as import_services
from .common import BASE_CRUMB


@capability_required(Cap.DUES_MANAGE)
def import_template(request: AuthedHttpRequest) -> HttpResponse:
    return file_response(
        "党费基数导入模板",
        import_services.TEMPLATE_COLUMNS,
        import_services.template_example(),
        request.GET.get("format", "xlsx"),
    )


@capability_required(Cap.DUES_MANAGE)
def import_errors(request: AuthedHttpRequest) -> HttpResponse:
    try:
        data, filename = load(request.user, request.GET.get("token", ""))
        table = read_table(io.BytesIO(data), filename, columns=import_services.IMPORT_SPEC)
    except (StagingError, TableError) as exc:
        raise Http404 from exc
    report = import_services.import_assessments(actor=request.user, rows=table.rows, commit=False)
    rows = [[e.row, e.column, e.message] for e in report.errors]
    return file_response("党费基数导入错误", ["行号", "列", "问题"], rows, "xlsx")


@capability_required(Cap.DUES_MANAGE)
@require_http_methods(["GET", "POST"])
def import_bases(request: AuthedHttpRequest) -> HttpResponse:
    context: dict[str, object] = {
        "form": ImportUploadForm(),
        "columns": import_services.IMPORT_COLUMNS,
        "required": import_services.REQUIRED_COLUMNS,
        "breadcrumbs": [BASE_CRUMB, ("导入党费基数", None)],
    }
    if request.method == "POST":
        try:
            posted = read_posted_table(request, import_services.IMPORT_SPEC)
            report = import_services.import_assessments(
                actor=request.user, rows=posted.table.rows, commit=posted.commit
            )
        except UploadInvalid as exc:
            context["form"] = exc.form
            return render(request, "dues/import.html", context, status=422)
        except (StagingError, TableError, DomainError) as exc:
            # DomainError: a row refused while writing (e.g. changed since the dry run).
            context["file_error"] = exc.message
            return render(request, "dues/import.html", context, status=422)
        if report.committed:
            discard(request.user, posted.token)
            messages.success(
                request,
                f"导入完成：新核定 {report.created} 人，修改 {report.updated} 人，"
                f"未变化 {report.unchanged} 人。",
            )
            return redirect("dues:home")
        context.update(
            {
                "report": report,
                "token": posted.token,
                "filename": posted.filename,
                "errors": report.errors[:1000],
                "warnings": [*posted.table.warnings, *report.notes],
            }
        )
    return render(request, "dues/import.html", context)
