"""Open311 GeoReport v2 (JSON), driven through a client written from the spec: the
service catalogue, submitting and tracking, idempotency. Search, errors, privacy and the
place of a submission are in the other ``test_open311_*.py``."""

from __future__ import annotations

import json
from typing import Any

import pytest
import time_machine
from django.test import Client

from shegong.appeals.choices import AppealKind, Channel, Stream, Urgency
from shegong.appeals.models import Appeal, IdempotencyRecord
from shegong.appeals.services.intake import find_by_tracking
from tests.open311_client import Open311Client, Open311Error

from .conftest import at
from .open311_helpers import API, CODE, DESCRIPTION, iso, refused, submit

pytestmark = pytest.mark.django_db

api = API


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


def test_a_writer_that_cannot_answer_is_503_not_the_citizens_fault(
    api: Open311Client, world: Any, monkeypatch: Any
) -> None:
    from shegong.appeals import open311_intake
    from shegong.core.exceptions import DomainError

    def busy(**_: Any) -> Any:
        raise DomainError("系统繁忙，请稍后用同一提交编号重试", code="busy")

    monkeypatch.setattr(open311_intake, "submit_public_appeal", busy)
    with pytest.raises(Open311Error) as caught:
        submit(api, world, attribute={"region_code": world.north_one.code})
    assert caught.value.status == 503
    assert "稍后" in str(caught.value)
    assert not Appeal.objects.exists()
