"""Service orders on a phone (issue 19): a dispatcher converts an appeal into a service
order, a reported party member claims it on the volunteer portal, checks in and out with
the order's QR link, the resident confirms with an SMS code, the hours land on the
volunteer ledger (双报到 typed) and the appeal is replied and closed with the evidence.

Times are relative to the moment the test starts (nothing depends on the date); the
server's clock (``time_machine``, ticking) is moved on by 20 minutes twice between check-in
and check-out: every session is used again within the 30-minute idle limit, and the
server's clock only moves ahead of the browser's, so no cookie expires early."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from .conftest import login
from .volunteer_kit import (
    fresh_limits,  # noqa: F401 — autouse: fresh rate limits, empty SMS outbox
    sms_code,
)

pytestmark = pytest.mark.browser

MEMBER_PHONE = "13966667777"
RESIDENT_PHONE = "13912345678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(datetime.now(TZ), tick=True) as traveller:
        yield traveller


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"


@pytest.fixture
def setup(world: Any, clock: Any, settings: Any) -> dict[str, Any]:
    """A signed appeal of 北一社区 handled by 北街道办事处; a volunteer who reported (双报到)
    to 北一社区 — all through the services. Background tasks (the appeal page queues smart
    triage) go to a worker elsewhere, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from shegong.appeals.choices import AppealKind, Channel, WorkOrderRole
    from shegong.appeals.services import workflow as wf
    from shegong.appeals.services.intake import IntakeData, submit_appeal
    from shegong.serving import services
    from shegong.volunteers.tests.conftest import Kit

    appeal, _code = submit_appeal(
        actor=None,
        data=IntakeData(
            kind=AppealKind.HL_COMPLAINT,
            channel=Channel.PORTAL,
            title="独居老人家中灯坏了无人修",
            body="北一社区5号楼独居的李大爷家里客厅灯坏了，自己爬不上去，希望有人帮忙。",
            region_id=world.north_one.pk,
            name="李大爷",
            phone=RESIDENT_PHONE,
        ),
    )
    wf.dispatch_appeal(
        actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.street_unit_n.pk
    )
    lead = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=world.street_north, order_id=lead.pk)
    member = Kit(world).volunteer(name="钱党员", phone=MEMBER_PHONE)
    services.report_member(
        actor=world.street_north,
        volunteer_id=member.pk,
        community_id=world.north_one.pk,
        unit_name="市住建局",
    )
    return {"appeal": appeal, "member": member}


def _member_signs_in(page: Any, url: str) -> None:
    page.goto(f"{url}/volunteer/login/?next=/serving/nearby/")
    page.fill("#id_phone", MEMBER_PHONE)
    page.get_by_test_id("send-code").click()
    page.get_by_test_id("sms-status").get_by_text("验证码已发送").wait_for()
    page.fill("#id_sms_code", sms_code(MEMBER_PHONE))
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"{url}/serving/nearby/")


