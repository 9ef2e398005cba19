"""Accessibility (GB/T 37668-2019 信息无障碍, WCAG 2.x AA): every page passes axe-core.

The public pages and every staff page a role's menu leads to — plus the pages one step
further (an appeal, a region, a unit) and the workbench's tabs — are loaded in Chromium and
checked with axe-core (vendored in the ``axe-playwright-python`` package, no network). A
failure lists each page with the rules it breaks and the first offending elements.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import login

# Roles whose menus together reach every staff page.
ROLES = [
    "dispatcher",
    "street_north",
    "handler_unit_a",
    "leader",
    "dept_admin",
    "auditor",
    "secretary",
]
PUBLIC = [
    "/portal/",
    "/portal/submit/?stream=hotline",
    "/portal/submit/?stream=xf",
    "/portal/track/",
    "/portal/themes/",
    "/portal/open/",
    "/portal/open/units/",
    "/accounts/login/",
    "/volunteer/login/",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture(scope="module")
def axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _violations(axe: Any, page: Any) -> list[str]:
    result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    found = []
    for violation in result.response["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        found.append(f"{violation['id']} ({violation['help']}): {targets}")
    return found


def _check(axe: Any, page: Any, url: str, failures: dict[str, list[str]]) -> None:
    from playwright.sync_api import Error

    try:
        response = page.goto(url)
    except Error as exc:  # an error status with no body: report it with the rest
        failures[url] = [str(exc).splitlines()[0]]
        return
    status = response.status if response is not None else 0
    if not 200 <= status < 400:
        failures[url] = [f"HTTP {status}"]
        return
    found = _violations(axe, page)
    if found:
        failures[url] = found


def _staff_urls(username: str, appeal_pk: int, world: Any) -> list[str]:
    from shegong.accounts.models import User
    from shegong.core.nav import nav_for

    user = User.objects.get(username=username)
    urls = ["/"] + [item["url"] for s in nav_for(user) for item in s["items"]]
    if user.has_capability("appeals.view"):
        urls += [
            f"/appeals/{appeal_pk}/",
            "/appeals/?queue=to_dispatch",
            "/appeals/?queue=overdue",
        ]
    if user.has_capability("appeals.register"):
        urls.append("/appeals/new/")
    if user.has_capability("appeals.person_history"):
        urls.append(f"/appeals/{appeal_pk}/history/")
    if user.has_capability("regions.view"):
        urls.append(f"/regions/{world.north.pk}/")
    if user.has_capability("units.view"):
        urls.append(f"/units/{world.unit_a.pk}/")
    # Forms and pages one step from the menu.
    for capability, more in EXTRA.items():
        if user.has_capability(capability):
            urls += [u.format(world=world) for u in more]
    return [*urls, "/notifications/", "/accounts/password/"]


EXTRA = {
    "regions.manage": ["/regions/import/"],
    "units.manage": ["/units/new/", "/units/{world.unit_a.pk}/edit/"],
    "accounts.manage": [
        "/accounts/users/new/",
        "/accounts/users/{world.dispatcher.pk}/",
    ],
    "suggestions.manage": ["/suggestions/themes/new/"],
    "organizations.import": ["/organizations/entities/import/"],
    "volunteers.manage": ["/volunteers/new/", "/volunteers/honours/"],
    "volunteers.activities": ["/volunteers/activities/new/"],
}


@pytest.fixture
def appeal(world: Any) -> Any:
    from shegong.appeals.choices import AppealKind, Channel
    from shegong.appeals.services import workflow as wf
    from shegong.appeals.services.intake import IntakeData, submit_appeal

    appeal, _ = submit_appeal(
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
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    return appeal


def test_public_pages_pass_axe(world: Any, live_server: Any, page: Any, axe: Any) -> None:
    failures: dict[str, list[str]] = {}
    for path in PUBLIC:
        _check(axe, page, f"{live_server.url}{path}", failures)
    assert failures == {}


def test_every_staff_page_passes_axe(
    world: Any, live_server: Any, browser: Any, axe: Any, appeal: Any
) -> None:
    failures: dict[str, list[str]] = {}
    seen: set[str] = set()
    role_shaped = {"/", "/appeals/", f"/appeals/{appeal.pk}/", "/notifications/"}
    for username in ROLES:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            login(page, live_server, username)
            for path in _staff_urls(username, appeal.pk, world):
                # Role-shaped pages (home, workbench, appeal) are checked per role; the rest once.
                key = f"{username}:{path}" if path in role_shaped else path
                if key in seen:
                    continue
                seen.add(key)
                _check(axe, page, f"{live_server.url}{path}", failures)
        finally:
            context.close()
    report = "\n".join(f"{url}\n  " + "\n  ".join(v) for url, v in failures.items())
    assert failures == {}, report


def test_error_pages_pass_axe(world: Any, live_server: Any, browser: Any, axe: Any) -> None:
    """The 404/403 pages a person lands on are pages too: in the public shell for nobody, in
    the staff shell for someone signed in."""
    failures: dict[str, list[str]] = {}
    statuses: dict[str, int] = {}
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        for label, path in [("public 404", "/portal/no-such-page/")]:
            response = page.goto(f"{live_server.url}{path}")
            statuses[label] = response.status if response is not None else 0
            if found := _violations(axe, page):
                failures[label] = found
        login(page, live_server, "auditor")
        for label, path in [("staff 404", "/no-such-page/"), ("staff 403", "/units/")]:
            response = page.goto(f"{live_server.url}{path}")
            statuses[label] = response.status if response is not None else 0
            if found := _violations(axe, page):
                failures[label] = found
    finally:
        context.close()
    assert statuses == {"public 404": 404, "staff 404": 404, "staff 403": 403}
    assert failures == {}
