"""Open311 errors in the spec's format (JSON): refused submissions, formats, methods,
paths, jurisdiction, and text that is not valid."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from shegong.appeals.models import Appeal
from shegong.lib.text import INVALID_UTF8
from tests.open311_client import Open311Client

from .open311_helpers import API, refused, submit

pytestmark = pytest.mark.django_db

api = API


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


def test_a_one_character_title_is_a_400_that_says_why(api: Open311Client, world: Any) -> None:
    """The 400 of the intake benchmark (1 in 8,586): a message of the public data set is
    titled "）"; the platform refuses titles under 2 characters and says so."""
    error = refused(
        submit, api, world, attribute={"region_code": world.north_one.code, "title": "）"}
    )
    assert (error.status, error.description) == (400, "请填写标题（2–200字）")


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
