"""The Content-Security-Policy in Chromium: the main pages run with nothing blocked.

Every page is loaded in Chromium with the strict policy (no ``'unsafe-inline'``) and used a
little — charts drawn and hovered (ECharts tooltips), HTMX forms and polled QR codes swapped
in, a confirmation asked, the citizen's region pickers, the tracking page of a real appeal —
and the page records every ``securitypolicyviolation`` event (the watcher in conftest.py,
which every browser test carries). Zero are allowed. Screenshots: csp-*.png.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from .conftest import WatchedBrowser, login


@pytest.fixture
def make_portal_appeal(world: Any) -> Any:
    """``make_portal_appeal()`` → (number, tracking code) of an appeal made through intake."""
    from shegong.appeals.choices import AppealKind, Channel
    from shegong.appeals.services.intake import IntakeData, submit_appeal

    def make() -> tuple[str, str]:
        appeal, code = submit_appeal(
            actor=None,
            data=IntakeData(
                kind=AppealKind.HL_COMPLAINT,
                channel=Channel.PORTAL,
                title="小区路灯不亮",
                body="北一社区3号楼前路灯坏了两周，晚上出行不安全。",
                region_id=world.north_one.pk,
                name="张三",
                phone="13912345678",
            ),
        )
        return appeal.number, code

    return make


def _settle(page: Any) -> None:
    """Let late work (charts, htmx loads, reported violations) finish before the next page."""
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(150)


def _visit(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status < 400, (url, response.status)
    assert "'unsafe-inline'" not in (response.headers.get("content-security-policy") or "x")
    _settle(page)


def _hover_chart(page: Any, test_id: str) -> None:
    chart = page.get_by_test_id(test_id)
    chart.locator("svg").first.wait_for()
    box = chart.bounding_box()
    assert box is not None
    for fx in (0.3, 0.5, 0.7):
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * 0.5)
        page.wait_for_timeout(120)


def _confirm_asks_first(page: Any) -> None:
    """<form data-sg-confirm> (core/page.js, instead of onsubmit=): "取消" keeps the page."""
    page.evaluate(
        """() => {
        const form = document.createElement("form");
        form.method = "get";
        form.action = "/portal/track/";
        form.setAttribute("data-sg-confirm", "确定吗？");
        form.innerHTML = '<button id="sg-confirm-test">去</button>';
        document.body.appendChild(form);
    }"""
    )
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("#sg-confirm-test")
    page.wait_for_timeout(300)
    assert (asked, page.url.endswith("/portal/")) == (["确定吗？"], True)


def test_staff_pages_run_under_the_policy(
    world: Any, live_server: Any, page: Any, browser: WatchedBrowser, screenshot_dir: Path
) -> None:
    from django.utils import timezone

    from shegong.core.tests.routes import demo_objects
    from shegong.organizations.services import coverage

    objs = demo_objects(world)
    coverage.take_snapshot(on=timezone.localdate() - timedelta(days=30))
    coverage.take_snapshot(on=timezone.localdate())
    base = live_server.url

    login(page, live_server, "street_north")
    _visit(page, f"{base}/")
    _visit(page, f"{base}{reverse('organizations:coverage')}")
    _hover_chart(page, "trend-chart")
    _hover_chart(page, "street-chart")
    page.screenshot(path=screenshot_dir / "csp-coverage.png", full_page=True)
    _visit(page, f"{base}{reverse('appeals:workbench')}")
    _visit(page, f"{base}{reverse('appeals:detail', kwargs={'pk': objs['appeal'].pk})}")
    _visit(page, f"{base}{reverse('appeals:ranking')}")
    months = page.locator("select[name=month] option")
    if months.count() > 1:  # the month picker submits itself (data-sg-autosubmit)
        with page.expect_navigation():
            page.select_option("select[name=month]", index=1)
        _settle(page)

    login(page, live_server, "vm_north")
    _visit(page, f"{base}{reverse('volunteers:slot', kwargs={'pk': objs['slot'].pk})}")
    page.get_by_test_id("checkin-qr").locator("svg").wait_for()
    _settle(page)
    _visit(page, f"{base}{reverse('volunteers:detail', kwargs={'pk': objs['volunteer'].pk})}")

    login(page, live_server, "secretary")
    meeting = objs["orglife_meeting"]
    _visit(page, f"{base}{reverse('orglife:meeting', kwargs={'pk': meeting.pk})}")
    page.screenshot(path=screenshot_dir / "csp-meeting.png", full_page=True)
    for name in ("study:home", "dues:home", "compliance:home"):
        _visit(page, f"{base}{reverse(name)}")

    login(page, live_server, "root")
    for url in ("/admin/", "/admin/core/auditevent/", "/api/docs"):
        _visit(page, f"{base}{url}")
    assert sorted(set(browser.csp_violations)) == []


def test_public_pages_run_under_the_policy(
    world: Any,
    live_server: Any,
    phone_page: Any,
    browser: WatchedBrowser,
    make_portal_appeal: Any,
    screenshot_dir: Path,
) -> None:
    page = phone_page
    base = live_server.url
    _visit(page, f"{base}/accounts/login/")
    page.screenshot(path=screenshot_dir / "csp-login.png")
    _visit(page, f"{base}/portal/")
    _confirm_asks_first(page)
    _visit(page, f"{base}/portal/submit/?stream=hotline")
    page.select_option("#id_district", label="东城区")  # the region pickers load over htmx
    page.locator("#id_street option", has_text="北街道").wait_for(state="attached")
    _settle(page)
    page.screenshot(path=screenshot_dir / "csp-portal-submit.png", full_page=True)

    number, code = make_portal_appeal()
    _visit(page, f"{base}/portal/track/")
    page.fill("input[name=number]", number)
    page.fill("input[name=code]", code)
    page.locator("form button[type=submit], form button:not([type])").first.click()
    page.wait_for_load_state()
    _settle(page)
    assert number in page.content()
    page.screenshot(path=screenshot_dir / "csp-track.png", full_page=True)

    _visit(page, f"{base}/portal/open/units/")
    _visit(page, f"{base}/volunteer/")
    _visit(page, f"{base}/volunteer/activities/")
    assert sorted(set(browser.csp_violations)) == []


def test_an_inline_script_would_be_reported(
    world: Any, live_server: Any, page: Any, browser: WatchedBrowser
) -> None:
    """The watcher works: a style attribute and a script put in by hand are blocked and seen."""
    _visit(page, f"{live_server.url}/portal/")
    page.evaluate(
        """() => {
        const div = document.createElement("div");
        div.innerHTML = '<p style="color:red">x</p><img src="x" onerror="window.hit=1">';
        document.body.appendChild(div);
        const s = document.createElement("script");
        s.textContent = "window.ran = 1";
        document.body.appendChild(s);
    }"""
    )
    page.wait_for_timeout(300)
    seen = list(browser.csp_violations)
    browser.csp_violations.clear()  # expected here: the autouse check must not fail the test
    assert {v.split(" | ")[0] for v in seen} >= {"style-src-attr", "script-src-elem"}, seen
