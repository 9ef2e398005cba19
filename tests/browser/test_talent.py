"""社会工作人才 on a phone: a social worker signed in with the account linked to their record
sees their re-registration red (hours short), enrols in a class, checks in by the class's QR
code, sees the hours credited and the re-registration turn green; a reviewer grades a
community worker with the evidence panel open."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine

from .conftest import login

# A Tuesday morning inside the re-registration window of a credential registered 2024-01-15
# (valid to 2027-01-14, window from 2026-10-15); the clock ticks (signed codes carry time).
CLOCK = "2026-10-20 09:00 +0800"
SW_PASSWORD = "x-Pass-12345"


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    for _ in range(30):
        if width <= 390:
            return
        page.wait_for_timeout(100)
        width = page.evaluate("document.documentElement.scrollWidth")
    raise AssertionError(f"page is {width}px wide on a 390px phone")


@pytest.fixture
def kit(world: Any) -> Any:
    from shegong.talent.tests.conftest import build_kit

    return build_kit(world)


def test_social_worker_enrols_checks_in_and_turns_green(
    world: Any, kit: Any, live_server: Any, phone_page: Any, browser: Any, screenshot_dir: Any
) -> None:
    from django.utils import timezone

    from shegong.talent.services import credentials, training

    with time_machine.travel(CLOCK, tick=True):
        admin = world.dept_admin
        credential = credentials.add_credential(
            actor=admin,
            person_id=kit.worker.pk,
            level="assistant",
            number="SW-2023-0001",
            passed_on=date(2023, 6, 1),
            registered_on=date(2024, 1, 15),
        )
        credentials.add_hours(
            actor=admin,
            person_id=kit.worker.pk,
            hours=66,
            studied_on=date(2025, 5, 1),
            title="社会工作督导研修",
            evidence="市社工协会结业证书",
        )
        now = timezone.now()
        klass = training.create_class(
            actor=world.street_north,
            title="社区矛盾调解专题培训",
            kind="topic",
            unit_id=world.street_unit_n.pk,
            region_id=world.north.pk,
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(hours=7),
            capacity=30,
            hours=6,
            place="北街道党群服务中心",
        )

        phone = phone_page
        login(phone, live_server, "sw_zhang", SW_PASSWORD)
        phone.goto(f"{live_server.url}/talent/me/")
        badge = phone.get_by_test_id(f"renewal-{credential.pk}")
        assert badge.get_attribute("data-state") == "red"
        phone.get_by_test_id(f"class-{klass.pk}").get_by_role("button", name="报名").click()
        phone.get_by_text("报名成功").wait_for()
        _no_sideways_scroll(phone)
        phone.screenshot(path=screenshot_dir / "talent-me-red.png", full_page=True)

        # The organiser's screen shows the class's QR code.
        desk_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        desk = desk_context.new_page()
        try:
            login(desk, live_server, "street_north")
            desk.goto(f"{live_server.url}/talent/classes/{klass.pk}/")
            desk.get_by_test_id("checkin-qr").wait_for()
            desk.screenshot(path=screenshot_dir / "talent-class-qr.png", full_page=True)
            url = desk.get_by_test_id("checkin-url").get_attribute("href") or ""
        finally:
            desk_context.close()
        assert url.startswith(f"{live_server.url}/talent/checkin/")

        phone.goto(url)
        phone.get_by_test_id("checkin-button").click()
        phone.get_by_text("签到成功，已计入6学时").wait_for()
        assert phone.get_by_test_id("my-hours").get_by_text("社区矛盾调解专题培训").count() == 1
        badge = phone.get_by_test_id(f"renewal-{credential.pk}")
        assert badge.get_attribute("data-state") == "green"
        _no_sideways_scroll(phone)
        phone.screenshot(path=screenshot_dir / "talent-me-green.png", full_page=True)


def test_reviewer_grades_with_the_evidence_open(
    world: Any, kit: Any, live_server: Any, phone_page: Any, screenshot_dir: Any
) -> None:
    from shegong.talent.models import Evaluation
    from shegong.talent.services import evaluation

    with time_machine.travel(datetime.fromisoformat("2027-01-12T10:00:00+08:00"), tick=True):
        cycle = evaluation.open_cycle(actor=world.dept_admin, year=2026, region_id=world.north.pk)
        row = cycle.evaluations.get(person=kit.worker)
        page = phone_page
        login(page, live_server, "street_north")
        page.goto(f"{live_server.url}/talent/cycles/{cycle.pk}/")
        page.get_by_role("link", name=str(kit.worker)).click()
        evidence = page.get_by_test_id("evidence")
        evidence.wait_for()
        assert evidence.get_by_test_id("fact-appeals_on_time").count() == 1
        page.get_by_label("称职", exact=True).check()
        page.fill("#g-comment", "全年按期答复群众诉求，参加培训学时达标。")
        page.get_by_test_id("grade-submit").click()
        page.get_by_text("已保存评定").wait_for()
        assert page.get_by_test_id("grade").inner_text() == "称职"
        _no_sideways_scroll(page)
        page.screenshot(path=screenshot_dir / "talent-evaluation.png", full_page=True)
    assert Evaluation.objects.get(pk=row.pk).reviewer_id == world.street_north.pk
