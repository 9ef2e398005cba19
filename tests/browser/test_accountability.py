"""A citizen rates 不满意 on the portal → the appeal is back in the unit's queue as 重办 →
the ranking page reflects it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from .conftest import login


def test_dissatisfied_rating_redo_and_ranking(
    world: Any, live_server: Any, page: Any, phone_page: Any, screenshot_dir: Any
) -> None:
    from shegong.appeals.choices import AppealKind, WorkOrderRole
    from shegong.appeals.services import workflow as wf
    from shegong.appeals.services.intake import IntakeData, submit_appeal

    now = timezone.now() - timedelta(days=1)
    appeal, code = submit_appeal(
        actor=None,
        now=now,
        data=IntakeData(
            kind=AppealKind.HL_COMPLAINT,
            channel="portal",
            title="楼道灯不亮",
            body="北一社区5号楼楼道灯坏了一个月，老人上下楼不安全。",
            region_id=world.north_one.pk,
            name="王芳",
            phone="13812349999",
        ),
    )
    wf.dispatch_appeal(
        actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk, now=now
    )
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk, now=now)
    wf.reply_order(actor=world.handler_unit_a, order_id=order.pk, text="已安排检修。", now=now)

    base = live_server.url
    phone_page.goto(f"{base}/portal/track/")
    phone_page.fill("#id_number", appeal.number)
    phone_page.fill("#id_code", code)
    phone_page.get_by_role("button", name="查询", exact=True).click()
    rating = phone_page.get_by_test_id("track-rating")
    rating.wait_for()
    rating.get_by_text("联系过", exact=True).click()
    rating.get_by_text("未解决", exact=True).click()
    rating.get_by_text("不满意", exact=True).click()
    phone_page.fill("textarea[name=comment]", "灯还是不亮")
    phone_page.screenshot(path=screenshot_dir / "portal-rating.png", full_page=True)
    phone_page.get_by_test_id("rate-submit").click()
    phone_page.get_by_text("将重新办理").wait_for()
    assert "已重新交由市住建局办理" in phone_page.content()

    login(page, live_server, "handler_unit_a")
    page.goto(f"{base}/appeals/?queue=to_sign")
    assert appeal.number in page.content()
    page.get_by_role("link", name=appeal.number).click()
    assert "重办" in page.get_by_test_id("timeline").inner_text()
    page.get_by_role("button", name="退出").click()

    login(page, live_server, "dispatcher")
    page.goto(f"{base}/appeals/ranking/")
    row = page.locator(f"tr[data-unit='{world.unit_a.pk}']")
    assert row.get_by_test_id("satisfaction").inner_text().strip() == "0.0%"
    page.screenshot(path=screenshot_dir / "ranking.png", full_page=True)
    row.get_by_test_id("satisfaction").click()
    assert appeal.number in page.get_by_test_id("drill-table").inner_text()
