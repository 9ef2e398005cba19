"""A clerk's day (issue #12 §9): registration by a region cascade with one round of errors,
dispatch pickers ordered by the triage suggestion, the dispatcher reads 办理规则, the portal
receipt cites no draft standard."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from shegong.appeals.choices import AppealKind, Stream
from shegong.appeals.models import Appeal
from shegong.core.notify import ConsoleSmsSender

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    cache.clear()
    ConsoleSmsSender.outbox.clear()
    yield
    cache.clear()


# --- 办理规则 ---------------------------------------------------------------------------------


def test_dispatcher_reads_the_policies_page(world, client_for) -> None:
    response = client_for(world.dispatcher).get("/appeals/policies/")
    assert response.status_code == 200
    assert "办理规则" in response.content.decode()


def test_dispatcher_sees_policies_in_the_menu(world, client_for) -> None:
    page = client_for(world.dispatcher).get("/appeals/").content.decode()
    assert 'href="/appeals/policies/"' in page


def test_dispatcher_still_cannot_change_notice_templates(world) -> None:
    assert not world.dispatcher.has_capability("appeals.policy")


def test_handler_does_not_read_the_policies_page(world, client_for) -> None:
    assert client_for(world.handler_unit_a).get("/appeals/policies/").status_code == 403


# --- the portal receipt ----------------------------------------------------------------------


def _receipt(world: Any, stream: str, kind: str) -> str:
    citizen = Client()
    phone = "13912345678"
    citizen.post("/portal/sms-code/", {"phone": phone}, HTTP_HX_REQUEST="true")
    text = [t for to, t in ConsoleSmsSender.outbox if to == phone][-1]
    data = {
        "action": "submit",
        "stream": stream,
        "token": str(uuid.uuid4()),
        "kind": kind,
        "title": "小区路灯不亮",
        "body": "北一社区3号楼前路灯坏了两周，晚上出行不安全。",
        "district": str(world.district.pk),
        "street": str(world.north.pk),
        "community": str(world.north_one.pk),
        "address": "幸福路12号",
        "name": "张小明",
        "phone": phone,
        "sms_code": re.search(r"验证码是(\d{6})", text).group(1),  # type: ignore[union-attr]
        "id_number": "",
    }
    response = citizen.post(f"/portal/submit/?stream={stream}", data)
    assert response.status_code == 302, response.content.decode()[:1500]
    return citizen.get("/portal/receipt/").content.decode()


def test_hotline_receipt_cites_no_draft_standard(world) -> None:
    page = _receipt(world, Stream.HOTLINE, AppealKind.HL_COMPLAINT)
    assert "征求意见稿" not in page


def test_hotline_receipt_cites_no_other_citys_standard(world) -> None:
    page = _receipt(world, Stream.HOTLINE, AppealKind.HL_COMPLAINT)
    assert "DB11" not in page


def test_petition_receipt_still_cites_the_regulation(world) -> None:
    page = _receipt(world, Stream.PETITION, AppealKind.XF_CLAIM)
    assert "依据：信访工作条例（2022） 第二十二条" in page


def test_citable_basis_keeps_law_and_drops_drafts() -> None:
    from shegong.appeals.portal_views import citable_basis

    assert (
        citable_basis("北京市接诉即办工作条例 第十一条；DB11/T 2021（征求意见稿）")
        == "北京市接诉即办工作条例 第十一条"
    )


# --- registration: the place from a cascade, every error in one round -----------------------


def _register(client: Client, **overrides: Any) -> Any:
    data: dict[str, Any] = {
        "kind": AppealKind.HL_COMPLAINT,
        "channel": "phone",
        "urgency": "normal",
        "title": "楼道堆物",
        "body": "北一社区5号楼楼道长期堆放杂物，存在消防隐患。",
        "name": "赵六",
        "phone": "13700005555",
        "submission_id": uuid.uuid4().hex,
    }
    data.update(overrides)
    return client.post("/appeals/new/", data)


def test_registration_form_has_no_typed_region_code(world, client_for) -> None:
    page = client_for(world.street_north).get("/appeals/new/").content.decode()
    assert 'name="region_code"' not in page


def test_street_clerks_cascade_starts_at_their_street(world, client_for) -> None:
    page = client_for(world.street_north).get("/appeals/new/").content.decode()
    assert f'<option value="{world.north.pk}" selected>北街道</option>' in page


def test_street_clerks_cascade_offers_their_communities(world, client_for) -> None:
    page = client_for(world.street_north).get("/appeals/new/").content.decode()
    assert f'<option value="{world.north_one.pk}">北一社区</option>' in page


def test_street_clerks_cascade_offers_no_other_street(world, client_for) -> None:
    page = client_for(world.street_north).get("/appeals/new/").content.decode()
    assert "南一社区" not in page


def test_cascade_endpoint_lists_the_streets_of_the_chosen_district(world, client_for) -> None:
    response = client_for(world.dispatcher).get(
        "/appeals/new/regions/", {"region": [world.city.pk, world.district.pk]}
    )
    streets = re.search(r'id="r-region-2".*?</select>', response.content.decode()).group(0)  # type: ignore[union-attr]
    assert re.findall(r'<option value="\d+">([^<]+)</option>', streets) == ["北街道", "南街道"]


def test_cascade_endpoint_ignores_a_region_outside_the_scope(world, client_for) -> None:
    response = client_for(world.street_north).get(
        "/appeals/new/regions/", {"region": [world.south.pk, world.south_one.pk]}
    )
    assert "南一社区" not in response.content.decode()


def test_cascade_endpoint_ignores_a_stale_lower_choice(world, client_for) -> None:
    response = client_for(world.dispatcher).get(
        "/appeals/new/regions/",
        {"region": [world.city.pk, world.district_b.pk, world.north.pk]},
    )
    assert "已选：<strong>示范市西城区</strong>" in response.content.decode().replace(" ", "")


def test_region_search_finds_communities_in_scope(world, client_for) -> None:
    page = (
        client_for(world.street_north)
        .get("/appeals/new/regions/search/", {"region_q": "社区"})
        .content.decode()
    )
    assert re.findall(r">([^<>]*社区)</button>", page) == [
        world.north_one.full_name,
        "示范市东城区北街道北二社区",
    ]


def test_region_search_picks_into_the_cascade(world, client_for) -> None:
    response = client_for(world.street_north).get(
        "/appeals/new/regions/", {"pick_region": world.north_one.pk}
    )
    assert f'<option value="{world.north_one.pk}" selected>北一社区</option>' in (
        response.content.decode()
    )


def test_search_pick_without_javascript_keeps_the_typed_text(world, client_for) -> None:
    response = _register(
        client_for(world.street_north), pick_region=world.north_one.pk, title="保留的标题"
    )
    page = response.content.decode()
    assert (response.status_code, 'value="保留的标题"' in page) == (200, True)


def test_search_pick_without_javascript_saves_nothing(world, client_for) -> None:
    _register(client_for(world.street_north), pick_region=world.north_one.pk)
    assert not Appeal.objects.exists()


def test_registration_through_the_cascade(world, client_for) -> None:
    response = _register(
        client_for(world.street_north), region=[world.north.pk, world.north_one.pk]
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert Appeal.objects.get(title="楼道堆物").region == world.north_one


BAD = {
    "title": "",
    "body": "太短",
    "phone": "12345",
    "kind": AppealKind.XF_CLAIM,
    "name": "",
    "is_group": "on",
    "headcount": "abc",
    "address": "路" * 300,
}
ONE_ROUND = [
    "请填写标题（2–200字）",
    "请把事情经过和诉求写清楚（至少5个字）",
    "请选择发生地所在的区划",
    "信访事项请填写姓名",
    "集体访请推选代表并登记代表信息",
    "详细地点不超过255字",
]


@pytest.mark.parametrize("message", ONE_ROUND)
def test_every_error_is_shown_in_one_round(world, client_for, message) -> None:
    page = _register(client_for(world.street_north), **BAD).content.decode()
    assert message in page


def test_a_bad_phone_is_reported_with_the_other_errors(world, client_for) -> None:
    page = _register(client_for(world.street_north), **BAD).content.decode()
    assert re.search(r'id="r-phone"[^>]*>\s*<div class="invalid-feedback">[^<]+<', page)


def test_a_bad_headcount_is_reported_with_the_other_errors(world, client_for) -> None:
    page = _register(client_for(world.street_north), **BAD).content.decode()
    assert "集体访人数应不少于2人" in page


def test_errors_keep_what_was_typed(world, client_for) -> None:
    page = _register(client_for(world.street_north), **BAD).content.decode()
    assert 'value="12345"' in page


def test_errors_are_a_422_and_save_nothing(world, client_for) -> None:
    response = _register(client_for(world.street_north), **BAD)
    assert (response.status_code, Appeal.objects.exists()) == (422, False)


def test_error_summary_counts_every_problem(world, client_for) -> None:
    page = _register(client_for(world.street_north), **BAD).content.decode()
    summary = re.search(r'data-testid="register-errors">(.*?)</div>', page, re.S).group(1)  # type: ignore[union-attr]
    assert summary.count("<li>") == 8


# --- dispatch: searchable pickers, units in the triage suggestion's order -------------------

WAGES = {
    "title": "农民工工资被拖欠",
    "body": (
        "我们在北一社区工地干了半年，施工单位拖欠农民工工资三个月，一直不发，请劳动部门帮忙追讨。"
    ),
}


@pytest.fixture
def suggested(world, make_appeal) -> Any:
    """An appeal whose triage suggests 市教育局 (a routing rule), then the street office."""
    from shegong.triage import services as triage
    from shegong.triage.models import RoutingRule

    appeal, _ = make_appeal(**WAGES)
    category = triage.triage_appeal(appeal.pk).category_l1
    RoutingRule.objects.create(category_l1=category, region=world.district, unit=world.unit_b)
    triage.triage_appeal(appeal.pk)
    return appeal


def _lead_options(page: str) -> list[str]:
    select = re.search(r'id="d-lead".*?</select>', page, re.S).group(0)  # type: ignore[union-attr]
    return re.findall(r'<option value="\d+">([^<]+)</option>', select)


def test_dispatch_units_start_with_the_triage_suggestions(world, client_for, suggested) -> None:
    page = client_for(world.dispatcher).get(f"/appeals/{suggested.pk}/").content.decode()
    assert _lead_options(page)[:2] == [world.unit_b.name, world.street_unit_n.name]


def test_dispatch_units_list_each_unit_once(world, client_for, suggested) -> None:
    page = client_for(world.dispatcher).get(f"/appeals/{suggested.pk}/").content.decode()
    options = _lead_options(page)
    assert len(options) == len(set(options))


def test_dispatch_units_still_offer_every_unit(world, client_for, suggested) -> None:
    from shegong.appeals.services.workflow import dispatch_targets

    page = client_for(world.dispatcher).get(f"/appeals/{suggested.pk}/").content.decode()
    assert sorted(_lead_options(page)) == sorted(u.name for u in dispatch_targets())


@pytest.mark.parametrize("select_id", ["d-lead", "d-assist", "d-category"])
def test_dispatch_pickers_are_searchable(world, client_for, suggested, select_id) -> None:
    page = client_for(world.dispatcher).get(f"/appeals/{suggested.pk}/").content.decode()
    assert re.search(rf'<select[^>]*id="{select_id}"[^>]*data-sg-filter="[^"]+"', page)


def test_cascade_reads_the_selects_in_any_order(world, client_for) -> None:
    """HTMX sends the changed select's value first, before the included ones."""
    response = client_for(world.street_north).get(
        "/appeals/new/regions/", {"region": [world.north_one.pk, world.north.pk]}
    )
    assert f"已选：<strong>{world.north_one.full_name}</strong>" in response.content.decode()


