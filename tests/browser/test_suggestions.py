"""人民建议征集 and the public transparency page in a real browser.

A citizen on a phone opens an open theme and goes to the suggestion form with the theme
attached; the public reads the anonymised closed appeals and the monthly unit figures
(ECharts bar chart beside its table); a clerk evaluates a suggestion on the staff page.
Screenshots: suggestions-*.png and transparency-*.png (docs/screenshots with
``SHEGONG_SCREENSHOTS=1``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from .conftest import login

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _appeal(world: Any, **overrides: Any) -> Any:
    from shegong.appeals.choices import AppealKind, Channel
    from shegong.appeals.services.intake import IntakeData, submit_appeal

    values: dict[str, Any] = {
        "kind": AppealKind.PEOPLE_SUGGESTION,
        "channel": Channel.PORTAL,
        "title": "建议在北一社区增设口袋公园",
        "body": "北一社区3号楼旁有块空地，建议改造成口袋公园。我叫张三，电话13912345678。",
        "region_id": world.north_one.pk,
        "name": "张三",
        "phone": PHONE,
    }
    values.update(overrides)
    now = values.pop("now", None)
    appeal, _ = submit_appeal(actor=None, data=IntakeData(**values), now=now)
    return appeal


def _handle(world: Any, appeal: Any, unit: Any, reply: str, close: bool = True, now: Any = None):
    from shegong.appeals.services import workflow as wf

    handlers = {world.unit_a.pk: world.handler_unit_a, world.unit_b.pk: world.handler_unit_b}
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=unit.pk, now=now)
    order = appeal.work_orders.get()
    wf.sign_order(actor=handlers[unit.pk], order_id=order.pk, now=now)
    if reply:
        wf.reply_order(actor=handlers[unit.pk], order_id=order.pk, text=reply)
        if close:
            wf.close_appeal(actor=world.dispatcher, appeal_id=appeal.pk)
    appeal.refresh_from_db()
    return appeal


def _theme(world: Any) -> Any:
    from django.utils import timezone

    from shegong.suggestions.services import themes as th

    today = timezone.localdate()
    theme = th.create_theme(
        actor=world.dispatcher,
        data=th.ThemeData(
            title="每月一题：老旧小区加装电梯怎么推进",
            description=(
                "全市还有不少六层以下的老旧住宅没有电梯。请围绕以下问题提出建议：\n"
                "1. 楼内居民意见不一致时怎样协商；\n2. 建设和维护费用怎样分摊；\n"
                "3. 施工期间怎样减少对居民的影响。"
            ),
            background="加装电梯是群众反映集中的“关键小事”，市政府已列入年度民生实事项目。",
            channel_note="也可来信寄至市委社会工作部人民建议征集办公室",
            start_date=today - timedelta(days=3),
            end_date=today + timedelta(days=27),
            owner_unit_id=world.dept.pk,
        ),
    )
    th.publish_theme(actor=world.dispatcher, theme_id=theme.pk)
    return theme


def _shoot(page: Any, path: Any) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate(
        "document.querySelectorAll('.sgp-actionbar').forEach(e => e.style.position = 'static')"
    )
    page.screenshot(path=path, full_page=True)
    page.evaluate("document.querySelectorAll('.sgp-actionbar').forEach(e => e.style.position = '')")


def _no_sideways_scroll(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"page is {scroll}px wide on a {width}px screen"


def test_citizen_opens_a_theme_on_a_phone(
    world: Any, live_server: Any, phone_page: Any, screenshot_dir: Any
) -> None:
    theme = _theme(world)
    page = phone_page
    page.goto(f"{live_server.url}/portal/themes/")
    page.get_by_test_id("open-theme").first.wait_for()
    _no_sideways_scroll(page, 390)
    _shoot(page, screenshot_dir / "suggestions-portal-themes.png")

    page.get_by_test_id("open-theme").first.click()
    page.wait_for_url(re.compile(rf"/portal/themes/{theme.pk}/$"))
    assert page.get_by_test_id("theme-title").inner_text() == theme.title
    assert page.get_by_test_id("theme-state").inner_text() == "征集中"
    button = page.get_by_test_id("suggest-button")
    box = button.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 844 + 1, box  # sticky at the bottom of the screen
    _no_sideways_scroll(page, 390)
    _shoot(page, screenshot_dir / "suggestions-portal-theme.png")

    button.click()
    page.wait_for_url(re.compile(rf"/portal/submit/\?stream=suggestion&theme={theme.pk}$"))
    assert page.locator("#portal-form").count() == 1


def _publish_world(world: Any) -> list[Any]:
    from django.utils import timezone

    from shegong.appeals.choices import AppealKind
    from shegong.suggestions.services import grant_publication

    long_ago = timezone.now() - timedelta(days=12)
    rows = [
        (
            AppealKind.HL_COMPLAINT,
            "北一社区3号楼门口路灯不亮",
            "我叫张三，电话13912345678。3号楼门口路灯坏了两周，老人晚上出门不方便，请尽快修复。",
            world.unit_a,
            "经现场核实，灯具老化损坏，已于本周更换新灯具并恢复照明。已联系张三说明情况。",
            None,
        ),
        (
            AppealKind.HL_COMPLAINT,
            "南一社区垃圾清运不及时",
            "南一社区西门垃圾桶经常满溢，夏天气味很大，希望增加清运次数。",
            world.unit_b,
            "已协调环卫部门将清运频次由每日一次调整为每日两次，并加装一组分类垃圾桶。",
            long_ago,
        ),
        (
            AppealKind.PEOPLE_SUGGESTION,
            "建议在北一社区增设口袋公园",
            "北一社区3号楼旁有块空地长期闲置，建议改造成口袋公园，方便老人孩子休息。",
            world.unit_a,
            "建议可行，已纳入明年口袋公园建设计划，感谢您的建议。",
            None,
        ),
    ]
    appeals = []
    for kind, title, body, unit, reply, when in rows:
        region = world.south_one if "南一" in title else world.north_one
        appeal = _appeal(world, kind=kind, title=title, body=body, region_id=region.pk, now=when)
        grant_publication(appeal)
        appeals.append(_handle(world, appeal, unit, reply, now=when))
    # Unpublished work so the unit figures have some depth.
    _handle(
        world,
        _appeal(world, kind=AppealKind.HL_HELP, title="求助", body="求助内容写清楚。"),
        world.unit_a,
        "",
    )
    _handle(
        world,
        _appeal(world, kind=AppealKind.HL_CONSULT, title="咨询政策", body="咨询内容。"),
        world.unit_b,
        "已电话答复政策口径。",
        close=False,
    )
    return appeals


def test_public_transparency_pages(
    world: Any, live_server: Any, page: Any, phone_page: Any, screenshot_dir: Any
) -> None:
    _publish_world(world)
    base = live_server.url

    page.goto(f"{base}/portal/open/")
    items = page.get_by_test_id("open-item")
    assert items.count() == 3
    content = page.content()
    for leaked in ("张三", "13912345678", "3号楼"):
        assert leaked not in content, leaked
    page.screenshot(path=screenshot_dir / "transparency-list.png", full_page=True)

    phone_page.goto(f"{base}/portal/open/")
    phone_page.get_by_test_id("open-item").filter(has_text="路灯").click()
    phone_page.get_by_test_id("open-reply").wait_for()
    assert "更换新灯具" in phone_page.get_by_test_id("open-reply").inner_text()
    assert "张三" not in phone_page.content()
    _no_sideways_scroll(phone_page, 390)
    _shoot(phone_page, screenshot_dir / "transparency-detail.png")

    page.goto(f"{base}/portal/open/units/")
    chart = page.get_by_test_id("unit-chart")
    chart.locator("svg").wait_for()
    assert chart.locator("svg path").count() > 0
    table = page.get_by_test_id("unit-table")
    assert "市住建局" in table.inner_text()
    assert "统计口径" in page.get_by_test_id("definitions").inner_text()
    # Chart and table sit side by side on a desktop screen.
    chart_box, table_box = chart.bounding_box(), table.bounding_box()
    assert chart_box is not None
    assert table_box is not None
    assert chart_box["x"] + chart_box["width"] <= table_box["x"], (chart_box, table_box)
    _no_sideways_scroll(page, 1280)
    page.screenshot(path=screenshot_dir / "transparency-units.png", full_page=True)

    # On a phone the chart stacks above the table and nothing scrolls sideways.
    phone_page.goto(f"{base}/portal/open/units/")
    phone_page.get_by_test_id("unit-chart").locator("svg").wait_for()
    _no_sideways_scroll(phone_page, 390)
    _shoot(phone_page, screenshot_dir / "transparency-units-phone.png")

    # The table's unit link opens that unit's public records.
    table.get_by_role("link", name="市住建局").click()
    page.wait_for_url(re.compile(r"/portal/open/\?unit=\d+&month="))
    assert page.get_by_test_id("open-item").count() == 2


def test_clerk_evaluates_a_suggestion(
    world: Any, live_server: Any, page: Any, screenshot_dir: Any
) -> None:
    from django.utils import timezone

    from shegong.suggestions.models import SuggestionEvaluation
    from shegong.suggestions.services import evaluation as ev
    from shegong.suggestions.services import themes as th

    theme = _theme(world)
    suggestion = _handle(world, _appeal(world), world.unit_a, "", close=False)
    th.link_appeal_to_theme(actor=world.dispatcher, appeal_id=suggestion.pk, theme_id=theme.pk)
    ev.start_evaluation(actor=world.dispatcher, appeal_id=suggestion.pk)
    late = _handle(
        world,
        _appeal(
            world,
            title="建议延长社区食堂营业时间",
            body="建议社区食堂晚上营业到七点半，方便上班族。",
        ),
        world.unit_a,
        "",
        close=False,
    )
    ev.start_evaluation(
        actor=world.dispatcher, appeal_id=late.pk, days=5, now=timezone.now() - timedelta(days=9)
    )

    login(page, live_server, "handler_unit_a")
    page.goto(f"{live_server.url}/suggestions/")
    overdue = page.locator("tr[data-overdue='1']")
    assert overdue.count() == 1
    assert late.number in overdue.inner_text()
    page.screenshot(path=screenshot_dir / "suggestions-list.png", full_page=True)

    page.goto(f"{live_server.url}/suggestions/{suggestion.pk}/")
    form = page.get_by_test_id("evaluate-form")
    form.locator("select[name=outcome]").select_option("adopted")
    form.locator("textarea[name=reasons]").fill("同意")
    form.get_by_role("button", name="保存评估结论").click()
    # Too short for the service (reasons of at least 5 characters): it answers in the panel.
    page.get_by_test_id("evaluation-panel").locator(".alert-danger").wait_for()
    assert "评估理由" in page.get_by_test_id("evaluation-panel").inner_text()

    form = page.get_by_test_id("evaluate-form")
    form.locator("select[name=outcome]").select_option("adopted")
    form.locator("textarea[name=reasons]").fill(
        "空地权属清晰、改造成本低，予以采纳，纳入明年口袋公园建设计划。"
    )
    form.locator("select[name=conversion_target]").select_option("benefit")
    form.get_by_role("button", name="保存评估结论").click()
    page.get_by_test_id("outcome").filter(has_text="采纳").wait_for()
    milestone = page.get_by_test_id("milestone-form")
    milestone.locator("input[name=title]").fill("完成口袋公园设计方案")
    milestone.locator("input[name=due_date]").fill(
        (timezone.localdate() + timedelta(days=60)).isoformat()
    )
    milestone.get_by_role("button", name="添加").click()
    page.get_by_test_id("milestones").get_by_text("完成口袋公园设计方案").wait_for()
    assert SuggestionEvaluation.objects.get(appeal=suggestion).outcome == "adopted"
    page.screenshot(path=screenshot_dir / "suggestions-detail.png", full_page=True)
