"""API 422 answers read in Chinese: pydantic's own errors translated, a validator's
message without pydantic's "Value error, " prefix; ``type`` and ``loc`` stay for programs."""

from __future__ import annotations

import json
import re

import pytest

from shegong.core.api import chinese_error_message
from shegong.core.tests.test_no_english import english_words

pytestmark = pytest.mark.django_db
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def _post(client, url: str, body: object):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_missing_field_and_wrong_type_are_chinese(world, client_for) -> None:
    response = _post(client_for(world.dept_admin), "/api/regions", {"code": 12, "level": []})
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert {e["type"] for e in errors} >= {"missing"}
    for error in errors:
        assert not ENGLISH.search(error["msg"]), error


def test_validator_message_loses_the_value_error_prefix(world, client_for) -> None:
    from shegong.organizations.services import entities
    from shegong.organizations.testing import credit_code

    entity = entities.create_entity(
        actor=world.root,
        credit_code=credit_code(1),
        name="甲公司",
        kind="enterprise",
        region_id=world.north_one.pk,
        employees=12,
    )
    response = client_for(world.root).patch(
        f"/api/organizations/entities/{entity.pk}",
        data=json.dumps({"employees": -5}),
        content_type="application/json",
    )
    assert response.status_code == 422
    messages = [e["msg"] for e in response.json()["detail"]]
    assert messages == ["不能为负数"]


def test_messages_use_the_error_context() -> None:
    error = {"type": "string_too_long", "msg": "String should have at most 5 characters"}
    assert chinese_error_message({**error, "ctx": {"max_length": 5}}) == "最多 5 个字"
    assert chinese_error_message({"type": "no_such_type", "msg": "Whatever"}) == "格式不正确"


def test_invalid_json_is_chinese(world, client_for) -> None:
    response = client_for(world.dept_admin).post(
        "/api/regions", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert english_words(response.json()["detail"]) == set()


def test_no_credentials_is_a_chinese_401(db) -> None:
    from django.test import Client

    response = Client().get("/api/regions")
    assert response.status_code == 401
    assert response.json()["detail"] == "请先登录，或在请求头中提供有效的 API 令牌"
