"""Open311 GeoReport v2 in XML, the spec's required format, through a client written from it.

``tests/open311_client.py`` with ``fmt="xml"`` checks document elements (``<services>``,
``<service_definition>``, ``<service_requests>``, ``<errors>``), item elements, booleans and
ISO 8601 datetimes with their offset; these tests check what the client returns, and the
live-server test drives a real server over HTTP.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from shegong.appeals.choices import AppealKind, Urgency
from shegong.appeals.models import Appeal
from tests.open311_client import Open311Client, Open311Error

from .conftest import at

pytestmark = pytest.mark.django_db

DESCRIPTION = "北一社区3号楼前路灯坏了两周，晚上出行不安全，老人孩子经常摔倒，请尽快修复。"
NOW = at(2026, 11, 30, 10, 0)


@pytest.fixture
def xml_api() -> Open311Client:
    return Open311Client.for_django(Client(enforce_csrf_checks=True), fmt="xml")


@pytest.fixture
def json_api() -> Open311Client:
    return Open311Client.for_django(Client(enforce_csrf_checks=True))


def submit(api: Open311Client, world: Any, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "service_code": AppealKind.HL_COMPLAINT,
        "description": DESCRIPTION,
        "attribute": {"region_code": world.north_one.code},
    }
    fields.update(overrides)
    return api.create(**fields)


def refused(call: Any, *args: Any, **kwargs: Any) -> Open311Error:
    with pytest.raises(Open311Error) as info:
        call(*args, **kwargs)
    return info.value


def test_services_in_xml(xml_api: Open311Client) -> None:
    services = xml_api.services()
    assert [s["service_code"] for s in services] == list(AppealKind.values)
    assert services[0]["metadata"] is True
    assert services[0]["type"] == "realtime"
    raw = xml_api.history[-1].body.decode("utf-8")
    assert raw.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert "<services><service><service_code>xf_suggestion</service_code>" in raw


def test_service_definition_in_xml(xml_api: Open311Client) -> None:
    definition = xml_api.service("hl_help")
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert list(attributes) == ["region_code", "urgency", "confidential", "title", "submission_id"]
    # Not required: address_string (region names) or lat/long (boundaries) locate it too.
    assert attributes["region_code"]["required"] is False
    assert attributes["region_code"]["variable"] is True
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3, 4, 5]
    assert [v["key"] for v in attributes["urgency"]["values"]] == list(Urgency.values)
    assert attributes["urgency"]["values"][0]["name"] == Urgency.choices[0][1]


def test_xml_answers_carry_what_json_answers_carry(
    xml_api: Open311Client, json_api: Open311Client
) -> None:
    assert xml_api.services() == json_api.services()
    as_xml = xml_api.service("hl_consult")
    as_json = json_api.service("hl_consult")
    # XML has no null: an empty element reads as None where JSON says null.
    assert as_xml == as_json


@time_machine.travel(NOW, tick=False)
def test_submit_get_and_search_in_xml(
    xml_api: Open311Client, json_api: Open311Client, world: Any
) -> None:
    created = submit(xml_api, world, attribute={"region_code": world.north_one.code})
    number = created["service_request_id"]
    assert re.search(r"查询码：[2-9A-HJ-NP-Z]{8}", created["service_notice"])
    assert created["account_id"] is None
    assert created["token"] is None
    raw = xml_api.history[-1]
    assert raw.status == 201
    root = ET.fromstring(raw.body)  # noqa: S314 — our own answer
    assert [child.tag for child in root] == ["request"]
    assert Appeal.objects.get(number=number).region == world.north_one

    one = xml_api.get(number)
    assert one["status"] == "open"
    assert one["requested_datetime"] == "2026-11-30T10:00:00+08:00"
    assert datetime.fromisoformat(one["requested_datetime"]).utcoffset() is not None
    assert one["address_id"] == world.north_one.code
    assert one["lat"] is None
    found = xml_api.search(status="open")
    assert [r["service_request_id"] for r in found] == [number]
    as_json = json_api.get(number)
    assert one == {key: (value if value != "" else None) for key, value in as_json.items()}


def test_post_answers_no_store_in_xml(world: Any) -> None:
    response = Client().post(
        "/open311/v2/requests.xml",
        {
            "service_code": "hl_help",
            "description": DESCRIPTION,
            "attribute[region_code]": world.north_one.code,
        },
    )
    assert response.status_code == 201
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response["Cache-Control"] == "no-store"


def test_errors_in_xml(xml_api: Open311Client, world: Any) -> None:
    error = refused(xml_api.create, service_code="hl_help")
    assert error.status == 400
    assert "请填写诉求内容（description）" in error.description
    assert refused(xml_api.service, "pothole").status == 404
    assert refused(xml_api.get, "RX000").status == 404
    raw = xml_api.history[-1].body.decode("utf-8")
    assert "<errors><error><code>404</code><description>未找到编号为 RX000" in raw
    assert Appeal.objects.count() == 0


def test_wrong_method_and_unknown_path_answer_xml_errors() -> None:
    client = Client()
    response = client.delete("/open311/v2/requests.xml")
    assert response.status_code == 405
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert "GET" in response["Allow"]
    root = ET.fromstring(response.content)  # noqa: S314
    assert (root.tag, root.find("error/code").text) == ("errors", "405")  # type: ignore[union-attr]
    response = client.get("/open311/v2/discovery.xml")
    assert response.status_code == 404
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.find("error/code").text == "404"  # type: ignore[union-attr]


@time_machine.travel(NOW, tick=False)
def test_stored_control_characters_never_break_xml(
    xml_api: Open311Client, world: Any, make_appeal: Any
) -> None:
    appeal, _code = make_appeal(title="小区路灯不亮")
    # Text stored before entry points normalised it (or written by a path that forgot);
    # PostgreSQL stores every control character but NUL.
    Appeal.objects.filter(pk=appeal.pk).update(title="小区\x0b路灯\x07不亮\x1b")
    assert xml_api.get(appeal.number)["description"] == "小区路灯不亮"


@pytest.mark.django_db(transaction=True)
def test_xml_over_real_http(live_server: Any, world: Any) -> None:
    api = Open311Client.for_url(live_server.url, fmt="xml")
    assert len(api.services()) == len(AppealKind.values)
    # As most 311 apps do: an address, no region code.
    fields = {"service_code": "hl_help", "description": DESCRIPTION, "address_string": "北一社区"}
    created = api.create(idempotency_key="xml-live-1", **fields)
    number = created["service_request_id"]
    assert api.get(number)["address_id"] == world.north_one.code
    assert api.create(idempotency_key="xml-live-1", **fields)["service_request_id"] == number
    error = refused(api.create, service_code="hl_help", description=DESCRIPTION)
    assert error.status == 400
    assert Appeal.objects.count() == 1
