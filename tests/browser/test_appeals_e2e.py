"""End to end through the UI: a citizen submits on the portal; the department dispatches;
the wrong unit returns it; it is re-dispatched; the right unit signs, asks for more time
(approved), replies; the citizen sees the reply with the tracking code."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import login

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    from django.core.cache import cache

    from shegong.core.notify import ConsoleSmsSender

    cache.clear()
    ConsoleSmsSender.outbox.clear()
    yield
    cache.clear()


def _portal_submit(page: Any, base: str) -> tuple[str, str]:
    from shegong.core.notify import ConsoleSmsSender

    page.goto(f"{base}/portal/submit/?stream=hotline")
    page.locator(".sgp-kinds label", has_text="投诉").click()
    page.fill("#id_title", "路灯不亮，夜间出行不安全")
    page.fill("#id_body", "北一社区3号楼前路灯坏了两周，老人晚上出门不方便，请尽快修复。")
    page.select_option("#id_district", label="东城区")
    page.locator("#id_street option", has_text="北街道").wait_for(state="attached")
    page.select_option("#id_street", label="北街道")
    page.locator("#id_community option", has_text="北一社区").wait_for(state="attached")
    page.select_option("#id_community", label="北一社区")
    page.fill("#id_name", "张小明")
    page.fill("#id_phone", PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.locator("#sms-status", has_text="验证码已发送").wait_for()
    text = [t for p, t in ConsoleSmsSender.outbox if p == PHONE][-1]
    page.fill("#id_sms_code", re.search(r"验证码是(\d{6})", text).group(1))  # type: ignore[union-attr]
    page.locator("#submit-button").click()
    page.wait_for_url(f"{base}/portal/receipt/")
    number = page.get_by_test_id("receipt-number").inner_text().strip()
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    return number, code


def _open(page: Any, base: str, number: str) -> None:
    from shegong.appeals.models import Appeal

    page.goto(f"{base}/appeals/{Appeal.objects.get(number=number).pk}/")


def _logout(page: Any) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_portal_to_reply_through_the_ui(
    world: Any, live_server: Any, page: Any, phone_page: Any, screenshot_dir: Any
) -> None:
    base = live_server.url
    number, code = _portal_submit(phone_page, base)

    # The dispatcher finds it in 待受理 and dispatches it (to the wrong unit first).
    login(page, live_server, "dispatcher")
    page.goto(f"{base}/appeals/?queue=to_accept")
    page.get_by_role("link", name=number).click()
    page.screenshot(path=screenshot_dir / "appeal-registered.png", full_page=True)
    page.select_option("#d-lead", label="市教育局")
    page.locator("[data-action=dispatch]").click()
    page.locator("[data-testid=status]", has_text="办理中").wait_for()
    _logout(page)

    # 市教育局 returns it with a reason.
    login(page, live_server, "handler_unit_b")
    page.goto(f"{base}/appeals/?queue=to_sign")
    page.get_by_role("link", name=number).click()
    page.locator("summary[data-action=return]").click()
    page.fill("textarea[name=reason]", "路灯维护属住建部门职责，建议改派市住建局")
    page.get_by_role("button", name="确认退单").click()
    page.wait_for_url(re.compile(r"/appeals/"))
    _logout(page)

    # Back in 待派单; dispatched again to 市住建局.
    login(page, live_server, "dispatcher")
    page.goto(f"{base}/appeals/?queue=to_dispatch")
    assert number in page.content()
    page.screenshot(path=screenshot_dir / "workbench-dispatcher.png", full_page=True)
    _open(page, base, number)
    page.select_option("#d-lead", label="市住建局")
    page.locator("[data-action=dispatch]").click()
    page.locator("[data-testid=status]", has_text="办理中").wait_for()
    _logout(page)

    # 市住建局 signs, notes the contact, and asks for 3 more days.
    login(page, live_server, "handler_unit_a")
    _open(page, base, number)
    page.locator("[data-action=sign]").click()
    page.locator("summary[data-action=extend]").wait_for()
    page.locator("summary[data-action=extend]").click()
    page.fill("input[name=days]", "3")
    page.fill("form[action$='/act/extend/'] textarea[name=reason]", "需更换整条线路，材料采购中")
    page.get_by_role("button", name="提交申请").click()
    page.get_by_text("待审批：延期 3 天").wait_for()
    _logout(page)

    # The dispatcher approves; the citizen is told the new date by SMS.
    login(page, live_server, "dispatcher")
    page.goto(f"{base}/appeals/?queue=extensions")
    assert number in page.content()
    _open(page, base, number)
    page.get_by_role("button", name="同意", exact=True).click()
    page.get_by_text("已延期 3 天").wait_for()
    _logout(page)

    from shegong.core.notify import ConsoleSmsSender

    assert any("延长至" in t for p, t in ConsoleSmsSender.outbox if p == PHONE)

    login(page, live_server, "handler_unit_a")
    _open(page, base, number)
    page.locator("summary[data-action=reply]").click()
    page.fill("textarea[name=text]", "已更换3号楼前路灯及线路，恢复正常照明。感谢您的反映。")
    page.get_by_role("button", name="提交").click()
    page.locator("[data-testid=status]", has_text="已答复").wait_for()
    page.screenshot(path=screenshot_dir / "appeal-replied.png", full_page=True)
    timeline = page.get_by_test_id("timeline").inner_text()
    for step in ("登记", "派单", "退单", "签收", "申请延期", "延期审批", "答复"):
        assert step in timeline, step

    # The citizen tracks it and reads the reply.
    phone_page.goto(f"{base}/portal/track/")
    phone_page.fill("#id_number", number)
    phone_page.fill("#id_code", code)
    phone_page.get_by_role("button", name="查询", exact=True).click()
    phone_page.get_by_test_id("track-result").wait_for()
    assert "已答复" in phone_page.get_by_test_id("track-status").inner_text()
    assert "恢复正常照明" in phone_page.content()
