"""Report generation, the schedule and downloads (docs/reports.md).

* ``ondemand.request_report`` — on demand (``Cap.REPORTS_MANAGE``): a pending archive row,
  the generation enqueued after commit (``tasks.generate_report``; a module of its own, so
  the task module that runs :func:`generate` does not form a cycle with it).
* :func:`run_schedule` — the daily job: for the last closed month and quarter, every
  district and the city get their report once (a scheduled row that is ready or pending
  counts; a failed one is tried again).
* :func:`generate` — builds the content, prints DOCX, PDF and XLSX, stores the files.
* :func:`open_download` — a file of a report the user may see, audited.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region

from . import monthly, quarterly, storage
from .choices import FileFormat, ReportKind, ReportStatus, Trigger
from .documents import to_docx
from .models import Report
from .periods import Period, last_closed, period_from_key
from .printing import to_pdf, to_xlsx
from .tables import ReportContent

logger = logging.getLogger("shegong.reports")

REPORT_LEVELS = (RegionLevel.CITY, RegionLevel.DISTRICT)
CONTENT_TYPES = {
    FileFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileFormat.PDF: "application/pdf",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report_regions() -> list[Region]:
    """The regions reports are made for: the city and its active districts."""
    return list(
        Region.objects.filter(level__in=REPORT_LEVELS, is_active=True).order_by("level", "code")
    )


def content_for(kind: str, region: Region, period: Period, *, generated: datetime) -> ReportContent:
    if kind == ReportKind.MONTHLY_APPEALS:
        return monthly.build(region, period, generated=generated)
    return quarterly.build(region, period, generated=generated)


def new_row(kind: str, period: Period, region: Region, trigger: str, actor: User | None) -> Report:
    return Report.objects.create(
        kind=kind,
        period=period.key,
        period_start=period.start,
        period_end=period.end,
        region=region,
        trigger=trigger,
        requested_at=timezone.now(),
        generated_by=actor,
    )


def _file_name(report: Report, fmt: str) -> str:
    label = ReportKind(report.kind).label
    return f"{report.region.name}{label}-{report.period}.{fmt}"


def generate(report_id: int, *, now: datetime | None = None) -> Report:
    """Build and store the files of a pending report (idempotent: a ready one is left)."""
    report = Report.objects.select_related("region").get(pk=report_id)
    if report.status != ReportStatus.PENDING:
        return report
    now = now or timezone.now()
    period = period_from_key(report.kind, report.period)
    try:
        content = content_for(report.kind, report.region, period, generated=now)
        printed = {
            FileFormat.DOCX: to_docx(report.kind, content),
            FileFormat.PDF: to_pdf(content),
            FileFormat.XLSX: to_xlsx(content),
        }
        folder = storage.new_folder(report.pk)
        files = {
            str(fmt): storage.write(folder, _file_name(report, str(fmt)), data)
            for fmt, data in printed.items()
        }
    except Exception as exc:  # a failed generation is kept, with its reason, and retried
        logger.exception("report %s failed", report.pk)
        report.status = ReportStatus.FAILED
        report.error = f"{type(exc).__name__}: {exc}"[:2000]
        report.save(update_fields=["status", "error"])
        return report
    with transaction.atomic():
        report.status = ReportStatus.READY
        report.generated_at = now
        report.files = files
        report.save(update_fields=["status", "generated_at", "files"])
        audit.record(
            "report_generated",
            actor=report.generated_by,
            target=report,
            target_repr=f"{report.region.name} {report}",
            changes={
                "trigger": str(report.get_trigger_display()),
                "rows": sum(len(t.rows) for t in content.tables),
            },
        )
    return report


def run_schedule(today: date | None = None) -> list[int]:
    """Create and generate the scheduled reports still missing for the last closed month and
    quarter. Returns the ids generated."""
    today = today or timezone.localdate()
    done: list[int] = []
    for kind in ReportKind.values:
        period = last_closed(kind, today)
        for region in report_regions():
            existing = Report.objects.filter(
                kind=kind,
                period=period.key,
                region=region,
                trigger=Trigger.SCHEDULE,
                status__in=[ReportStatus.READY, ReportStatus.PENDING],
            )
            if existing.exists():
                continue
            report = new_row(kind, period, region, Trigger.SCHEDULE, None)
            done.append(generate(report.pk).pk)
    return done


def open_download(*, actor: User, report_id: int, fmt: str) -> tuple[Report, Path, str]:
    """The stored file of a report ``actor`` may see (404 otherwise), audited."""
    report = get_visible_or_404(Report, actor, pk=report_id)
    if fmt not in FileFormat.values:
        raise DomainError("文件格式不正确")
    if report.status != ReportStatus.READY:
        raise DomainError("报告尚未生成完成")
    entry = report.files.get(fmt)
    if not isinstance(entry, dict):
        raise DomainError("报告文件缺失")
    name = str(entry["name"])
    path = storage.path_of(str(entry.get("folder", "")), name)
    if not path.is_file():
        raise DomainError("报告文件缺失，请重新生成")
    if not actor.has_capability(Cap.REPORTS_VIEW):
        raise PermissionDenied("您的角色不能下载统计报告")
    audit.record(
        "report_downloaded",
        actor=actor,
        target=report,
        target_repr=f"{report.region.name} {report}",
        changes={"format": fmt.upper()},
    )
    return report, path, name
