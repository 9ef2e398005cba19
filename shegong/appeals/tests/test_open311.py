"""Open311 GeoReport v2 (JSON), driven through a client written from the spec."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from shegong.appeals.choices import AppealKind, AppealStatus, Channel, Stream, Urgency
from shegong.appeals.models import Appeal, IdempotencyRecord, WorkOrder
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.intake import find_by_tracking
from shegong.lib.text import INVALID_UTF8
from shegong.regions.services import load_boundaries
from tests.open311_client import Open311Client, Open311Error

from .conftest import at

pytestmark = pytest.mark.django_db

DESCRIPTION = "北一社区3号楼前路灯坏了两周，晚上出行不安全，老人孩子经常摔倒，请尽快修复。"
CODE = re.compile(r"查询码：([2-9A-HJ-NP-Z]{8})，请妥善保存")


@pytest.fixture
def api() -> Open311Client:
    # CSRF checks on, as for a real browser-less client: the POST must not need a token.
    return Open311Client.for_django(Client(enforce_csrf_checks=True))


def submit(api: Open311Client, world: Any, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "service_code": AppealKind.HL_COMPLAINT,
        "description": DESCRIPTION,
        "attribute": {"region_code": world.north_one.code},
    }
    fields.update(overrides)
    return api.create(**fields)


def iso(value: Any) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def refused(call: Any, *args: Any, **kwargs: Any) -> Open311Error:
    with pytest.raises(Open311Error) as info:
        call(*args, **kwargs)
    return info.value


# --- services --------------------------------------------------------------------------------


def test_services_list_every_kind_with_stream_group(api: Open311Client) -> None:
    services = api.services()
    assert [s["service_code"] for s in services] == list(AppealKind.values)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["hl_complaint"]["service_name"] == "热线·投诉"
    assert by_code["hl_complaint"]["group"] == "12345热线"
    assert by_code["xf_claim"]["group"] == "信访"
    assert by_code["people_suggestion"]["group"] == "人民建议"
    assert all(s["type"] == "realtime" and s["metadata"] is True for s in services)
    assert all(s["description"] and s["keywords"] for s in services)


def test_service_definition_attributes(api: Open311Client) -> None:
    definition = api.service("hl_help")
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert list(attributes) == ["region_code", "urgency", "confidential", "title", "submission_id"]
    # Not required: address_string (region names) or lat/long (boundaries) locate it too.
    assert attributes["region_code"]["required"] is False
    assert attributes["region_code"]["datatype"] == "string"
    assert [v["key"] for v in attributes["urgency"]["values"]] == list(Urgency.values)
    assert attributes["urgency"]["required"] is False
    assert [v["key"] for v in attributes["confidential"]["values"]] == ["true", "false"]
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3, 4, 5]


def test_unknown_service_is_404(api: Open311Client) -> None:
    error = refused(api.service, "pothole")
    assert error.status == 404
    assert "未知的服务类型" in error.description


# --- submit and track ------------------------------------------------------------------------


def test_submit_and_track(api: Open311Client, world: Any) -> None:
    created = submit(
        api,
        world,
        first_name="三",
        last_name="张",
        phone="13912345678",
        email="zhang@example.com",
        address_string="幸福路8号",
        attribute={"region_code": world.north_one.code, "urgency": "utility"},
    )
    number = created["service_request_id"]
    assert created["account_id"] is None
    assert created["token"] is None
    match = CODE.search(created["service_notice"])
    assert match, created["service_notice"]
    appeal = find_by_tracking(number, match.group(1))
    assert appeal is not None
    assert (appeal.channel, appeal.kind, appeal.stream) == (
        Channel.API,
        AppealKind.HL_COMPLAINT,
        Stream.HOTLINE,
    )
    assert appeal.urgency == Urgency.UTILITY
    assert appeal.region == world.north_one
    assert appeal.address == "幸福路8号"
    assert appeal.title == DESCRIPTION[:30]
    assert len(DESCRIPTION) > 30
    assert appeal.petitioner is not None
    assert appeal.petitioner.name.reveal() == "张三"
    assert appeal.registered_by is None

    request = api.get(number)
    assert request["status"] == "open"
    assert request["service_code"] == "hl_complaint"
    assert request["service_name"] == "热线·投诉"
    assert request["description"] == appeal.title
    assert request["address"] == "示范市东城区北街道北一社区"
    assert request["address_id"] == world.north_one.code
    assert request["status_notes"] == f"您的诉求已登记，编号 {number}"
    assert request["agency_responsible"] == ""
    assert request["service_notice"] == "当前状态：已登记"
    assert request["expected_datetime"] == iso(appeal.triage_due_at)
    assert request["requested_datetime"].endswith("+08:00")
    assert (request["zipcode"], request["lat"], request["long"], request["media_url"]) == (
        None,
        None,
        None,
        None,
    )
    status, data = api.raw("GET", f"requests/{number.lower()}")
    assert (status, data[0]["service_request_id"]) == (200, number)


def test_json_body_and_address_id_are_accepted(api: Open311Client, world: Any) -> None:
    created = api.create(
        as_json=True,
        service_code="hl_consult",
        description="想咨询一下老旧小区加装电梯的补贴政策和申请流程。",
        address_id=world.north.code,
        attribute={"title": "加装电梯补贴咨询"},
    )
    appeal = Appeal.objects.get(number=created["service_request_id"])
    assert (appeal.region, appeal.title) == (world.north, "加装电梯补贴咨询")

    raw = Client(enforce_csrf_checks=True).post(
        "/open311/v2/requests.json",
        data=json.dumps(
            {
                "service_code": "hl_help",
                "description": "独居老人家中水管爆裂，需要帮助联系维修。",
                "attribute": {"region_code": world.south_one.code, "confidential": False},
            }
        ),
        content_type="application/json",
    )
    assert raw.status_code == 201
    assert raw.json()[0]["service_request_id"].startswith("RX")


def test_petition_needs_name_and_phone(api: Open311Client, world: Any) -> None:
    error = refused(submit, api, world, service_code="xf_claim")
    assert error.status == 400
    assert "信访事项请填写姓名" in error.description
    created = submit(
        api, world, service_code="xf_claim", first_name="四", last_name="李", phone="13800138000"
    )
    assert created["service_request_id"].startswith("XF")


# --- idempotency -----------------------------------------------------------------------------


def test_retry_with_same_idempotency_key_returns_same_request(
    api: Open311Client, world: Any
) -> None:
    first = submit(api, world, idempotency_key="app-7f3a-0001", phone="13912345678")
    count = Appeal.objects.count()
    again = submit(api, world, idempotency_key="app-7f3a-0001", phone="13912345678")
    assert again["service_request_id"] == first["service_request_id"]
    assert Appeal.objects.count() == count
    assert not CODE.search(again["service_notice"])
    assert "查询码只在首次提交时显示" in again["service_notice"]
    appeal = Appeal.objects.get(number=first["service_request_id"])
    assert appeal.source_ref == "app-7f3a-0001"


def test_submission_id_attribute_is_the_same_key(api: Open311Client, world: Any) -> None:
    attribute = {"region_code": world.north_one.code, "submission_id": "form-42"}
    first = submit(api, world, attribute=attribute)
    again = submit(api, world, attribute=attribute, idempotency_key="form-42")
    assert again["service_request_id"] == first["service_request_id"]
    assert Appeal.objects.count() == 1
    error = refused(submit, api, world, attribute=attribute, idempotency_key="form-43")
    assert error.status == 400


def test_same_key_different_payload_is_409(api: Open311Client, world: Any) -> None:
    submit(api, world, idempotency_key="k-1")
    error = refused(
        submit, api, world, idempotency_key="k-1", description="换了内容的另一个诉求，请处理。"
    )
    assert error.status == 409
    assert "提交编号" in error.description
    assert Appeal.objects.count() == 1


def test_double_submit_without_key_is_one_request_within_ten_minutes(
    api: Open311Client, world: Any
) -> None:
    with time_machine.travel(at(2026, 3, 2, 9, 58), tick=False):
        first = submit(api, world, phone="13912345678")
        assert CODE.search(first["service_notice"])
    # the next 10-minute bucket, still within 10 minutes of the first
    with time_machine.travel(at(2026, 3, 2, 10, 3), tick=False):
        again = submit(api, world, phone="13912345678")
        other_phone = submit(api, world, phone="13800138000")
    assert again["service_request_id"] == first["service_request_id"]
    assert other_phone["service_request_id"] != first["service_request_id"]
    with time_machine.travel(at(2026, 3, 2, 10, 9), tick=False):
        later = submit(api, world, phone="13912345678")
    assert later["service_request_id"] not in {
        first["service_request_id"],
        other_phone["service_request_id"],
    }
    assert Appeal.objects.count() == 3
    assert IdempotencyRecord.objects.filter(key__startswith="open311-auto:").count() == 3


# --- errors ----------------------------------------------------------------------------------


def test_missing_description_and_region_are_400_in_chinese(api: Open311Client, world: Any) -> None:
    error = refused(api.create, service_code="hl_help", description="需要帮助联系维修。")
    assert error.status == 400
    assert "区划代码" in error.description
    error = refused(api.create, service_code="hl_help", attribute={"region_code": "339901001"})
    assert error.status == 400
    assert "请填写诉求内容（description）" in error.description
    error = refused(api.create, description="没有服务类型的诉求内容。")
    assert (error.status, error.description) == (400, "请选择服务类型（service_code）")
    error = refused(
        submit, api, world, attribute={"region_code": "110101"}, description="区划不存在的诉求。"
    )
    assert error.status == 400
    assert "不存在或已停用" in error.description
    error = refused(submit, api, world, phone="12345")
    assert error.status == 400
    assert re.search(r"[\u4e00-\u9fff]", error.description)
    error = refused(submit, api, world, description="太短")
    assert error.status == 400
    assert "至少5个字" in error.description
    error = refused(
        submit, api, world, attribute={"region_code": world.north.code, "confidential": "maybe"}
    )
    assert error.status == 400
    assert Appeal.objects.count() == 0


def test_unknown_service_on_submit_is_404(api: Open311Client, world: Any) -> None:
    error = refused(submit, api, world, service_code="graffiti")
    assert error.status == 404
    assert Appeal.objects.count() == 0


def test_formats_other_than_json_and_xml_are_400(world: Any) -> None:
    client = Client()
    for method, path in [
        ("GET", "services.csv"),
        ("GET", "services/hl_help.yaml"),
        ("GET", "requests.html"),
        ("GET", "requests/RX20260101000001.txt"),
        ("POST", "requests.csv"),
    ]:
        response = client.generic(method, f"/open311/v2/{path}")
        assert response.status_code == 400, path
        assert response.json() == [
            {"code": 400, "description": "仅支持 JSON 和 XML 格式（.json 或 .xml）"}
        ]


def test_wrong_method_is_405_and_unknown_path_404_in_spec_format() -> None:
    client = Client()
    for method, path in [
        ("DELETE", "requests.json"),
        ("PUT", "requests.json"),
        ("POST", "services.json"),
        ("POST", "requests/RX1.json"),
    ]:
        response = client.generic(method, f"/open311/v2/{path}")
        assert response.status_code == 405, path
        assert response.json()[0]["code"] == 405
        assert "GET" in response["Allow"]
    response = client.get("/open311/v2/discovery")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404


def test_jurisdiction_id(world: Any, settings: Any) -> None:
    city = Open311Client.for_django(Client(), jurisdiction_id=settings.SHEGONG_CITY_NAME)
    assert city.services()
    created = submit(city, world)
    assert city.get(created["service_request_id"])
    other = Open311Client.for_django(Client(), jurisdiction_id="sf.gov")
    assert refused(other.services).status == 404
    assert refused(submit, other, world).status == 404
    assert Appeal.objects.count() == 1


# --- search ----------------------------------------------------------------------------------


def test_search_filters(api: Open311Client, world: Any, make_appeal: Any) -> None:
    now = timezone.now()
    complaint, _ = make_appeal(now=now - timedelta(days=3))
    consult, _ = make_appeal(kind=AppealKind.HL_CONSULT, now=now - timedelta(days=2))
    rejected, _ = make_appeal(kind=AppealKind.HL_HELP, now=now - timedelta(days=1))
    old, _ = make_appeal(now=now - timedelta(days=120))
    wf.reject_appeal(
        actor=world.dispatcher, appeal_id=rejected.pk, reason="属于民事纠纷，张三请自行协商"
    )

    def numbers(**filters: Any) -> list[str]:
        return [r["service_request_id"] for r in api.search(**filters)]

    # default: last 90 days, newest first
    assert numbers() == [rejected.number, consult.number, complaint.number]
    assert numbers(status="open") == [consult.number, complaint.number]
    assert numbers(status="closed") == [rejected.number]
    assert numbers(status="open,closed") == [rejected.number, consult.number, complaint.number]
    assert numbers(service_code="hl_consult") == [consult.number]
    assert numbers(service_code=["hl_consult", "hl_complaint"]) == [
        consult.number,
        complaint.number,
    ]
    assert numbers(start_date=now - timedelta(days=2, hours=1)) == [rejected.number, consult.number]
    assert numbers(end_date=now - timedelta(days=1, hours=1)) == [consult.number, complaint.number]
    assert numbers(start_date=now - timedelta(days=130), end_date=now - timedelta(days=100)) == [
        old.number
    ]
    day = timezone.localtime(now - timedelta(days=2)).date().isoformat()
    assert consult.number in numbers(start_date=day, end_date=day)
    # ids override every other filter, including the default date window
    assert sorted(numbers(service_request_id=[old.number, consult.number], status="closed")) == (
        sorted([old.number, consult.number])
    )
    closed = api.get(rejected.number)
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "不予受理，理由已告知诉求人"
    assert closed["expected_datetime"] is None


def test_search_refuses_bad_filters(api: Open311Client, world: Any) -> None:
    assert refused(api.search, status="pending").status == 400
    assert refused(api.search, start_date="yesterday").status == 400
    assert refused(api.search, start_date="2026-13-01T00:00:00+08:00").status == 400
    assert refused(api.search, start_date="2026-03-01", end_date="2026-02-01").status == 400
    error = refused(api.search, start_date="2026-01-01", end_date="2026-06-01")
    assert (error.status, error.description) == (400, "查询的时间范围不能超过90天")
    assert refused(api.search, service_code="pothole").status == 404


def test_search_returns_at_most_max_results(
    api: Open311Client, world: Any, make_appeal: Any, monkeypatch: Any
) -> None:
    from shegong.appeals import open311

    for _ in range(3):
        make_appeal()
    monkeypatch.setattr(open311, "MAX_RESULTS", 2)
    assert len(api.search()) == 2


def test_unencoded_plus_in_timezone_is_understood(api: Open311Client, world: Any) -> None:
    submit(api, world)
    start = timezone.localtime() - timedelta(hours=1)
    status, data = api.raw(
        "GET", "requests", params={"start_date": start.isoformat().replace("+", " ")}
    )
    assert status == 200
    assert len(data) == 1


# --- privacy ---------------------------------------------------------------------------------


def test_confidential_and_accusation_appeals_are_invisible(
    api: Open311Client, world: Any, make_appeal: Any
) -> None:
    public, _ = make_appeal()
    confidential, _ = make_appeal(identity_confidential=True)
    accusation, _ = make_appeal(kind=AppealKind.XF_ACCUSATION, title="检举某局干部收受好处")
    via_api = submit(
        api, world, attribute={"region_code": world.north.code, "confidential": "true"}
    )
    assert "不在公开接口中显示" in via_api["service_notice"]
    hidden = [confidential.number, accusation.number, via_api["service_request_id"]]
    for number in hidden:
        error = refused(api.get, number)
        assert error.status == 404
    assert [r["service_request_id"] for r in api.search()] == [public.number]
    assert [
        r["service_request_id"] for r in api.search(service_request_id=[*hidden, public.number])
    ] == [public.number]
    assert api.search(service_code="xf_accusation") == []
    for exchange in api.history:
        assert b"\xe6\xa3\x80\xe4\xb8\xbe\xe6\x9f\x90\xe5\xb1\x80" not in exchange.body  # 检举某局


def test_no_personal_data_in_any_public_response(
    api: Open311Client, world: Any, make_appeal: Any
) -> None:
    phone, name, address = "13912345678", "欧阳小明", "幸福路88号3单元501室"
    body = (
        f"我叫{name}，电话{phone}，家住{address}，楼下路灯坏了两周，晚上出行很不安全。"
        "邮箱 ouyang@example.com，身份证110105199001011234，请尽快安排维修。"
    )
    created = api.create(
        service_code="hl_complaint",
        description=body,
        first_name="小明",
        last_name="欧阳",
        phone=phone,
        email="ouyang@example.com",
        address_string=address,
        attribute={"region_code": world.north_one.code},
    )
    number = created["service_request_id"]
    staff_entered, _ = make_appeal(
        title=f"路灯问题（回电{phone}）", body=body, address=address, name=name, phone=phone
    )
    appeal = Appeal.objects.get(number=number)
    assert appeal.body == body  # staff still see everything
    assert name not in appeal.title
    assert phone not in appeal.title

    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    order = WorkOrder.objects.get(appeal=appeal)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk)
    wf.reply_order(
        actor=world.handler_unit_a,
        order_id=order.pk,
        text=f"{name}同志：您反映的{address}楼下路灯已于今日修复，联系电话{phone}。",
    )
    assert api.get(number)["status_notes"] == "已答复诉求人"
    wf.close_appeal(actor=world.dispatcher, appeal_id=appeal.pk)

    api.services()
    api.service("hl_complaint")
    api.get(number)
    api.get(staff_entered.number)
    api.search()
    api.search(service_request_id=[number, staff_entered.number])
    api.search(status="closed")
    assert api.get(number)["status_notes"] == "已办结"
    assert api.get(staff_entered.number)["description"] == "路灯问题（回电***）"

    secrets = [
        phone,
        phone[:3] + "****" + phone[-4:],
        name,
        "小明",
        address,
        "幸福路88号",
        "ouyang@example.com",
        "110105199001011234",
        body,
        "请尽快安排维修",
    ]
    assert len(api.history) >= 10
    for exchange in api.history:
        for secret in secrets:
            for encoded in (secret.encode(), json.dumps(secret).strip('"').encode()):
                assert encoded not in exchange.body, (exchange.path, secret)


# --- handling --------------------------------------------------------------------------------


def test_expected_datetime_and_agency_after_dispatch(api: Open311Client, world: Any) -> None:
    created = submit(api, world)
    number = created["service_request_id"]
    appeal = Appeal.objects.get(number=number)
    before = api.get(number)
    assert before["expected_datetime"] == iso(appeal.triage_due_at)

    dispatched_at = timezone.now() + timedelta(minutes=30)
    wf.dispatch_appeal(
        actor=world.dispatcher,
        appeal_id=appeal.pk,
        lead_unit_id=world.unit_a.pk,
        assist_unit_ids=[world.unit_b.pk],
        now=dispatched_at,
    )
    orders = WorkOrder.objects.filter(appeal=appeal)
    earliest = min(o.due_at for o in orders if o.due_at)
    after = api.get(number)
    assert after["expected_datetime"] == iso(earliest)
    assert after["expected_datetime"] != before["expected_datetime"]
    assert after["agency_responsible"] == "市住建局"
    assert after["status_notes"] == "已交由市住建局办理"
    assert after["service_notice"] == f"当前状态：{AppealStatus.DISPATCHED.label}"
    # the last step of the timeline, even though the row's updated_at is not touched by it
    assert after["updated_datetime"] == iso(dispatched_at)


def test_a_writer_that_cannot_answer_is_503_not_the_citizens_fault(
    api: Open311Client, world: Any, monkeypatch: Any
) -> None:
    from shegong.appeals import open311
    from shegong.core.exceptions import DomainError

    def busy(**_: Any) -> Any:
        raise DomainError("系统繁忙，请稍后用同一提交编号重试", code="busy")

    monkeypatch.setattr(open311, "submit_public_appeal", busy)
    with pytest.raises(Open311Error) as caught:
        submit(api, world, attribute={"region_code": world.north_one.code})
    assert caught.value.status == 503
    assert "稍后" in str(caught.value)
    assert not Appeal.objects.exists()


# --- text normalisation ----------------------------------------------------------------------


def test_control_characters_are_removed_from_a_post(api: Open311Client, world: Any) -> None:
    # One such post was a 500 on PostgreSQL (NUL in text) and broke every XLSX export.
    created = submit(
        api, world, description="路灯\x00坏了两周\x07，晚上出行不安全。", last_name="张\x1b"
    )
    appeal = Appeal.objects.get(number=created["service_request_id"])
    assert appeal.body == "路灯坏了两周，晚上出行不安全。"
    assert appeal.title == "路灯坏了两周，晚上出行不安全。"
    created = submit(api, world, as_json=True, description="井盖\x00丢失，\x0b请尽快处理。")
    assert Appeal.objects.get(number=created["service_request_id"]).body == "井盖丢失，请尽快处理。"


def test_invalid_utf8_is_refused_in_the_spec_format(world: Any) -> None:
    client = Client()
    form = f"service_code=hl_help&attribute%5Bregion_code%5D={world.north_one.code}"
    response = client.post(
        "/open311/v2/requests.json",
        f"{form}&description=%E8%B7%AF%FF%FE%E7%81%AF%E5%9D%8F%E4%BA%86",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "字段 description " + INVALID_UTF8}]
    body = '{"service_code": "hl_help", "description": "路灯\\ud800坏了两周", "address_id": "%s"}'
    response = client.post(
        "/open311/v2/requests.xml", body % world.north_one.code, content_type="application/json"
    )
    assert response.status_code == 400
    assert "<code>400</code><description>字段 description 包含无效的 UTF-8 编码" in (
        response.content.decode()
    )
    assert Appeal.objects.count() == 0


# --- where the appeal happened without a region code -----------------------------------------


def test_address_string_alone_is_resolved_from_region_names(api: Open311Client, world: Any) -> None:
    created = api.create(
        service_code="hl_complaint",
        description=DESCRIPTION,
        address_string="东城区北街道北一社区幸福路8号",
    )
    appeal = Appeal.objects.get(number=created["service_request_id"])
    assert appeal.region == world.north_one
    assert appeal.address == "东城区北街道北一社区幸福路8号"
    assert api.get(appeal.number)["address_id"] == world.north_one.code


def test_an_address_that_names_no_region_says_what_is_missing(
    api: Open311Client, world: Any
) -> None:
    error = refused(
        api.create, service_code="hl_complaint", description=DESCRIPTION, address_string="幸福路8号"
    )
    assert error.status == 400
    assert error.description == (
        "无法从地址（address_string）“幸福路8号”识别所属区划：其中没有本市的区县、街道（乡镇）"
        "或社区（村）名称，请写明社区或街道名称（例如“东城区北街道北一社区”）；"
        "也可提供区划代码（attribute[region_code] 或 address_id）"
    )
    error = refused(api.create, service_code="hl_complaint", description=DESCRIPTION)
    assert error.description == (
        "请提供发生地：区划代码（attribute[region_code] 或 address_id），或写明社区或街道名称的"
        "地址（address_string，例如“东城区北街道北一社区幸福路8号”）"
    )
    assert Appeal.objects.count() == 0


def test_lat_long_need_loaded_boundaries(api: Open311Client, world: Any) -> None:
    fields = {"service_code": "hl_help", "description": DESCRIPTION, "lat": "30.1", "long": "120.1"}
    error = refused(api.create, **fields)
    assert error.description.startswith("本平台尚未载入区划边界，无法按经纬度（lat/long）定位；")
    square = [[[120, 30], [120.2, 30], [120.2, 30.2], [120, 30.2], [120, 30]]]
    report = load_boundaries(
        actor=world.root,
        document={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"区划代码": world.north_one.code},
                    "geometry": {"type": "Polygon", "coordinates": square},
                }
            ],
        },
    )
    assert report.ok
    created = api.create(**fields)
    assert Appeal.objects.get(number=created["service_request_id"]).region == world.north_one
    # Outside every boundary, the address still places it; with neither, both reasons.
    outside = {**fields, "lat": "31.5"}
    created = api.create(**outside, address_string="南街道人民路12号")
    assert Appeal.objects.get(number=created["service_request_id"]).region == world.south
    error = refused(api.create, **outside)
    assert error.description.startswith(
        "经纬度（lat=31.5，long=120.1）不在本市已载入边界的任何区划内；请提供发生地"
    )
    error = refused(api.create, **{**fields, "lat": "north"})
    assert "经纬度（lat/long）应同时提供且为十进制数字" in error.description


# Open311 uses the same detector as every other public surface (issue #12 review): the older
# local pattern missed grouped bank cards and landlines written with spaces.
def test_default_title_and_status_notes_hide_grouped_identifiers() -> None:
    from shegong.appeals.choices import EventKind
    from shegong.appeals.open311 import _default_title, _status_notes

    title = _default_title("请退款到6222 0212 3456 7890，座机0571 8888 8888", "张三")
    assert title == "请退款到***，座机***"
    notes = _status_notes(EventKind.FORWARDED, "已转送市信访局（0571 8888 8888）办理")
    assert notes == "已转送市信访局（***）办理"
