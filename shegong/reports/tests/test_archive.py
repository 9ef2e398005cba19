"""The archive: the schedule, on-demand generation, the three files, who may download what
(page and API), audits, the Office template (default and replaced) and bad input."""

from __future__ import annotations

import io
import zipfile

import pytest
import time_machine
from openpyxl import load_workbook

from shegong.core.models import AuditEvent
from shegong.reports import services, storage
from shegong.reports.choices import ReportKind, ReportStatus, Trigger
from shegong.reports.models import Report

from .conftest import at

pytestmark = pytest.mark.django_db
NOW = at(2026, 5, 3, 10)  # April closed; the last closed quarter is Q1


def _scheduled() -> list[Report]:
    services.run_schedule()
    return list(Report.objects.select_related("region"))


def _one(kind: str, code: str) -> Report:
    return Report.objects.get(kind=kind, region__code=code, trigger=Trigger.SCHEDULE)


def _path(report: Report, fmt: str):
    entry = report.files[fmt]
    return storage.path_of(entry["folder"], entry["name"])


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode("utf-8")


@time_machine.travel(NOW, tick=False)
def test_the_schedule_makes_each_report_for_the_city_and_every_district(history) -> None:
    reports = _scheduled()
    assert sorted((r.kind, r.period, r.region.code) for r in reports) == sorted(
        (kind, period, code)
        for kind, period in (
            (ReportKind.MONTHLY_APPEALS, "2026-04"),
            ("quarterly_coverage", "2026-Q1"),
        )
        for code in ("339900", "339901", "339902")
    )


@time_machine.travel(NOW, tick=False)
def test_the_schedule_makes_nothing_twice(history) -> None:
    services.run_schedule()
    assert services.run_schedule() == []


@time_machine.travel(NOW, tick=False)
def test_scheduled_reports_are_ready_with_three_files(history) -> None:
    reports = _scheduled()
    assert {(r.status, tuple(sorted(r.files))) for r in reports} == {
        (ReportStatus.READY, ("docx", "pdf", "xlsx"))
    }


@time_machine.travel(NOW, tick=False)
def test_report_files_are_private(history) -> None:
    report = _scheduled()[0]
    path = _path(report, "pdf")
    assert (path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777) == (0o600, 0o700)


@time_machine.travel(NOW, tick=False)
def test_the_pdf_is_a_pdf(history) -> None:
    _scheduled()
    report = _one(ReportKind.MONTHLY_APPEALS, "339901")
    path = _path(report, "pdf")
    assert path.read_bytes()[:5] == b"%PDF-"


@time_machine.travel(NOW, tick=False)
def test_the_xlsx_has_a_sheet_per_table(history) -> None:
    _scheduled()
    report = _one(ReportKind.MONTHLY_APPEALS, "339901")
    book = load_workbook(_path(report, "xlsx"), read_only=True)
    assert book.sheetnames[:3] == ["概述", "承办单位三率排名", "各区划三率"]


@time_machine.travel(NOW, tick=False)
def test_the_docx_renders_the_default_template_with_the_figures(history) -> None:
    from shegong.reports import monthly
    from shegong.reports.documents import to_docx
    from shegong.reports.periods import month_period

    content = monthly.build(history.district, month_period(2026, 3), generated=NOW)
    units = content.table("units").rows
    assert units
    assert f"{units[0]['name']}" in _docx_text(to_docx(ReportKind.MONTHLY_APPEALS, content))


@time_machine.travel(NOW, tick=False)
def test_the_docx_uses_a_replaced_template(history) -> None:
    from docx import Document

    from shegong.core import documents
    from shegong.reports.documents import document_key

    template = Document()
    template.add_paragraph("示范市委社会工作部 {{ title }} {{ period_label }}")
    buffer = io.BytesIO()
    template.save(buffer)
    documents.upload_template(
        actor=history.dept_admin,
        key=document_key(ReportKind.MONTHLY_APPEALS),
        data=buffer.getvalue(),
        filename="月报.docx",
    )
    _scheduled()
    report = _one(ReportKind.MONTHLY_APPEALS, "339901")
    data = _path(report, "docx").read_bytes()
    assert "示范市委社会工作部 东城区接诉即办月度报告 2026年4月" in _docx_text(data)


# --- who may download what ---------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_street_downloads_its_districts_report(history, client_for) -> None:
    _scheduled()
    report = _one(ReportKind.MONTHLY_APPEALS, "339901")
    response = client_for(history.street_north).get(f"/reports/{report.pk}/download/pdf/")
    assert response.status_code == 200


@time_machine.travel(NOW, tick=False)
def test_a_street_cannot_download_another_districts_report(history, client_for) -> None:
    _scheduled()
    report = _one(ReportKind.MONTHLY_APPEALS, "339902")
    response = client_for(history.street_north).get(f"/reports/{report.pk}/download/pdf/")
    assert response.status_code == 404


@time_machine.travel(NOW, tick=False)
def test_a_street_cannot_download_the_city_report(history, client_for) -> None:
    _scheduled()
    report = _one(ReportKind.MONTHLY_APPEALS, "339900")
    response = client_for(history.street_north).get(f"/reports/{report.pk}/download/docx/")
    assert response.status_code == 404


@time_machine.travel(NOW, tick=False)
def test_a_district_leader_cannot_download_another_districts_report_by_api(
    history, client_for
) -> None:
    _scheduled()
    report = _one(ReportKind.QUARTERLY_COVERAGE, "339902")
    response = client_for(history.district_leader).get(f"/api/reports/{report.pk}/files/xlsx")
    assert response.status_code == 404