def test_appeal_to_service_to_ledger_to_closed_appeal(
    world: Any,
    live_server: Any,
    page: Any,
    phone_page: Any,
    browser: Any,
    screenshot_dir: Any,
    setup: Any,
    clock: Any,
) -> None:
    from shegong.appeals.choices import AppealStatus
    from shegong.serving.models import ServiceOrder
    from shegong.volunteers.choices import EntryKind
    from shegong.volunteers.models import HoursEntry

    url = live_server.url
    appeal = setup["appeal"]
    # 1. The dispatcher converts the appeal from its page.
    login(page, live_server, "dispatcher")
    page.goto(f"{url}/appeals/{appeal.pk}/")
    page.get_by_role("link", name="转为志愿服务订单 ›").click()
    page.fill("#id_title", "帮独居老人更换客厅灯泡")
    page.select_option("#id_community", str(world.north_one.pk))
    page.fill("#id_address", "北一社区5号楼1单元")
    now = datetime.now(TZ)
    page.fill("#id_starts_at", f"{now - timedelta(minutes=10):%Y-%m-%dT%H:%M}")
    page.fill("#id_ends_at", f"{now + timedelta(hours=2):%Y-%m-%dT%H:%M}")
    page.check("#id_elderly_alone")
    page.get_by_test_id("convert").click()
    page.get_by_test_id("order-number").wait_for()
    order = ServiceOrder.objects.get(appeal=appeal)
    checkin_url = page.get_by_test_id("checkin-link").get_attribute("href")
    page.screenshot(path=screenshot_dir / "serving-order.png", full_page=True)

    # 2. The reported member claims it on the phone.
    member = phone_page
    _member_signs_in(member, url)
    _no_sideways_scroll(member)
    member.get_by_test_id("nearby-order").filter(has_text="更换客厅灯泡").click()
    member.get_by_test_id("claim").click()
    member.get_by_test_id("claim-status").get_by_text("已认领").wait_for()
    member.screenshot(path=screenshot_dir / "serving-phone-claimed.png", full_page=True)

    # 3. Check in with the order's QR link, check out 40 minutes later.
    member.goto(checkin_url)
    member.get_by_test_id("checkin-confirm").click()
    member.get_by_test_id("claim-status").get_by_text("服务中").wait_for()
    clock.shift(timedelta(minutes=20))
    member.reload()
    clock.shift(timedelta(minutes=20))
    member.goto(checkin_url)
    member.get_by_test_id("checkin-confirm").click()
    member.get_by_test_id("claim-status").get_by_text("已签退").wait_for()
    member.fill("#id_text", "已为李大爷更换客厅灯泡，并检查了线路和开关")
    member.get_by_test_id("report-submit").click()
    member.get_by_text("服务情况已提交").wait_for()
    _no_sideways_scroll(member)

    # 4. The resident confirms with an SMS code on their own phone.
    resident_context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    resident = resident_context.new_page()
    resident.goto(f"{url}/serving/confirm/{order.number}/")
    resident.fill("#id_phone", RESIDENT_PHONE)
    resident.get_by_test_id("send-code").click()
    resident.get_by_test_id("sms-status").get_by_text("验证码已发送").wait_for()
    resident.fill("#id_sms_code", sms_code(RESIDENT_PHONE))
    resident.get_by_test_id("confirm-submit").click()
    resident.get_by_test_id("confirmed").wait_for()
    _no_sideways_scroll(resident)
    resident.screenshot(path=screenshot_dir / "serving-phone-confirmed.png", full_page=True)
    resident_context.close()

    # 5. The hours are on the member's ledger, typed 双报到.
    entry = HoursEntry.objects.get(volunteer=setup["member"])
    assert (entry.kind, entry.hours) == (EntryKind.DUAL_REPORT, Decimal("0.50"))

    # 6. The handling unit replies with the evidence; the dispatcher closes.
    handler_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    handler = handler_context.new_page()
    login(handler, live_server, "street_north")
    handler.goto(f"{url}/serving/orders/{order.pk}/")
    # The resident's phone is masked; revealed with a reason (HTMX, audited).
    assert RESIDENT_PHONE not in handler.content()
    handler.get_by_text("查看完整号码").click()
    handler.get_by_test_id("reveal-reason").fill("联系李大爷确认服务")
    handler.get_by_test_id("reveal-phone").click()
    handler.get_by_test_id("revealed").get_by_text(RESIDENT_PHONE).wait_for()
    # A photo of the service through the page's upload form.
    handler.set_input_files(
        "#id_photo", files=[{"name": "现场.png", "mimeType": "image/png", "buffer": PNG}]
    )
    handler.get_by_test_id("photo-form").get_by_role("button", name="上传").click()
    handler.get_by_text("照片已上传").wait_for()
    handler.get_by_test_id("photos").get_by_text("照片1").wait_for()
    handler.get_by_test_id("reply-appeal").click()
    handler.get_by_text("已以服务结果答复诉求").wait_for()
    handler_context.close()
    closer_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    closer = closer_context.new_page()
    login(closer, live_server, "dispatcher")
    closer.goto(f"{url}/serving/orders/{order.pk}/")
    closer.get_by_test_id("close-appeal").click()
    closer.get_by_text("诉求已办结").wait_for()
    closer_context.close()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CLOSED
    assert order.number in appeal.reply_text
    assert "现场照片1张" in appeal.reply_text
    from shegong.core.models import AuditEvent

    revealed = AuditEvent.objects.get(action="pii_revealed", target_id=str(order.pk))
    assert revealed.note == "联系李大爷确认服务"
