"""Region import with a dry run, and revealing a masked phone number with a reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .conftest import login

HEADER = "区划代码,名称,层级,上级区划代码,常住人口"
GOOD_ROWS = [
    "339901003,东三街道,街道,339901,42000",
    "339901003001,东三一社区,社区,339901003,8000",
]
# 339902… belongs to 西城区 (339902), but the row names 东城区 (339901) as its parent.
BAD_ROW = "339902009,错位街道,街道,339901,"
FIXED_ROW = "339901004,东四街道,街道,339901,"
CODE_MISMATCH = "区划代码与上级区划代码不一致"


def _csv(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _upload(page: Any, live_server: Any, path: Path) -> None:
    page.goto(f"{live_server.url}/regions/import/")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="检查文件").click()
    page.get_by_test_id("import-report").wait_for()


def test_region_import_dry_run_then_commit(
    world: Any, live_server: Any, page: Any, tmp_path: Path, screenshot_dir: Path
) -> None:
    from shegong.core.models import AuditEvent
    from shegong.regions.models import Region

    before = Region.objects.count()
    imports_before = AuditEvent.objects.filter(action="regions_imported").count()
    login(page, live_server, "dept_admin")

    # 1. A file with one bad row (data row 3 → line 4 counting the header): dry run only.
    _upload(page, live_server, _csv(tmp_path, "区划-有错.csv", [*GOOD_ROWS, BAD_ROW]))
    errors = page.get_by_test_id("import-errors")
    rows = errors.locator("tbody tr")
    assert rows.count() == 1
    cells = [c.strip() for c in rows.first.locator("td").all_inner_texts()]
    assert cells[0] == "4"
    assert cells[1] == "上级区划代码"
    assert CODE_MISMATCH in cells[2]
    assert page.get_by_test_id("confirm-import").count() == 0
    assert "发现 1 处错误" in page.get_by_test_id("import-report").inner_text()
    page.screenshot(path=screenshot_dir / "regions-import-dry-run.png", full_page=True)
    assert Region.objects.count() == before
    assert not Region.objects.filter(code__in=["339901003", "339901003001"]).exists()
    assert AuditEvent.objects.filter(action="regions_imported").count() == imports_before

    # 2. The corrected file: the report is clean, nothing is written until confirmed.
    _upload(page, live_server, _csv(tmp_path, "区划-已修正.csv", [*GOOD_ROWS, FIXED_ROW]))
    report = page.get_by_test_id("import-report")
    assert "共 3 行，将新建 3 个" in report.inner_text()
    assert page.get_by_test_id("import-errors").count() == 0
    assert Region.objects.count() == before

    page.get_by_test_id("confirm-import").click()
    page.wait_for_url(f"{live_server.url}/regions/")
    assert "导入完成：新建 3 个" in page.get_by_role("alert").first.inner_text()
    assert Region.objects.count() == before + 3
    street = Region.objects.get(code="339901003")
    assert street.parent == world.district
    assert street.population == 42000
    assert AuditEvent.objects.filter(action="regions_imported").count() == imports_before + 1

    # 3. The new street is findable in the list.
    page.fill("#f-q", "东三")
    page.get_by_role("button", name="查询").click()
    table = page.get_by_test_id("region-table")
    table.get_by_role("link", name="东三一社区").wait_for()
    text = table.inner_text()
    assert "东三街道" in text
    assert "339901003" in text
    assert "北街道" not in text


def test_dispatcher_reveals_contact_phone(
    world: Any, live_server: Any, page: Any, browser: Any, screenshot_dir: Path
) -> None:
    from shegong.core.models import AuditEvent

    unit_url = f"{live_server.url}/units/{world.unit_a.pk}/"
    login(page, live_server, "dispatcher")
    page.goto(unit_url)
    phone = page.get_by_test_id("contact-phone")
    assert phone.get_by_test_id("masked").inner_text().strip() == "138****5678"
    assert "13812345678" not in page.content()

    phone.get_by_text("查看完整信息").click()
    phone.get_by_placeholder("查看原因").fill("核实承办联系人")
    phone.get_by_role("button", name="查看", exact=True).click()
    revealed = phone.get_by_test_id("revealed")
    revealed.wait_for()
    assert revealed.inner_text().strip() == "13812345678"
    page.screenshot(path=screenshot_dir / "unit-detail-revealed.png", full_page=True)

    event = AuditEvent.objects.get(action="pii_revealed")
    assert event.actor == world.dispatcher
    assert event.target_type == "units.unit"
    assert event.target_id == str(world.unit_a.pk)
    assert event.changes == {"field": "contact_phone"}
    assert event.note == "核实承办联系人"

    # A leader (read-only, no pii.reveal) sees the same page masked, with no way to unmask.
    context = browser.new_context(locale="zh-CN")
    try:
        other = context.new_page()
        login(other, live_server, "leader")
        other.goto(unit_url)
        other_phone = other.get_by_test_id("contact-phone")
        assert other_phone.inner_text().strip() == "138****5678"
        assert other_phone.get_by_text("查看完整信息").count() == 0
    finally:
        context.close()
