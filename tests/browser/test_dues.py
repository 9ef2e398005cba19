"""党费 on a phone: a member's arrears warning shows, the secretary records the quarter's
payment of the months in arrears on the phone, and the warning clears (clock pinned to
15 March 2026)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from .conftest import login

NOW = datetime(2026, 3, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_secretary_records_a_quarter_on_a_phone_and_the_warning_clears(
    world: Any, live_server: Any, phone_page: Any, screenshot_dir: Path
) -> None:
    from shegong.dues.models import DuesPayment
    from shegong.dues.services import assessments
    from shegong.dues.tests.conftest import build_party

    with time_machine.travel(NOW, tick=True):
        party = build_party(world)
        assessments.set_assessment(
            actor=world.secretary,
            member_id=party.member.pk,
            year=2026,
            category="salaried",
            base="3000.01",
        )
        page = phone_page
        login(page, live_server, "secretary")
        page.goto(f"{live_server.url}/dues/members/{party.member.pk}/")
        warning = page.get_by_test_id("arrears-warning")
        # Arrears run through the last complete month: January and February (docs/dues.md).
        assert "截至 2026年2月欠缴 2 个月，共 60.00 元" in warning.inner_text()
        page.screenshot(path=str(screenshot_dir / "dues-member-arrears.png"), full_page=True)
        page.get_by_test_id("record-payment").click()
        page.wait_for_url(f"{live_server.url}/dues/members/{party.member.pk}/pay/")
        # The months in arrears come ticked; the secretary picks the method and confirms.
        page.select_option("#p-method", "online")
        page.screenshot(path=str(screenshot_dir / "dues-pay-phone.png"), full_page=True)
        page.get_by_test_id("submit-payment").click()
        page.wait_for_url(f"{live_server.url}/dues/members/{party.member.pk}/")
        page.get_by_test_id("dues-clear").wait_for()
        assert page.get_by_test_id("arrears-warning").count() == 0
        assert DuesPayment.objects.filter(member=party.member).count() == 2
