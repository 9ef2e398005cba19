"""Text entering the platform: control characters removed, invalid UTF-8 refused, everywhere.

One anonymous Open311 post with a NUL once made every XLSX export holding it a 500, and on
PostgreSQL the post itself was a 500. Entry points: staff and portal forms and query strings
(``core.middleware.TextInputMiddleware``), the API's JSON bodies (``core.api.TextParser``),
Open311 (``appeals/tests/test_open311.py``), imports (``core.tabular.read_table``).
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client

from shegong.appeals.choices import AppealKind
from shegong.appeals.models import Appeal
from shegong.core.tabular import read_table
from shegong.lib.text import INVALID_UTF8, InvalidText, normalise_data, normalise_text, parse_form

CONTROLLED = "路灯\x00坏了\x07两周\x1b，晚上\t出行\r\n不安全。"
CLEAN = "路灯坏了两周，晚上\t出行\r\n不安全。"


# --- the rule ------------------------------------------------------------------------------


def test_controls_other_than_tab_and_newlines_are_removed() -> None:
    assert normalise_text(CONTROLLED) == CLEAN
    assert normalise_text(CONTROLLED.encode("utf-8")) == CLEAN


def test_invalid_utf8_is_refused_with_a_chinese_message() -> None:
    with pytest.raises(InvalidText) as info:
        normalise_text(b"\xe8\xb7\xaf\xff", field="字段 title ")
    assert info.value.message == "字段 title " + INVALID_UTF8
    assert INVALID_UTF8 == "包含无效的 UTF-8 编码，无法保存；请以 UTF-8 编码重新提交"
    with pytest.raises(InvalidText):
        normalise_text("lone \ud800 surrogate")


def test_json_documents_and_form_bodies() -> None:
    assert normalise_data({"a\x00": ["x\x01y", 3, {"b": "\x02z"}]}) == {"a": ["xy", 3, {"b": "z"}]}
    assert parse_form(b"title=%E8%B7%AF%00%E7%81%AF&n=a+b") == [("title", "路灯"), ("n", "a b")]
    with pytest.raises(InvalidText) as info:
        parse_form(b"title=ok&body=%E8%B7%FF")
    assert "字段 body" in info.value.message


# --- forms and query strings ----------------------------------------------------------------


def test_staff_form_stores_text_without_control_characters(world: Any, client_for: Any) -> None:
    response = client_for(world.street_north).post(
        "/appeals/new/",
        {
            "kind": AppealKind.HL_COMPLAINT,
            "channel": "phone",
            "urgency": "normal",
            "title": "路灯\x0b不亮",
            "body": CONTROLLED,
            "region": [world.north.pk, world.north_one.pk],  # the cascade: street, community
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    appeal = Appeal.objects.get()
    assert appeal.title == "路灯不亮"
    assert appeal.body == CLEAN


def test_form_body_that_is_not_utf8_is_refused(world: Any, client_for: Any) -> None:
    body = "kind=hl_complaint&channel=phone&urgency=normal&title=%E8%B7%AF%FF&body=abcdefg"
    response = client_for(world.street_north).post(
        "/appeals/new/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()
    assert Appeal.objects.count() == 0


def test_query_strings_lose_control_characters(world: Any, client_for: Any) -> None:
    # A search pasted with an invisible control character still finds what it names.
    page = client_for(world.dispatcher).get("/regions/", {"q": "北一\x07社区"}).content.decode()
    assert world.north_one.code in page
    assert "南一社区" not in page


# --- the API --------------------------------------------------------------------------------


def _post_json(client: Client, body: bytes) -> Any:
    return client.post("/api/appeals", body, content_type="application/json")


def test_api_json_text_is_normalised(world: Any, client_for: Any) -> None:
    payload = {
        "kind": "hl_complaint",
        "title": "路灯\x00不亮",
        "body": CONTROLLED,
        "region_id": world.north_one.pk,
        "channel": "phone",
    }
    response = _post_json(client_for(world.dispatcher), json.dumps(payload).encode())
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get()
    assert (appeal.title, appeal.body) == ("路灯不亮", CLEAN)


def test_api_refuses_invalid_utf8_and_lone_surrogates(world: Any, client_for: Any) -> None:
    client = client_for(world.dispatcher)
    text = '{"kind": "hl_complaint", "title": "路灯", "body": "%s", "region_id": %d}'
    invalid = (text % ("\udcff", world.north_one.pk)).encode("utf-8", "surrogateescape")
    response = _post_json(client, invalid)
    assert response.status_code == 400
    assert response.json()["detail"] == "提交的文本" + INVALID_UTF8
    response = _post_json(client, (text % ("\\ud800", world.north_one.pk)).encode())
    assert response.status_code == 400
    assert "字段 body 包含无效的 UTF-8 编码" in response.json()["detail"]
    response = _post_json(client, b"{not json")
    assert (response.status_code, response.json()["detail"]) == (400, "请求体不是有效的 JSON")
    assert Appeal.objects.count() == 0


# --- imports and exports --------------------------------------------------------------------


def test_imported_cells_lose_control_characters() -> None:
    data = "区划代码,名称\n339901,东城\x0b区\x07\n".encode()
    table = read_table(io.BytesIO(data), "a.csv", required=["区划代码", "名称"])
    assert table.rows == [(2, {"区划代码": "339901", "名称": "东城区"})]
