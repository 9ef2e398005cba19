"""A dispatcher sees triage suggestions in the 待受理 queue — category, the top unit with its
reason, the 疑似重复 / 重复来诉 marks — and dispatches with one click; the appeal page shows
the final category."""

from __future__ import annotations

from typing import Any

from .conftest import login

WAGES = {
    "title": "农民工工资被拖欠",
    "body": (
        "我们在北一社区工地干了半年，施工单位拖欠农民工工资三个月，一直不发，请劳动部门帮忙追讨。"
    ),
}


def test_queue_suggestion_one_click_dispatch(
    world: Any, live_server: Any, page: Any, screenshot_dir: Any
) -> None:
    from shegong.appeals.choices import AppealKind, AppealStatus
    from shegong.appeals.models import Appeal
    from shegong.appeals.services.intake import IntakeData, submit_appeal
    from shegong.triage import services

    def intake() -> Appeal:
        appeal, _ = submit_appeal(
            actor=None,
            data=IntakeData(
                kind=AppealKind.HL_COMPLAINT,
                channel="portal",
                region_id=world.north_one.pk,
                name="张三",
                phone="13912345678",
                **WAGES,
            ),
        )
        services.triage_appeal(appeal.pk)
        return appeal

    intake()
    second = intake()  # the same person, the same words: a repeat and a near-duplicate
    login(page, live_server, "dispatcher")
    page.goto(f"{live_server.url}/appeals/?queue=to_accept")
    cell = page.get_by_test_id("queue-triage").first
    cell.wait_for()
    text = page.get_by_test_id("queue-table").inner_text()
    assert "疑似重复" in text
    assert "重复来诉" in text
    assert "建议：" in text
    page.screenshot(path=str(screenshot_dir / "triage-queue.png"), full_page=True)
    row = page.locator("tr", has_text=second.number)
    row.get_by_role("button", name="采纳并派单").click()
    page.wait_for_url("**/appeals/?queue=to_accept")
    assert "已采纳智能分拨建议并派单" in page.inner_text("body")
    second.refresh_from_db()
    assert second.status == AppealStatus.DISPATCHED
    assert second.category_l1
    page.goto(f"{live_server.url}/appeals/{second.pk}/")
    assert second.category_l1 in page.get_by_test_id("appeal-category").inner_text()