@time_machine.travel(NOW, tick=False)
def test_the_api_lists_a_streets_reports_only(history, client_for) -> None:
    _scheduled()
    items = client_for(history.street_south).get("/api/reports?limit=100").json()["items"]
    assert {i["region_code"] for i in items} == {"339901"}


@time_machine.travel(NOW, tick=False)
def test_the_city_leader_lists_every_report_on_the_page(history, client_for) -> None:
    _scheduled()
    page = client_for(history.leader).get("/reports/").content.decode()
    assert page.count('data-testid="report-row"') == 6


@time_machine.travel(NOW, tick=False)
def test_a_download_is_audited(history, client_for) -> None:
    _scheduled()
    report = _one(ReportKind.MONTHLY_APPEALS, "339900")
    client_for(history.leader).get(f"/api/reports/{report.pk}/files/docx")
    event = AuditEvent.objects.filter(action="report_downloaded").latest("seq")
    assert (event.target_id, event.changes["format"]) == (str(report.pk), "DOCX")


# --- on demand and bad input --------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_department_generates_a_report_on_demand(
    history, client_for, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(history.dept_admin).post(
            "/reports/generate/",
            {
                "kind": ReportKind.MONTHLY_APPEALS,
                "period": "2026-03",
                "region": history.district.pk,
            },
        )
    assert response.status_code == 302
    report = Report.objects.get(trigger=Trigger.MANUAL)
    assert (report.status, report.period, report.generated_by) == (
        ReportStatus.READY,
        "2026-03",
        history.dept_admin,
    )


@time_machine.travel(NOW, tick=False)
def test_a_month_in_the_future_is_refused_in_chinese(history, client_for) -> None:
    response = client_for(history.dept_admin).post(
        "/reports/generate/",
        {"kind": ReportKind.MONTHLY_APPEALS, "period": "2026-06", "region": history.city.pk},
    )
    assert "2026年6月尚未结束，只能生成已结束期间的报告" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_current_month_is_refused(history, client_for) -> None:
    response = client_for(history.dept_admin).post(
        "/reports/generate/",
        {"kind": ReportKind.MONTHLY_APPEALS, "period": "2026-05", "region": history.city.pk},
    )
    assert response.status_code == 422


@time_machine.travel(NOW, tick=False)
def test_a_malformed_period_is_refused_in_chinese_and_kept(history, client_for) -> None:
    response = client_for(history.dept_admin).post(
        "/reports/generate/",
        {"kind": ReportKind.QUARTERLY_COVERAGE, "period": "2026/13", "region": history.city.pk},
    )
    page = response.content.decode()
    assert ("报告期格式不正确" in page, 'value="2026/13"' in page) == (True, True)


@time_machine.travel(NOW, tick=False)
def test_a_refused_request_stores_nothing(history, client_for) -> None:
    client_for(history.dept_admin).post(
        "/reports/generate/",
        {"kind": ReportKind.MONTHLY_APPEALS, "period": "2026-13", "region": history.city.pk},
    )
    assert not Report.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_street_cannot_generate(history, client_for) -> None:
    response = client_for(history.street_north).post(
        "/reports/generate/",
        {"kind": ReportKind.MONTHLY_APPEALS, "period": "2026-03", "region": history.district.pk},
    )
    assert response.status_code == 403


@time_machine.travel(NOW, tick=False)
def test_a_street_region_is_not_a_report_region(history) -> None:
    from shegong.core.exceptions import DomainError
    from shegong.reports.ondemand import request_report

    with pytest.raises(DomainError, match="请选择全市或您辖区内的一个区县"):
        request_report(
            actor=history.dept_admin,
            kind=ReportKind.MONTHLY_APPEALS,
            period="2026-03",
            region_id=history.north.pk,
        )


# --- the appeals of a report period (streamed XLSX) ------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_appeals_export_holds_the_visible_appeals_of_the_period(history, client_for) -> None:
    from shegong.appeals.models import Appeal
    from shegong.reports import monthly
    from shegong.reports.periods import month_period

    services.run_schedule()
    report = _one(ReportKind.MONTHLY_APPEALS, "339901")
    response = client_for(history.street_north).get(f"/reports/{report.pk}/appeals.xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    numbers = sorted(row[0] for row in book.active.iter_rows(min_row=2, values_only=True))
    expected = sorted(
        monthly.appeals_in(
            history.district, month_period(2026, 4), Appeal.objects.visible_to(history.street_north)
        ).values_list("number", flat=True)
    )
    assert expected
    assert numbers == expected


@time_machine.travel(NOW, tick=False)
def test_the_appeals_export_masks_phone_numbers(history, client_for) -> None:
    services.run_schedule()
    report = _one(ReportKind.MONTHLY_APPEALS, "339901")
    response = client_for(history.leader).get(f"/reports/{report.pk}/appeals.xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    titles = [row[3] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert titles
    assert not any("13912345678" in t for t in titles)


@time_machine.travel(NOW, tick=False)
def test_the_appeals_export_is_audited(history, client_for) -> None:
    services.run_schedule()
    report = _one(ReportKind.MONTHLY_APPEALS, "339901")
    client_for(history.leader).get(f"/reports/{report.pk}/appeals.xlsx")
    event = AuditEvent.objects.filter(action="data_exported").latest("seq")
    assert event.changes["filters"]["报告"] == report.pk
