"""A clerk's day in the browser (issue #12 §9): the place from the cascade and its search,
every error in one round, the dispatch pickers' filter boxes."""

from __future__ import annotations

import re
from typing import Any

from .conftest import login


def test_register_with_cascade_and_search(
    world: Any, live_server: Any, page: Any, screenshot_dir: Any
) -> None:
    from shegong.appeals.models import Appeal

    base = live_server.url
    login(page, live_server, "street_north")
    page.goto(f"{base}/appeals/new/")
    # One round: submitting the empty form marks every missing field at once.
    page.get_by_role("button", name="登记", exact=True).click()
    errors = page.get_by_test_id("register-errors")
    errors.wait_for()
    assert "请填写标题" in errors.inner_text()
    assert "信访事项请填写姓名" in errors.inner_text()
    page.screenshot(path=screenshot_dir / "register-errors.png", full_page=True)

    # The cascade: the street is chosen; its communities load on choosing.
    page.select_option("#r-region-1", label="北一社区")
    page.get_by_test_id("region-chosen").filter(has_text="北一社区").wait_for()
    # The search fills the cascade with one click.
    page.fill("#r-region-q", "北二")
    page.get_by_role("button", name=re.compile("北二社区")).click()
    page.get_by_test_id("region-chosen").filter(has_text="北二社区").wait_for()
    page.fill("#r-title", "楼道堆物")
    page.fill("#r-body", "北二社区5号楼楼道长期堆放杂物，存在消防隐患。")
    page.fill("#r-name", "赵六")
    page.fill("#r-phone", "13700005555")
    page.screenshot(path=screenshot_dir / "register-cascade.png", full_page=True)
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_url(re.compile(r"/appeals/\d+/$"))
    assert Appeal.objects.get(title="楼道堆物").region.name == "北二社区"


def test_dispatch_unit_picker_filters_as_you_type(
    world: Any, live_server: Any, page: Any, screenshot_dir: Any
) -> None:
    from shegong.appeals.choices import AppealKind, Channel
    from shegong.appeals.services.intake import IntakeData, submit_appeal

    appeal, _ = submit_appeal(
        actor=None,
        data=IntakeData(
            kind=AppealKind.HL_COMPLAINT,
            channel=Channel.PORTAL,
            title="小区路灯不亮",
            body="北一社区3号楼前路灯坏了两周，晚上出行不安全。",
            region_id=world.north_one.pk,
            name="张三",
            phone="13912345678",
        ),
    )
    login(page, live_server, "dispatcher")
    page.goto(f"{live_server.url}/appeals/{appeal.pk}/")
    page.fill("#d-lead-filter", "教育")
    assert page.locator("#d-lead").evaluate("s => s.options[s.selectedIndex].text") == "市教育局"
    visible = page.locator("#d-lead").evaluate(
        "s => Array.from(s.options).filter(o => o.value && !o.hidden).map(o => o.text)"
    )
    assert visible == ["市教育局"]
    page.screenshot(path=screenshot_dir / "dispatch-unit-filter.png", full_page=True)
    page.locator("[data-action=dispatch]").click()
    page.locator("[data-testid=status]", has_text="办理中").wait_for()
