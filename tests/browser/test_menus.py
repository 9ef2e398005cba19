"""Menus follow role capabilities; jurisdiction limits what a street worker sees."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from .conftest import login

ALL_ENTRIES = {"行政区划", "单位", "用户管理", "审计日志", "节假日与期限", "API 令牌"}


def _menu_labels(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("[data-testid=nav] a.nav-link").all_inner_texts()]


def _registry_labels(role: str, citywide: bool) -> set[str]:
    """What the nav registry grants ``role`` by ROLE_CAPABILITIES alone (no user object),
    for a jurisdiction that is or is not the whole city (entries with a ``when``)."""
    from shegong.core.nav import nav_for
    from shegong.core.roles import capabilities_of

    caps = capabilities_of(role)
    stub = SimpleNamespace(
        is_authenticated=True,
        is_active=True,
        is_superuser=False,
        has_citywide_scope=citywide,
        has_capability=lambda cap: cap in caps,
    )
    return {item["label"] for section in nav_for(stub) for item in section["items"]}


def _assert_menu(page: Any, role: str, present: set[str], *, citywide: bool = True) -> None:
    labels = _menu_labels(page)
    assert labels[0] == "首页"
    shown = set(labels[1:])
    assert len(shown) == len(labels) - 1, f"duplicate menu entries: {labels}"
    assert present <= shown, f"missing {present - shown}; menu is {labels}"
    absent = ALL_ENTRIES - present
    assert not (absent & shown), f"should not see {absent & shown}; menu is {labels}"
    # Exactly the registry's entries for the role: nothing leaks in, nothing is dropped.
    assert shown == _registry_labels(role, citywide), labels


def test_dept_admin_menu(world: Any, live_server: Any, page: Any, screenshot_dir: Any) -> None:
    login(page, live_server, "dept_admin")
    _assert_menu(page, "dept_admin", {"行政区划", "单位", "用户管理", "节假日与期限", "API 令牌"})
    assert "部门管理员" in page.get_by_test_id("current-user").inner_text()
    page.screenshot(path=screenshot_dir / "home-dept-admin.png", full_page=True)


def test_auditor_menu_and_refusal(
    world: Any, live_server: Any, page: Any, screenshot_dir: Any
) -> None:
    login(page, live_server, "auditor")
    _assert_menu(page, "auditor", {"审计日志", "用户管理", "行政区划", "API 令牌"})
    page.screenshot(path=screenshot_dir / "home-auditor.png", full_page=True)

    # Hiding the menu entry is not the control: the page itself refuses.
    response = page.goto(f"{live_server.url}/units/")
    assert response is not None
    assert response.status == 403, response.status  # no 单位 capability
    assert "市住建局" not in page.content()

    # The entry it does have works.
    page.goto(f"{live_server.url}/audit/")
    assert page.locator("h1").first.is_visible()


def test_street_phone_menu_and_subtree(
    world: Any, live_server: Any, phone_page: Any, screenshot_dir: Any
) -> None:
    page = phone_page
    login(page, live_server, "street_north")
    nav = page.get_by_test_id("nav")
    assert not nav.get_by_role("link", name="行政区划").is_visible()

    page.get_by_role("button", name="打开菜单").click()
    regions_link = nav.get_by_role("link", name="行政区划")
    regions_link.wait_for(state="visible")
    assert page.get_by_role("button", name="打开菜单").inner_text().strip() == "☰ 菜单"
    _assert_menu(
        page,
        "street_staff",
        {"行政区划", "单位", "用户管理", "节假日与期限", "API 令牌"},
        citywide=False,
    )
    # Bootstrap marks the off-canvas ``.showing`` while it slides in, ``.show`` once it is in.
    page.locator("#sg-sidebar.show:not(.showing)").wait_for()
    page.screenshot(path=screenshot_dir / "phone-menu-street.png")

    regions_link.click()
    page.wait_for_url(f"{live_server.url}/regions/")
    table = page.get_by_test_id("region-table")
    assert "北街道" in table.inner_text()
    assert "南街道" not in table.inner_text()

    table.get_by_role("link", name="下级 ›").first.click()
    page.wait_for_url("**/regions/?parent=*")
    text = page.get_by_test_id("region-table").inner_text()
    assert "北一社区" in text
    assert "北二社区" in text
    assert "南一社区" not in text
    assert "南街道" not in text

    # Even a direct search for the neighbouring street finds nothing.
    page.goto(f"{live_server.url}/regions/?q=南")
    text = page.get_by_test_id("region-table").inner_text()
    assert "南街道" not in text
    assert "南一社区" not in text
    assert "没有符合条件的区划" in text

    # And its page is out of reach.
    response = page.goto(f"{live_server.url}/regions/{world.south.pk}/")
    assert response is not None
    assert response.status == 404  # out of scope: not revealed
