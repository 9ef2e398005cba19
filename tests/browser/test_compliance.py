"""A branch secretary on a phone watches the quarter turn compliant: the page shows the
December 主题党日 missing; a held 主题党日 with attendance is recorded (through the orglife
contract rows: orglife's own pages are built in parallel); 重新检查 runs the engine and the
page shows the quarter compliant. The clock is pinned (20 December 2026)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from .conftest import login

NOW = datetime(2026, 12, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
Q4_HELD = [
    ("assembly", date(2026, 10, 20)),
    ("committee", date(2026, 10, 8)),
    ("committee", date(2026, 11, 8)),
    ("committee", date(2026, 12, 8)),
    ("group", date(2026, 10, 9)),
    ("group", date(2026, 11, 9)),
    ("group", date(2026, 12, 9)),
    ("lecture", date(2026, 11, 15)),
    ("theme_day", date(2026, 10, 10)),
    ("theme_day", date(2026, 11, 10)),
    ("org_life", date(2026, 12, 5)),
    ("evaluation", date(2026, 12, 6)),
    ("heart_talk", date(2026, 7, 6)),
]


def test_secretary_watches_the_quarter_turn_compliant(
    world: Any, live_server: Any, phone_page: Any, screenshot_dir: Path
) -> None:
    from shegong.compliance import testing as t
    from shegong.compliance.models import BranchQuarter
    from shegong.organizations.models import OrgAdministrator
    from shegong.organizations.services import orgs

    with time_machine.travel(NOW, tick=True):
        branch = orgs.create_organization(
            actor=world.root,
            code="BR-PHONE",
            name="北一社区第一党支部",
            kind="branch",
            region_id=world.north_one.pk,
        )
        OrgAdministrator.objects.create(user=world.users["secretary"], organization=branch)
        people = [t.member(branch.pk, joined=date(2020, 1, 1)) for _ in range(3)]
        for kind, day in Q4_HELD:
            t.meeting(branch.pk, kind, day, present=people)
        page = phone_page
        page.set_default_timeout(30_000)  # the live server shares two busy cores
        login(page, live_server, "secretary")
        page.goto(f"{live_server.url}/compliance/")
        verdict = page.get_by_test_id("verdict")
        assert verdict.inner_text().strip() == "本季度尚缺 1 次会议"
        theme = page.get_by_test_id("kind").filter(has_text="主题党日")
        assert "2026-12：缺 1 次，还剩 11 天" in theme.inner_text()
        page.screenshot(path=str(screenshot_dir / "compliance-secretary-missing.png"))

        t.meeting(branch.pk, "theme_day", date(2026, 12, 19), present=people)
        page.get_by_role("button", name="重新检查").click()
        page.wait_for_load_state()
        assert page.get_by_test_id("verdict").inner_text().strip() == "本季度应开会议均已召开"
        page.screenshot(path=str(screenshot_dir / "compliance-secretary-compliant.png"))
        row = BranchQuarter.objects.get(organization=branch, quarter=2026 * 4 + 3)
        assert row.missing == 0
