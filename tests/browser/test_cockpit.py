"""A district leader and the city leader open the cockpit (their home page), see different
figures, click a bar and land on exactly the records it counts. The clock is pinned
(20 March 2026)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from .conftest import login

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def make_appeals(world: Any) -> None:
    from shegong.appeals.choices import AppealKind, Channel
    from shegong.appeals.services.intake import IntakeData, submit_appeal

    for day, region in [
        (2, world.north_one),
        (3, world.north_one),
        (9, world.north_one),
        (3, world.south_one),
        (5, world.district_b),
    ]:
        submit_appeal(
            actor=None,
            data=IntakeData(
                kind=AppealKind.HL_COMPLAINT,
                channel=Channel.PORTAL,
                title="小区路灯不亮",
                body="三号楼前路灯坏了两周，晚上出行不安全。",
                region_id=region.pk,
                name="张三",
                phone="13912345678",
            ),
            now=NOW.replace(day=day, hour=9),
        )


def registered(page: Any) -> str:
    figure = page.get_by_test_id("figure-appeals.kpi")
    return figure.get_by_test_id("kpi-1").locator(".sg-stat").inner_text().strip()


def wait_for_chart(page: Any, key: str) -> Any:
    """The bars of one chart (ECharts draws SVG paths once the script has run)."""
    bars = page.locator(f'[data-cockpit-figure="{key}"] svg path[fill="#c8161d"]')
    for _ in range(100):
        if bars.count():
            return bars
        time.sleep(0.1)
    raise AssertionError(f"chart {key} was not drawn")


def test_leaders_see_their_own_figures_and_drill_into_a_bar(
    world: Any, live_server: Any, browser: Any, screenshot_dir: Path
) -> None:
    with time_machine.travel(NOW, tick=True):
        make_appeals(world)
        period = "?start=2026-03-01&end=2026-03-20"
        seen = {}
        for username in ("leader", "district_leader"):
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            try:
                page = context.new_page()
                page.set_default_timeout(30_000)  # the live server shares two busy cores
                login(page, live_server, username)
                assert page.url.endswith("/cockpit/")  # the leader's home is the cockpit
                page.goto(f"{live_server.url}/cockpit/{period}")
                seen[username] = registered(page)
                bars = wait_for_chart(page, "appeals.by_region")
                page.screenshot(
                    path=str(screenshot_dir / f"cockpit-{username}.png"), full_page=True
                )
                if username == "district_leader":
                    # The widest bar (the legend's swatch is drawn in the same colour) is the
                    # region with most appeals: 北街道 (3).
                    widths = [
                        (bars.nth(i).bounding_box() or {"width": 0})["width"]
                        for i in range(bars.count())
                    ]
                    widest = bars.nth(widths.index(max(widths)))
                    widest.scroll_into_view_if_needed()
                    widest.click(force=True)  # Playwright clicks the centre, in view
                    page.wait_for_url("**/appeals/search/**")
                    rows = page.get_by_test_id("search-table").locator("tbody tr")
                    assert rows.count() == 3
                    assert "region=" + str(world.north.pk) in page.url
                    page.screenshot(path=str(screenshot_dir / "cockpit-drill-down.png"))
            finally:
                context.close()
        assert seen == {"leader": "5", "district_leader": "4"}