def test_accused_units_are_picked_from_a_searchable_list(world, client_for) -> None:
    page = client_for(world.street_north).get("/appeals/new/").content.decode()
    assert re.search(r'<select[^>]*name="accused_units"[^>]*multiple[^>]*data-sg-filter=', page)


def test_accused_units_are_not_typed_codes(world, client_for) -> None:
    page = client_for(world.street_north).get("/appeals/new/").content.decode()
    assert 'name="accused_unit_codes"' not in page


def test_registration_with_a_picked_accused_unit(world, client_for) -> None:
    response = _register(
        client_for(world.street_north),
        kind=AppealKind.XF_ACCUSATION,
        region=[world.north.pk, world.north_one.pk],
        accused_units=[world.unit_a.pk],
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert list(Appeal.objects.get(title="楼道堆物").accused_units.all()) == [world.unit_a]


@pytest.mark.parametrize("path", ["/appeals/new/regions/", "/appeals/new/regions/search/"])
def test_region_picker_endpoints_need_the_register_capability(world, client_for, path) -> None:
    assert client_for(world.handler_unit_a).get(path, {"region_q": "社区"}).status_code == 403


def test_region_search_shows_nothing_outside_the_scope(world, client_for) -> None:
    page = (
        client_for(world.street_south)
        .get("/appeals/new/regions/search/", {"region_q": "北一"})
        .content.decode()
    )
    assert "管辖范围内没有名称含“北一”的区划" in page


def test_next_level_without_javascript(world, client_for) -> None:
    response = _register(
        client_for(world.dispatcher), action="regions", region=[world.city.pk, world.district.pk]
    )
    assert f'<option value="{world.north.pk}">北街道</option>' in response.content.decode()
