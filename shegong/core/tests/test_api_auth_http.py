"""API authentication over real HTTP: bearer tokens write without CSRF, sessions keep it.

The Django test client skips CSRF checks, so these tests talk to pytest-django's live server
with urllib, as an integration would. A request with ``Authorization: Bearer`` is judged by
its token alone; a cookie-session request without one must carry the CSRF token to write.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from shegong.accounts import services as accounts
from shegong.appeals.models import Appeal
from shegong.organizations.models import Entity
from shegong.organizations.services import entities
from shegong.organizations.testing import credit_code

pytestmark = pytest.mark.django_db(transaction=True)

APPEAL = {
    "kind": "hl_complaint",
    "title": "路灯不亮",
    "body": "北一社区3号楼前路灯坏了两周，晚上出行不安全。",
    "channel": "phone",
}


def call(
    url: str,
    method: str,
    payload: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
    all_headers = {"Accept": "application/json", **(headers or {})}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, method=method, headers=all_headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def bearer(user: Any) -> dict[str, str]:
    _token, raw = accounts.create_api_token(actor=user, name="对接")
    return {"Authorization": f"Bearer {raw}"}


def test_bearer_token_can_post(world: Any, live_server: Any) -> None:
    payload = {**APPEAL, "region_id": world.north_one.pk}
    status, data = call(f"{live_server.url}/api/appeals", "POST", payload, bearer(world.dispatcher))
    assert status == 201, data
    assert Appeal.objects.filter(number=data["number"]).exists()


def test_bearer_token_can_patch_and_put(world: Any, live_server: Any) -> None:
    entity = entities.create_entity(
        actor=world.root,
        credit_code=credit_code(1),
        name="测试企业",
        kind="enterprise",
        region_id=world.north_one.pk,
    )
    headers = bearer(world.street_north)
    url = f"{live_server.url}/api/organizations/entities/{entity.pk}"
    status, data = call(url, "PATCH", {"name": "改名后的企业"}, headers)
    assert status == 200, data
    assert Entity.objects.get(pk=entity.pk).name == "改名后的企业"
    status, data = call(f"{url}/coverage", "PUT", {"mode": "none", "formal_members": 3}, headers)
    assert status == 200, data
    assert Entity.objects.get(pk=entity.pk).formal_members == 3


def test_bearer_token_beside_a_session_cookie_is_still_judged_by_the_token(
    world: Any, live_server: Any
) -> None:
    headers = {**bearer(world.dispatcher), "Cookie": session_cookie(world.dispatcher)}
    payload = {**APPEAL, "region_id": world.north_one.pk}
    status, data = call(f"{live_server.url}/api/appeals", "POST", payload, headers)
    assert status == 201, data


def test_invalid_token_with_a_valid_session_cookie_is_401(world: Any, live_server: Any) -> None:
    headers = {
        "Authorization": "Bearer sg_not-a-real-token",
        "Cookie": session_cookie(world.dispatcher),
    }
    status, _data = call(f"{live_server.url}/api/me", "GET", headers=headers)
    assert status == 401
    payload = {**APPEAL, "region_id": world.north_one.pk}
    status, _data = call(f"{live_server.url}/api/appeals", "POST", payload, headers)
    assert status == 401
    assert Appeal.objects.count() == 0


def test_session_without_csrf_token_cannot_post(world: Any, live_server: Any) -> None:
    headers = {"Cookie": session_cookie(world.dispatcher)}
    payload = {**APPEAL, "region_id": world.north_one.pk}
    status, data = call(f"{live_server.url}/api/appeals", "POST", payload, headers)
    assert status == 403
    assert data["detail"].startswith("CSRF 校验失败")
    assert Appeal.objects.count() == 0


def test_session_with_csrf_token_can_post_and_read_without_one(
    world: Any, live_server: Any
) -> None:
    cookie = session_cookie(world.dispatcher)
    status, me = call(f"{live_server.url}/api/me", "GET", headers={"Cookie": cookie})
    assert status == 200
    assert me["username"] == "dispatcher"
    csrf = secrets.token_hex(16)  # a 32-character secret, as Django's csrftoken cookie holds
    headers = {"Cookie": f"{cookie}; {settings.CSRF_COOKIE_NAME}={csrf}", "X-CSRFToken": csrf}
    payload = {**APPEAL, "region_id": world.north_one.pk}
    status, data = call(f"{live_server.url}/api/appeals", "POST", payload, headers)
    assert status == 201, data
