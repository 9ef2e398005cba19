"""The citizen portal on a phone: submit with an SMS code → receipt → track."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    from django.core.cache import cache

    from shegong.core.notify import ConsoleSmsSender

    cache.clear()
    ConsoleSmsSender.outbox.clear()
    yield
    cache.clear()


def _sms_code() -> str:
    from shegong.core.notify import ConsoleSmsSender

    texts = [text for phone, text in ConsoleSmsSender.outbox if phone == PHONE]
    assert texts, "no SMS was sent"
    return re.search(r"验证码是(\d{6})", texts[-1]).group(1)  # type: ignore[union-attr]


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"


def _shoot(page: Any, path: Any) -> None:
    """Full-page screenshot from the top. Chromium draws sticky elements where they stick in
    the current viewport, so for the picture the bottom action bar is put back in the flow
    (at the end of the form); the header sticks at the top where it belongs."""
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate(
        "document.querySelectorAll('.sgp-actionbar').forEach(e => e.style.position = 'static')"
    )
    page.screenshot(path=path, full_page=True)
    page.evaluate("document.querySelectorAll('.sgp-actionbar').forEach(e => e.style.position = '')")


def test_phone_submit_receipt_track(
    world: Any, live_server: Any, phone_page: Any, screenshot_dir: Any
) -> None:
    page = phone_page
    page.goto(f"{live_server.url}/portal/")
    assert page.locator("body.sg-portal").count() == 1
    assert "15日内告知您是否受理" in page.content()
    _no_sideways_scroll(page)
    _shoot(page, screenshot_dir / "portal-home.png")

    page.get_by_test_id("choose-hotline").click()
    page.wait_for_url(re.compile(r"/portal/submit/\?stream=hotline"))
    # The action bar sits at the bottom of the screen before scrolling (sticky).
    submit_button = page.locator("#submit-button")
    box = submit_button.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 844 + 1, box

    # Submitting an empty form: errors in Chinese beside each field, nothing saved.
    submit_button.click()
    page.get_by_test_id("error-summary").wait_for()
    assert page.get_by_test_id("error-title").inner_text() == "请填写标题"
    assert page.get_by_test_id("error-district").inner_text() == "请选择发生地所在的区县"
    _shoot(page, screenshot_dir / "portal-submit-errors.png")

    page.locator(".sgp-kinds label", has_text="投诉").click()
    page.fill("#id_title", "小区路灯不亮")
    page.fill("#id_body", "北一社区3号楼前路灯坏了两周，晚上出行不安全，希望尽快修复。")
    # Cascader: each choice loads the next level over HTMX.
    page.select_option("#id_district", label="东城区")
    page.locator("#id_street option", has_text="北街道").wait_for(state="attached")
    assert page.locator("#id_street option", has_text="西一街道").count() == 0
    page.select_option("#id_street", label="北街道")
    page.locator("#id_community option", has_text="北一社区").wait_for(state="attached")
    page.select_option("#id_community", label="北一社区")
    page.fill("#id_address", "幸福路12号3号楼东侧")
    page.fill("#id_name", "张小明")
    page.fill("#id_phone", PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.locator("#sms-status", has_text="验证码已发送至 139****5678").wait_for()
    assert page.locator("#sms-button").is_disabled()  # 60 s countdown
    assert re.search(r"\d+秒后重新获取", page.locator("#sms-button").inner_text())
    page.fill("#id_sms_code", _sms_code())
    _no_sideways_scroll(page)
    _shoot(page, screenshot_dir / "portal-submit.png")
    # What the phone screen shows: header on top, the 提交 bar stuck to the bottom.
    page.screenshot(path=screenshot_dir / "portal-submit-screen.png")

    submit_button.click()
    page.wait_for_url(f"{live_server.url}/portal/receipt/")
    number = page.get_by_test_id("receipt-number").inner_text().strip()
    code = page.get_by_test_id("receipt-code").inner_text().strip()
    assert re.fullmatch(r"RX\d{15}", number), number
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", code), code
    assert "请截图或记下查询码" in page.content()
    _no_sideways_scroll(page)
    _shoot(page, screenshot_dir / "portal-receipt.png")

    from shegong.appeals.models import Appeal

    appeal = Appeal.objects.get(number=number)
    assert appeal.petitioner is not None
    assert appeal.petitioner.phone_verified_at is not None

    page.get_by_role("link", name="查询办理进度").click()
    page.wait_for_url(re.compile(r"/portal/track/"))
    assert page.locator("#id_number").input_value() == number  # carried over, code is not
    assert page.locator("#id_code").input_value() == ""
    page.fill("#id_code", code)
    page.get_by_role("button", name="查询", exact=True).click()
    page.get_by_test_id("track-result").wait_for()
    assert page.get_by_test_id("track-status").inner_text().strip() == "已登记"
    content = page.content()
    assert f"您的诉求已登记，编号 {number}" in content
    assert "张小明" not in content
    assert PHONE not in content
    _no_sideways_scroll(page)
    _shoot(page, screenshot_dir / "portal-track.png")

    # The receipt is not shown a second time.
    page.goto(f"{live_server.url}/portal/receipt/")
    assert code not in page.content()
