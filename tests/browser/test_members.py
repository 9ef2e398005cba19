"""A branch secretary on a phone adds a member to the roster: a mistyped ID number is refused
in Chinese with everything typed kept; the corrected record shows the ID number masked, the
birth date and sex read from it and the 党龄 counted from 转正; the roster lists the member
masked. The clock is pinned (20 December 2026)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from .conftest import login

NOW = datetime(2026, 12, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_secretary_adds_a_member_on_a_phone(
    world: Any, live_server: Any, phone_page: Any, screenshot_dir: Path
) -> None:
    from shegong.dues.testing import id_number
    from shegong.members.models import Member
    from shegong.organizations.models import OrgAdministrator
    from shegong.organizations.services import orgs

    good = id_number(7)  # born 1987-01-01, male
    wrong = good[:-1] + ("1" if good[-1] != "1" else "2")  # the check digit mistyped
    with time_machine.travel(NOW, tick=True):
        branch = orgs.create_organization(
            actor=world.root,
            code="BR-ROLL",
            name="北一社区第二党支部",
            kind="branch",
            region_id=world.north_one.pk,
        )
        OrgAdministrator.objects.create(user=world.users["secretary"], organization=branch)
        page = phone_page
        page.set_default_timeout(30_000)  # the live server shares two busy cores
        login(page, live_server, "secretary")
        page.goto(f"{live_server.url}/members/new/?org_code=BR-ROLL")
        page.get_by_label("姓名").fill("王建国")
        page.get_by_label("身份证号").fill(wrong)
        page.get_by_label("人员类别").select_option(label="正式党员")
        page.get_by_label("入党日期").fill("2015-06-01")
        page.get_by_label("转正日期").fill("2016-06-01")
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state()
        assert "身份证" in page.locator(".alert-danger, .text-danger").first.inner_text()
        assert page.get_by_label("姓名").input_value() == "王建国"
        assert not Member.objects.filter(organization=branch).exists()
        page.screenshot(path=str(screenshot_dir / "members-new-refused.png"), full_page=True)

        page.get_by_label("身份证号").fill(good)
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state()
        profile = page.get_by_test_id("member-profile").inner_text()
        assert "男 / 1987-01-01" in profile
        assert good not in page.content()
        assert page.get_by_test_id("party-years").inner_text().startswith("10 年")
        page.screenshot(path=str(screenshot_dir / "members-detail-phone.png"), full_page=True)

        page.goto(f"{live_server.url}/members/")
        roster = page.locator("main").inner_text()
        assert "王**" in roster
        page.screenshot(path=str(screenshot_dir / "members-roster-phone.png"), full_page=True)
