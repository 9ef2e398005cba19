"""The file control says "选择文件" and the chosen names, whatever the browser's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .conftest import login


def test_file_control_is_chinese_and_shows_the_chosen_name(
    world: Any, live_server: Any, page: Any, tmp_path: Path
) -> None:
    path = tmp_path / "区划.csv"
    path.write_text("区划代码,名称,层级,上级区划代码\n339901003,东三街道,街道,339901\n", "utf-8")
    login(page, live_server, "dept_admin")
    page.goto(f"{live_server.url}/regions/import/")

    box = page.locator("[data-sg-file]")
    button = box.get_by_text("选择文件", exact=True)
    assert button.is_visible()
    assert box.locator("[data-sg-file-name]").inner_text() == "未选择文件"
    # The native control (with the browser's own "Choose File / No file chosen") is hidden
    # from sight but still in the form.
    assert box.locator("input[type=file]").bounding_box()["width"] <= 1

    page.set_input_files("#id_file", str(path))
    assert box.locator("[data-sg-file-name]").inner_text() == "已选择：区划.csv"
    page.get_by_role("button", name="检查文件").click()
    page.get_by_test_id("import-report").wait_for()
    assert "共 1 行" in page.get_by_test_id("import-report").inner_text()
