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


def wait_for_panels(page: Any) -> None:
    """Every panel loaded (each comes by its own HTMX request after the page)."""
    pending = page.locator("[data-cockpit-pending]")
    for _ in range(300):
        if not pending.count():
            return
        time.sleep(0.1)
    raise AssertionError("panels still loading: " + ", ".join(pending.all_inner_texts()))


def wait_for_chart(page: Any, key: str) -> Any:
    """The bars of one chart (ECharts draws SVG paths once the script has run)."""
    bars = page.locator(f'[data-cockpit-figure="{key}"] svg path[fill="#c8161d"]')
    for _ in range(300):
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
                wait_for_panels(page)
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


APRIL = datetime(2026, 4, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def make_suggestions_hotspots_and_study(world: Any) -> None:
    """Adopted suggestions (北一 ×2 采纳 + 1 部分采纳, 南一 ×1 采纳), a hotspot in 北街道 and
    members' study records, all through the apps' services."""
    from datetime import date, timedelta
    from decimal import Decimal

    from shegong.organizations.services import orgs
    from shegong.reports.tests.conftest import maker
    from shegong.study.services import plans
    from shegong.study.testing import make_member
    from shegong.suggestions.services import evaluation as ev
    from shegong.suggestions.tests.conftest import Builder
    from shegong.triage import services as triage
    from shegong.triage.hotspots import compute_hotspots

    b = Builder(world)
    for day, region, outcome in [
        (2, world.north_one, "adopted"),
        (9, world.north_one, "adopted"),
        (12, world.north_one, "partly"),
        (5, world.south_one, "adopted"),
    ]:
        when = APRIL.replace(day=day, hour=9)
        appeal = b.suggestion(now=when, region_id=region.pk)
        b.dispatch(appeal, world.unit_a, now=when + timedelta(hours=1))
        ev.start_evaluation(
            actor=world.dispatcher, appeal_id=appeal.pk, now=when + timedelta(hours=2)
        )
        ev.evaluate_suggestion(
            actor=world.handler_unit_a,
            appeal_id=appeal.pk,
            outcome=outcome,
            reasons="建议可行，予以研究落实",
            conversion_target="benefit",
            now=when + timedelta(days=2),
        )
    make = maker(world)
    for minute in range(5):
        make(
            now=APRIL.replace(hour=8, minute=minute),
            title="农民工工资被拖欠",
            body="我们在工地干了半年，施工单位拖欠农民工工资三个月，一直不发，请帮忙追讨。",
        )
    triage.triage_pending(now=APRIL.replace(hour=8, minute=30))
    compute_hotspots(now=APRIL.replace(hour=9), notify_top=0)
    branch = orgs.create_organization(
        actor=world.root,
        code="S-N1",
        name="北一社区党支部",
        kind="branch",
        region_id=world.north_one.pk,
        formal_members=3,
    )
    for i, hours in enumerate(("2.5", "4.0")):
        plans.add_record(
            actor=world.dept_admin,
            kind="online",
            title="学习党的二十届全会精神",
            studied_on=date(2026, 4, 3 + i),
            hours=Decimal(hours),
            member_id=make_member(branch, name=f"北{i}").pk,
        )


def test_a_leader_sees_suggestions_hotspots_and_study_and_drills_into_adopted_suggestions(
    world: Any, live_server: Any, browser: Any, screenshot_dir: Path
) -> None:
    with time_machine.travel(APRIL, tick=True):
        make_suggestions_hotspots_and_study(world)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)
            login(page, live_server, "district_leader")
            page.goto(f"{live_server.url}/cockpit/?start=2026-04-01&end=2026-04-20")
            wait_for_panels(page)
            kpi = page.get_by_test_id("figure-suggestions.kpi")
            assert kpi.get_by_test_id("kpi-3").locator(".sg-stat").inner_text() == "3"  # 采纳
            hotspots = page.get_by_test_id("figure-hotspots.table")
            assert "北街道·" in hotspots.locator("tbody").inner_text()
            study = page.get_by_test_id("figure-study.kpi")
            assert study.get_by_test_id("kpi-1").locator(".sg-stat").inner_text() == "6.5"
            bars = wait_for_chart(page, "suggestions.adopted_by_region")
            page.get_by_test_id("panel-hotspots").scroll_into_view_if_needed()
            page.screenshot(path=str(screenshot_dir / "cockpit-suggestions-hotspots.png"))
            page.get_by_test_id("panel-study").scroll_into_view_if_needed()
            page.screenshot(path=str(screenshot_dir / "cockpit-study.png"))
            # The widest red (采纳) bar is 北街道's two adopted suggestions.
            widths = [
                (bars.nth(i).bounding_box() or {"width": 0})["width"] for i in range(bars.count())
            ]
            widest = bars.nth(widths.index(max(widths)))
            widest.scroll_into_view_if_needed()
            widest.click(force=True)
            page.wait_for_url("**/suggestions/**")
            assert "outcome=adopted" in page.url
            assert f"region={world.north.pk}" in page.url
            rows = page.get_by_test_id("suggestion-table").locator("tbody tr")
            assert rows.count() == 2
            # The list says which filters the bar applied (docs/cockpit.md).
            applied = page.get_by_test_id("drill-filters").inner_text()
            assert "登记日期 2026-04-01 至 2026-04-20；区划 北街道（含下级）" in applied
            page.screenshot(path=str(screenshot_dir / "cockpit-suggestions-drill-down.png"))
        finally:
            context.close()
