"""两新 registry import with a dry run, then the coverage rate and a gap task change."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from .conftest import login

HEADER = "统一社会信用代码,名称,类型,行业门类,从业人员数,所在区划代码,覆盖方式,覆盖党组织编码"


def _csv(tmp_path: Path, name: str, rows: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode(encoding))
    return path


def _upload(page: Any, live_server: Any, path: Path) -> None:
    page.goto(f"{live_server.url}/organizations/entities/import/")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="检查文件").click()
    page.get_by_test_id("import-report").wait_for()


def test_import_dry_run_fix_commit_then_coverage_and_gap_task(
    world: Any, live_server: Any, page: Any, tmp_path: Path, screenshot_dir: Path
) -> None:
    from django.utils import timezone

    from shegong.organizations.models import Entity, Finding
    from shegong.organizations.services import coverage, entities, orgs
    from shegong.organizations.testing import credit_code

    branch = orgs.create_organization(
        actor=world.root,
        code="N-B1",
        name="北一社区两新联合党支部",
        kind="joint_branch",
        region_id=world.north_one.pk,
    )
    for i, covered in enumerate((True, False)):
        e = entities.create_entity(
            actor=world.root,
            credit_code=credit_code(i + 1),
            name=f"北街企业{i}",
            kind="enterprise",
            region_id=world.north_one.pk,
            employees=12,
        )
        if covered:
            entities.set_coverage(
                actor=world.root, entity_id=e.pk, mode="joint", organization_id=branch.pk
            )
    coverage.take_snapshot(on=timezone.localdate() - timedelta(days=30))
    login(page, live_server, "street_north")
    page.goto(f"{live_server.url}/organizations/")
    assert page.get_by_test_id("org-rate").inner_text().strip() == "50.0%"
    assert page.get_by_test_id("open-findings").inner_text().strip() == "0"

    # 1. A GBK file with a wrong check character and an unknown community: dry run only.
    good = f"{credit_code(10)},北辰智造有限公司,企业,C,180,339901001001,,"
    bad_code = credit_code(11)[:-1] + ("0" if credit_code(11)[-1] != "0" else "1")
    rows = [
        good,
        f"{bad_code},北斗物流有限公司,企业,G,25,339901001002,联合建,N-B1",
        f"{credit_code(12)},北望餐饮有限公司,企业,H,8,339901001099,,",
    ]
    _upload(page, live_server, _csv(tmp_path, "两新名录-有错.csv", rows, "gbk"))
    errors = page.get_by_test_id("import-errors").locator("tbody tr")
    assert errors.count() == 2
    first = [c.strip() for c in errors.nth(0).locator("td").all_inner_texts()]
    second = [c.strip() for c in errors.nth(1).locator("td").all_inner_texts()]
    assert first[:2] == ["3", "统一社会信用代码"]
    assert "校验位错误" in first[2]
    assert second[:2] == ["4", "所在区划代码"]
    assert "339901001099" in second[2]
    assert page.get_by_test_id("confirm-import").count() == 0
    with page.expect_download() as download_info:
        page.get_by_test_id("import-errors-download").click()
    from openpyxl import load_workbook

    assert download_info.value.suggested_filename.endswith(".xlsx")
    data = io.BytesIO(Path(download_info.value.path()).read_bytes())
    sheet = load_workbook(data, read_only=True).active
    listed = [r for r in sheet.iter_rows(values_only=True) if r and isinstance(r[0], int)]
    assert [(r[0], r[1]) for r in listed] == [(3, "统一社会信用代码"), (4, "所在区划代码")]
    page.screenshot(path=screenshot_dir / "organizations-import-dry-run.png", full_page=True)
    assert Entity.objects.count() == 2

    # 2. The corrected file: clean report, nothing written until confirmed.
    fixed = [
        good,
        f"{credit_code(11)},北斗物流有限公司,企业,G,25,339901001002,联合建,N-B1",
        f"{credit_code(12)},北望餐饮有限公司,企业,H,8,339901001002,,",
    ]
    _upload(page, live_server, _csv(tmp_path, "两新名录-已修正.csv", fixed, "gbk"))
    assert "共 3 行，将新建 3 个" in page.get_by_test_id("import-report").inner_text()
    assert Entity.objects.count() == 2
    page.get_by_test_id("confirm-import").click()
    page.wait_for_url(f"{live_server.url}/organizations/")
    assert "导入完成：新建 3 个" in page.get_by_role("alert").first.inner_text()
    assert Entity.objects.count() == 5

    # 3. The coverage rate changed (2 of 5 organised) and the rules opened a gap task for
    #    the 180-person firm with neither organization nor instructor.
    page.get_by_test_id("take-snapshot").click()
    page.wait_for_url(f"{live_server.url}/organizations/")
    assert page.get_by_test_id("org-rate").inner_text().strip() == "40.0%"
    assert page.get_by_test_id("open-findings").inner_text().strip() == "1"
    page.get_by_test_id("trend-chart").locator("svg").wait_for()
    page.screenshot(path=screenshot_dir / "organizations-coverage.png", full_page=True)
    finding = Finding.objects.get()
    assert finding.rule == "uncovered_large"
    page.get_by_test_id("open-findings").get_by_role("link").click()
    table = page.get_by_test_id("finding-table")
    table.get_by_text("北辰智造有限公司").wait_for()
    assert "从业人员 180 人" in table.inner_text()
    page.screenshot(path=screenshot_dir / "organizations-findings.png", full_page=True)

    # 4. Assign it to oneself and close it with a note.
    page.get_by_role("link", name=f"#{finding.pk}").click()
    page.select_option("#a-user", str(world.street_north.pk))
    page.get_by_role("button", name="交办").click()
    assert page.get_by_test_id("finding-status").inner_text().strip() == "已交办"
    page.get_by_label("办结说明").fill("已选派党建指导员进驻")
    page.get_by_role("button", name="办结", exact=True).click()
    assert page.get_by_test_id("finding-status").inner_text().strip() == "已办结"
    finding.refresh_from_db()
    assert finding.status == "closed"
    assert finding.close_note == "已选派党建指导员进驻"

    # 5. The organization page: 换届 through the form, then its 班子 and 沿革.
    page.goto(f"{live_server.url}/organizations/orgs/{branch.pk}/")
    page.fill("#r-on", "2026-06-01")
    page.fill("#r-c", "书记 赵敏\n组织委员 钱进\n宣传委员 孙丽")
    page.get_by_role("button", name="登记换届").click()
    committee = page.get_by_test_id("committee")
    committee.get_by_text("赵敏").wait_for()
    assert "换届" in page.get_by_test_id("history").inner_text()
    page.screenshot(path=screenshot_dir / "organizations-org-detail.png", full_page=True)
    entity = Entity.objects.get(credit_code=credit_code(11))
    page.goto(f"{live_server.url}/organizations/entities/{entity.pk}/")
    assert "联合建" in page.get_by_test_id("coverage-mode").inner_text()
    page.screenshot(path=screenshot_dir / "organizations-entity-detail.png", full_page=True)
