"""The volunteer desk after the activity: what is still to record (记录办法 第十一条), a
late confirmation that needs its reason, and a volunteer changing their number on a phone."""

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

OLD_PHONE = "13955557777"
NEW_PHONE = "13955558888"


def _ended_slot(
    manager: Any, team: Any, world: Any, volunteer: Any, days_ago: int, title: str
) -> Any:
    """An activity that ended ``days_ago`` days ago; the volunteer checked in and out by the
    manager, hours not confirmed yet — all through the services, at the times it happened."""
    from shegong.volunteers import services

    start = timezone.now().replace(hour=1, minute=0, second=0, microsecond=0) - timedelta(
        days=days_ago
    )
    activity = services.create_activity(
        actor=manager,
        team_id=team.pk,
        title=title,
        description="清理楼道杂物、张贴安全提示",
        region_id=world.north_one.pk,
        address="北一社区",
        contact_name="李队长",
        recruit_start=start - timedelta(days=3),
        recruit_end=start - timedelta(hours=1),
        slots=[services.SlotInput(start, start + timedelta(hours=3), 5)],
    )
    services.change_activity_status(actor=manager, activity_id=activity.pk, to="published")
    slot = activity.slots.get()
    signup = services.sign_up(
        volunteer_id=volunteer.pk, slot_id=slot.pk, now=start - timedelta(days=2)
    )
    services.manager_check(
        actor=manager, signup_id=signup.pk, at=slot.starts_at, now=slot.starts_at
    )
    services.manager_check(actor=manager, signup_id=signup.pk, at=slot.ends_at, now=slot.ends_at)
    return slot


@pytest.fixture
def desk(world: Any) -> dict[str, Any]:
    from shegong.volunteers import services

    manager, team = manager_and_team(world)
    birth = date(timezone.localdate().year - 40, 5, 1)
    body = f"339901{birth:%Y%m%d}321"
    volunteer = services.register_volunteer(
        actor=manager,
        name="钱志愿",
        id_number=body + id_check_digit(body),
        phone=OLD_PHONE,
        region_id=world.north_one.pk,
    )
    recent = _ended_slot(manager, team, world, volunteer, 1, "楼道清理")
    overdue = _ended_slot(manager, team, world, volunteer, 40, "消防安全宣传")
    return {"volunteer": volunteer, "recent": recent, "overdue": overdue}


def test_pending_hours_and_a_late_confirmation(
    world: Any, live_server: Any, page: Any, screenshot_dir: Any, desk: dict[str, Any]
) -> None:
    login(page, live_server, "vm_north")
    page.goto(f"{live_server.url}/volunteers/pending/")
    rows = page.get_by_test_id("pending-row")
    assert rows.count() == 2
    assert "消防安全宣传" in rows.nth(0).inner_text()  # earliest deadline first
    assert "已逾期" in rows.nth(0).inner_text()
    assert "剩" in rows.nth(1).inner_text()
    assert "1 个时段已逾期" in page.get_by_test_id("overdue-count").inner_text()
    page.screenshot(path=screenshot_dir / "volunteer-pending.png", full_page=True)

    rows.nth(0).get_by_role("link").click()
    assert "已逾期" in page.get_by_test_id("record-deadline").inner_text()
    # the browser will not send 全部确认 without the reason (required), nor will the server
    page.get_by_test_id("confirm-all").click()
    assert page.get_by_test_id("roster-row").first.inner_text().count("已签退") == 1
    page.fill("input[name=note][aria-label=逾期确认说明]", "负责人外出培训，返岗后补确认")
    page.get_by_test_id("confirm-all").click()
    page.get_by_text("已确认 1 人的服务时长").wait_for()
    page.screenshot(path=screenshot_dir / "volunteer-late-confirm.png", full_page=True)

    page.goto(f"{live_server.url}/volunteers/pending/")
    assert page.get_by_test_id("pending-row").count() == 1


def test_volunteer_changes_number_on_a_phone(
    world: Any, live_server: Any, phone_page: Any, screenshot_dir: Any, desk: dict[str, Any]
) -> None:
    page = phone_page
    page.goto(f"{live_server.url}/volunteer/login/")
    page.fill("#id_phone", OLD_PHONE)
    page.get_by_test_id("send-code").click()
    page.get_by_test_id("sms-status").filter(has_text="验证码已发送").wait_for()
    page.fill("#id_sms_code", sms_code(OLD_PHONE))
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("my-info-link").click()
    assert "139****7777" in page.get_by_test_id("my-info").inner_text()
    page.fill("#id_phone", NEW_PHONE)
    page.get_by_test_id("send-code").click()
    page.get_by_test_id("sms-status").filter(has_text="验证码已发送").wait_for()
    page.fill("#id_sms_code", sms_code(NEW_PHONE))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"
    page.screenshot(path=screenshot_dir / "volunteer-me.png", full_page=True)
    page.get_by_test_id("phone-change-submit").click()
    page.get_by_text("手机号码已更换").wait_for()
    assert "139****8888" in page.get_by_test_id("my-info").inner_text()

    from shegong.core.notify import ConsoleSmsSender
    from shegong.volunteers import services

    assert services.find_by_phone(NEW_PHONE).pk == desk["volunteer"].pk  # type: ignore[union-attr]
    assert any("已更换为" in t for to, t in ConsoleSmsSender.outbox if to == OLD_PHONE)


def test_training_and_award_records_on_the_volunteer_page(
    world: Any, live_server: Any, page: Any, screenshot_dir: Any, desk: dict[str, Any]
) -> None:
    """记录办法 第八、九条: the clerk records a training and an award on the volunteer's page
    (HTMX, no reload); a government award without its proof is refused with the reason."""
    volunteer = desk["volunteer"]
    login(page, live_server, "vm_north")
    page.goto(f"{live_server.url}/volunteers/{volunteer.pk}/")
    training = page.get_by_test_id("records-training")
    training.get_by_text("新增培训记录").click()
    form = page.get_by_test_id("records-add-training")
    form.locator("input[name=title]").fill("应急救护培训")
    form.locator("input[name=organizer]").fill("北街道红十字会")
    form.locator("input[name=content]").fill("心肺复苏、AED使用")
    form.locator("input[name=hours]").fill("4")
    form.locator("input[name=held_on]").fill(f"{timezone.localdate() - timedelta(days=3):%Y-%m-%d}")
    form.get_by_role("button", name="记录").click()
    page.get_by_test_id("records-training").get_by_test_id("record-row").filter(
        has_text="应急救护培训"
    ).wait_for()

    page.locator("#tab-award").click()
    award = page.get_by_test_id("records-award")
    award.get_by_text("新增表彰奖励").click()
    form = page.get_by_test_id("records-add-award")
    form.locator("input[name=title]").fill("优秀志愿者")
    form.locator("input[name=grantor]").fill("东城区人民政府")
    form.locator("input[name=awarded_on]").fill(
        f"{timezone.localdate() - timedelta(days=30):%Y-%m-%d}"
    )
    form.locator("select[name=level]").select_option("county")
    form.locator("input[name=government]").check()
    form.get_by_role("button", name="记录").click()
    assert "证明" in page.get_by_test_id("records-error").inner_text()
    form = page.get_by_test_id("records-add-award")
    form.locator("input[name=proof_note]").fill("东政〔2026〕12号表彰决定")
    form.get_by_role("button", name="记录").click()
    page.get_by_test_id("records-award").get_by_test_id("record-row").filter(
        has_text="优秀志愿者"
    ).wait_for()
    page.screenshot(path=screenshot_dir / "volunteer-records.png", full_page=True)
