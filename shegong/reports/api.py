"""The reports API (django-ninja), scoped through ``visible_to`` like the pages: the archive
list and the download of a report's file (DOCX, PDF or XLSX), audited as on the page."""

from datetime import date, datetime

from django.http import FileResponse, HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.api import require_capability
from shegong.core.exceptions import DomainError
from shegong.core.roles import Cap

from . import services
from .choices import FileFormat, ReportKind
from .models import Report

router = Router(tags=["统计报告"])


class ReportFileOut(Schema):
    format: str
    name: str
    size: int
    sha256: str


class ReportOut(Schema):
    id: int
    kind: str
    kind_label: str
    period: str
    period_start: date
    period_end: date
    region_code: str
    region_name: str
    status: str
    trigger: str
    generated_at: datetime | None
    files: list[ReportFileOut]

    @staticmethod
    def resolve_kind_label(obj: Report) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_region_code(obj: Report) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Report) -> str:
        return obj.region.full_name or obj.region.name

    @staticmethod
    def resolve_files(obj: Report) -> list[ReportFileOut]:
        out = []
        for fmt, entry in sorted(obj.files.items()):
            if isinstance(entry, dict):
                out.append(
                    ReportFileOut(
                        format=fmt,
                        name=str(entry.get("name", "")),
                        size=int(entry.get("size", 0)),
                        sha256=str(entry.get("sha256", "")),
                    )
                )
        return out


class ReportFilter(Schema):
    kind: ReportKind | None = None
    period: str | None = None
    region: str | None = None  # region code


@router.get("/reports", response=list[ReportOut])
@paginate
def list_reports(request: HttpRequest, filters: Query[ReportFilter]) -> object:
    """The reports of the caller's jurisdiction (a district's report is also seen by its
    streets and communities; docs/reports.md)."""
    require_capability(request, Cap.REPORTS_VIEW)
    qs = Report.objects.visible_to(request.user).select_related("region")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.period:
        qs = qs.filter(period=filters.period)
    if filters.region:
        qs = qs.filter(region__code=filters.region)
    return qs


_FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "报告文件（DOCX、PDF 或 XLSX）",
            "content": {
                ctype: {"schema": {"type": "string", "format": "binary"}}
                for ctype in services.CONTENT_TYPES.values()
            },
        }
    }
}


@router.get("/reports/{report_id}/files/{fmt}", openapi_extra=_FILE_RESPONSE)
def download_report(request: AuthedHttpRequest, report_id: int, fmt: FileFormat) -> FileResponse:
    """One file of a report (404 outside the caller's jurisdiction; 422 while it is not
    ready); the download is audited."""
    require_capability(request, Cap.REPORTS_VIEW)
    _report, path, name = services.open_download(
        actor=request.user, report_id=report_id, fmt=str(fmt)
    )
    if not path.is_file():
        raise DomainError("报告文件缺失，请重新生成")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=services.CONTENT_TYPES[fmt],
    )
