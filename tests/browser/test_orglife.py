"""组织生活 on a phone: a branch secretary records a 主题党日, shows the sign-in QR code, a
member signs in from their own phone over HTTP (phone number + SMS code), the attendance
shows present, the secretary saves the minutes and marks the meeting held."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from .conftest import login
from .volunteer_kit import (
    fresh_limits,  # noqa: F401 — autouse: fresh rate limits, empty SMS outbox
    sms_code,
)

PHONE = "13966667777"
# A Tuesday morning; the clock ticks from there (signed codes carry real timestamps).
CLOCK = "2026-03-10 09:00 +0800"


@pytest.fixture
def branch(world: Any) -> Any:
    from shegong.orglife.tests.conftest import build_branch

    return build_branch(world)


def _no_sideways_scroll(page: Any) -> None:
    """The settled page fits the phone: a transition may widen it for a moment (seen
    intermittently right after an HTMX swap), so wait up to 3 s for the layout to settle."""
    # Polled from Python: page.wait_for_function evaluates its predicate with eval(), which
    # the platform's Content-Security-Policy (no 'unsafe-eval') rightly refuses.
    width = page.evaluate("document.documentElement.scrollWidth")
    for _ in range(30):
        if width <= 390:
            return
        page.wait_for_timeout(100)
        width = page.evaluate("document.documentElement.scrollWidth")
    raise AssertionError(f"page is {width}px wide on a 390px phone")


def test_secretary_records_a_theme_day_with_qr_sign_in(
    world: Any, live_server: Any, phone_page: Any, browser: Any, screenshot_dir: Any, branch: Any
) -> None:
    with time_machine.travel(CLOCK, tick=True):
        branch.member(phone=PHONE, name="李党员")
        for _ in range(2):
            branch.member()
        desk = phone_page
        login(desk, live_server, "secretary")
        desk.goto(f"{live_server.url}/orglife/new/?org={branch.org.pk}")
        desk.select_option("#id_kind", "theme_day")
        desk.fill("#id_title", "三月主题党日：学雷锋志愿服务")
        desk.fill("#id_place", "北一社区党群服务中心")
        desk.fill("#id_host", "王书记")
        desk.get_by_test_id("meeting-save").click()
        desk.get_by_test_id("signin-qr").wait_for()
        _no_sideways_scroll(desk)
        desk.screenshot(path=screenshot_dir / "orglife-meeting-qr.png", full_page=True)
        url = desk.get_by_test_id("signin-url").get_attribute("href") or ""
        assert url.startswith(f"{live_server.url}/orglife/signin/")

        # The member's own phone: no staff login.
        context = browser.new_context(
            locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        phone = context.new_page()
        try:
            phone.goto(url)
            phone.fill("#id_phone", PHONE)
            phone.get_by_test_id("send-code").click()
            phone.get_by_test_id("sms-status").filter(has_text="验证码已发送").wait_for()
            phone.fill("#id_sms_code", sms_code(PHONE))
            phone.get_by_test_id("signin-confirm").click()
            done = phone.get_by_test_id("signin-done")
            done.wait_for()
            _no_sideways_scroll(phone)
            phone.screenshot(path=screenshot_dir / "orglife-member-signin.png", full_page=True)
            assert "签到成功" in done.inner_text()
        finally:
            context.close()

        desk.reload()
        rows = desk.get_by_test_id("attendance-row")
        present = rows.filter(has_text="出席（扫码）")
        assert present.count() == 1
        assert "李**" in present.inner_text()  # the name, masked
        desk.fill("#id_minutes", "王书记主持。全体党员到北一社区开展学雷锋志愿服务，清理楼道杂物。")
        desk.get_by_test_id("minutes-save").click()
        desk.get_by_text("会议记录已保存").wait_for()
        desk.get_by_test_id("meeting-hold").click()
        desk.get_by_text("已登记为已召开").wait_for()
        assert desk.get_by_test_id("meeting-status").inner_text() == "已召开"
        assert (
            "出席1人 · 请假0人 · 缺席2人" in desk.get_by_test_id("attendance-counts").inner_text()
        )
        _no_sideways_scroll(desk)
        desk.screenshot(path=screenshot_dir / "orglife-meeting-held.png", full_page=True)
