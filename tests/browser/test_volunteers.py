"""The volunteer service on a phone: register with an SMS code → sign up → check in and out
by the token URL the manager's screen shows → the manager confirms the hours → the
certificate PDF downloads → its public verification page says genuine."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from shegong.lib.validators import id_check_digit

from .conftest import login
from .volunteer_kit import (
    fresh_limits,  # noqa: F401 — autouse: fresh rate limits, empty SMS outbox
    manager_and_team,
    sms_code,
)

PHONE = "13955556666"


def _sms_code() -> str:
    return sms_code(PHONE)


def _shoot(page: Any, path: Any) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate(
        "document.querySelectorAll('.sgv-actionbar').forEach(e => e.style.position = 'static')"
    )
    page.screenshot(path=path, full_page=True)
    page.evaluate("document.querySelectorAll('.sgv-actionbar').forEach(e => e.style.position = '')")


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"


@pytest.fixture
def setup(world: Any) -> dict[str, Any]:
    from shegong.volunteers import services

    manager, team = manager_and_team(world)
    now = timezone.now()
    start = now + timedelta(minutes=20)
    activity = services.create_activity(
        actor=manager,
        team_id=team.pk,
        title="社区助老服务",
        description="陪伴独居老人、打扫卫生",
        region_id=world.north_one.pk,
        address="北一社区活动室",
        contact_name="李队长",
        recruit_start=now - timedelta(days=1),
        recruit_end=start,
        slots=[services.SlotInput(start, start + timedelta(hours=3), 5)],
    )
    services.change_activity_status(actor=manager, activity_id=activity.pk, to="published")
    return {"manager": manager, "activity": activity, "slot": activity.slots.get()}


def test_phone_register_signup_checkin_confirm_certificate(
    world: Any, live_server: Any, phone_page: Any, browser: Any, screenshot_dir: Any, setup: Any
) -> None:
    page = phone_page
    page.goto(f"{live_server.url}/volunteer/")
    _no_sideways_scroll(page)
    _shoot(page, screenshot_dir / "volunteer-portal-home.png")
    page.get_by_test_id("register-link").click()
    today = timezone.localdate()
    birth = date(today.year - 30, 3, 15)
    body = f"339901{birth:%Y%m%d}123"
    page.fill("#id_name", "赵志愿")
    page.fill("#id_id_number", body + id_check_digit(body))
    page.fill("#id_phone", PHONE)
    page.get_by_test_id("send-code").click()
    page.get_by_test_id("sms-status").filter(has_text="验证码已发送").wait_for()
    page.fill("#id_sms_code", _sms_code())
    page.select_option("#id_street", str(world.north.pk))
    page.locator("#id_region option", has_text="北一社区").wait_for(state="attached")
    page.select_option("#id_region", str(world.north_one.pk))
    page.fill("#id_skills", "急救")
    page.check("#id_consent")
    _no_sideways_scroll(page)
    _shoot(page, screenshot_dir / "volunteer-register.png")
    page.get_by_test_id("register-submit").click()
    page.get_by_text("注册成功").wait_for()
    assert page.get_by_test_id("total-hours").inner_text() == "0.00"

    # find the activity and sign up
    page.goto(f"{live_server.url}/volunteer/activities/")
    page.get_by_test_id("activity-card").filter(has_text="社区助老服务").click()
    page.get_by_test_id("signup-button").click()
    page.get_by_text("报名成功").wait_for()
    assert page.get_by_test_id("signup-status").inner_text() == "已录用"
    _no_sideways_scroll(page)
    _shoot(page, screenshot_dir / "volunteer-activity.png")

    # the manager's screen shows the QR code and its URL
    desk_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    desk = desk_context.new_page()
    login(desk, live_server, "vm_north")
    slot = setup["slot"]
    desk.goto(f"{live_server.url}/volunteers/slots/{slot.pk}/")
    desk.get_by_test_id("checkin-qr").locator("svg").wait_for()
    desk.screenshot(path=screenshot_dir / "volunteer-slot-qr.png", full_page=True)
    url = desk.get_by_test_id("checkin-url").inner_text()

    page.goto(url)
    _shoot(page, screenshot_dir / "volunteer-checkin.png")
    page.get_by_test_id("checkin-confirm").click()
    assert "签到成功" in page.get_by_test_id("checkin-done").inner_text()
    _shoot(page, screenshot_dir / "volunteer-checkin-done.png")
    # the same code again is refused (replay)
    page.goto(url)
    page.get_by_test_id("checkin-confirm").click()
    assert "扫过" in page.get_by_test_id("checkin-error").inner_text()

    # a fresh code from the manager's screen checks out
    desk.reload()
    url2 = desk.get_by_test_id("checkin-url").inner_text()
    assert url2 != url
    page.goto(url2)
    page.get_by_test_id("checkin-confirm").click()
    assert "签退成功" in page.get_by_test_id("checkin-done").inner_text()

    # the manager confirms (adjusted: the volunteer came before the slot began, with reason)
    desk.reload()
    row = desk.get_by_test_id("roster-row").filter(has_text="赵")
    row.locator("input[name=hours]").fill("2.5")
    row.locator("input[name=note]").fill("提前到场布置会场")
    row.get_by_test_id("confirm-hours").click()
    desk.get_by_text("已保存").wait_for()
    desk_context.close()

    page.goto(f"{live_server.url}/volunteer/")
    assert page.get_by_test_id("total-hours").inner_text() == "2.50"
    page.get_by_test_id("my-certs-link").click()
    page.get_by_test_id("issue-certificate").click()
    page.get_by_text("已出具证明").wait_for()
    with page.expect_download() as info:
        page.get_by_test_id("download-pdf").first.click()
    download = info.value
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert download.suggested_filename.startswith("ZYZM")
    _shoot(page, screenshot_dir / "volunteer-certificates.png")

    # anyone (a fresh browser) can verify it
    verify_href = page.get_by_test_id("verify-link").first.get_attribute("href")
    other = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    public = other.new_page()
    public.goto(f"{live_server.url}{verify_href}")
    assert public.get_by_test_id("verdict").inner_text() == "真实有效"
    facts = public.get_by_test_id("certificate-facts").inner_text()
    assert "赵*" in facts
    assert "2.50" in facts
    # nothing beyond the certificate: no live total, only whether it is still current
    assert "当前累计" not in facts
    assert public.get_by_test_id("record-current").inner_text() == "出具后无新的服务记录"
    assert PHONE not in public.content()
    public.screenshot(path=screenshot_dir / "volunteer-verify.png", full_page=True)
    other.close()
