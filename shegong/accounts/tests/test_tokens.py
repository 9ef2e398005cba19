from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shegong.accounts import services
from shegong.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_bearer_token_acts_as_its_owner_with_the_same_scope(world, client) -> None:
    _token, raw = services.create_api_token(actor=world.street_north, name="对接")
    assert raw.startswith("sg_")
    assert not ApiToken.objects.filter(key_hash=raw).exists()  # only the hash is stored
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    me = client.get("/api/me", **headers).json()
    assert me["username"] == "street_north"
    codes = {item["code"] for item in client.get("/api/regions", **headers).json()["items"]}
    assert "339901002" not in codes
    assert client.get(f"/api/regions/{world.south.pk}", **headers).status_code == 404


def test_revoked_expired_and_wrong_tokens_are_refused(world, client) -> None:
    token, raw = services.create_api_token(actor=world.leader, name="x")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/me", **headers).status_code == 200
    services.revoke_api_token(actor=world.leader, token_id=token.pk)
    assert client.get("/api/me", **headers).status_code == 401
    token2, raw2 = services.create_api_token(actor=world.leader, name="y")
    ApiToken.objects.filter(pk=token2.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw2}").status_code == 401
    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer sg_nonsense").status_code == 401


def test_token_page_shows_the_key_once(world, client_for) -> None:
    client = client_for(world.dispatcher)
    body = client.post("/accounts/tokens/", {"name": "热线", "days": "30"}).content.decode()
    token = ApiToken.objects.get(user=world.dispatcher)
    assert 'data-testid="new-token"' in body
    assert token.prefix in body
    again = client.get("/accounts/tokens/").content.decode()
    assert 'data-testid="new-token"' not in again
    # Another user cannot revoke it.
    client_for(world.leader).post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_openapi_schema_is_served(world, client_for) -> None:
    schema = client_for(world.leader).get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/regions" in schema["paths"]
    docs = client_for(world.leader).get("/api/docs").content.decode()
    assert "cdn" not in docs.lower()
