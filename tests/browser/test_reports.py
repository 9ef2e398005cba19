"""The report archive through the real page (docs/reports.md): the department's administrator
generates a monthly 接诉即办 report on demand, sees it in the archive, downloads the Word and
Excel files; a district leader sees only the reports of their district. The clock is pinned
(3 May 2026: April has closed)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from openpyxl import load_workbook

from .conftest import login

NOW = datetime(2026, 5, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def generate(page: Any, kind: str, period: str, region: str) -> None:
    form = page.get_by_test_id("report-generate")
    form.get_by_label("报告类型").select_option(label=kind)
    form.get_by_label("报告期").fill(period)
    form.get_by_label("区划").select_option(label=region)
    form.get_by_test_id("report-generate-submit").click()
    page.wait_for_load_state()


def rows(page: Any) -> list[list[str]]:
    table = page.get_by_test_id("reports").locator("tbody tr[data-testid=report-row]")
    return [
        [cell.strip() for cell in table.nth(i).locator("td").all_inner_texts()[:4]]
        for i in range(table.count())
    ]


def download(page: Any, row: Any, fmt: str) -> bytes:
    with page.expect_download() as info:
        row.get_by_test_id(f"download-{fmt}").click()
    return Path(info.value.path()).read_bytes()


def test_an_administrator_generates_a_report_and_a_district_sees_only_its_own(
    world: Any, live_server: Any, browser: Any, screenshot_dir: Path
) -> None:
    from shegong.reports.tests.conftest import build_history, maker

    with time_machine.travel(NOW, tick=True):
        build_history(world, maker(world), n=16)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)  # the live server shares two busy cores
            login(page, live_server, "dept_admin")
            page.goto(f"{live_server.url}/reports/")
            assert page.get_by_test_id("no-reports").count() == 1

            # A period that has not ended is refused in Chinese and the input is kept.
            generate(page, "接诉即办月度报告", "2026-05", "示范市东城区")
            errors = page.get_by_test_id("report-errors")
            assert "2026年5月尚未结束" in errors.inner_text()
            assert page.get_by_label("报告期").input_value() == "2026-05"
            page.screenshot(path=str(screenshot_dir / "reports-generate-error.png"))

            generate(page, "接诉即办月度报告", "2026-04", "示范市东城区")
            assert "已提交生成：东城区接诉即办月度报告 2026-04" in page.locator("main").inner_text()
            generate(page, "接诉即办月度报告", "2026-04", "示范市西城区")
            generate(page, "两新组织党建覆盖季度报告", "2026-Q1", "示范市")
            archive = rows(page)
            assert sorted(archive) == sorted(
                [
                    ["接诉即办月度报告", "2026-04", "示范市东城区", "手动生成（dept_admin）"],
                    ["接诉即办月度报告", "2026-04", "示范市西城区", "手动生成（dept_admin）"],
                    ["两新组织党建覆盖季度报告", "2026-Q1", "示范市", "手动生成（dept_admin）"],
                ]
            )
            page.screenshot(path=str(screenshot_dir / "reports-archive.png"), full_page=True)

            east = page.get_by_test_id("report-row").filter(has_text="东城区")
            docx = download(page, east, "docx")
            with zipfile.ZipFile(io.BytesIO(docx)) as document:
                text = document.read("word/document.xml").decode("utf-8")
            assert "东城区" in text
            assert "2026年4月" in text
            book = load_workbook(io.BytesIO(download(page, east, "xlsx")), read_only=True)
            assert len(book.sheetnames) >= 3
            first = next(iter(book[book.sheetnames[0]].iter_rows(values_only=True)))
            assert any(cell for cell in first)
        finally:
            context.close()

        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)
            login(page, live_server, "district_leader")
            page.goto(f"{live_server.url}/reports/")
            assert rows(page) == [
                ["接诉即办月度报告", "2026-04", "示范市东城区", "手动生成（dept_admin）"]
            ]
            assert page.get_by_test_id("report-generate").count() == 0  # no 立即生成
            page.screenshot(path=str(screenshot_dir / "reports-district.png"), full_page=True)
            xlsx = download(page, page.get_by_test_id("report-row"), "xlsx")
            assert xlsx[:2] == b"PK"
        finally:
            context.close()
