from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import PASSWORD
from shegong.accounts.models import User
from shegong.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def post_login(client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_success_is_audited_and_lands_on_home(world, client) -> None:
    response = post_login(client, "street_north", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert AuditEvent.objects.filter(action="user_logged_in", actor=world.street_north).exists()
    home = client.get("/").content.decode()
    assert "北街道" in home


def test_next_parameter_cannot_redirect_off_site(world, client) -> None:
    response = client.post(
        "/accounts/login/?next=https://evil.example/x",
        {"username": "leader", "password": PASSWORD, "next": "https://evil.example/x"},
    )
    assert response["Location"] == "/"


def test_five_failures_lock_the_account(world, client, settings) -> None:
    for _ in range(settings.SHEGONG_LOGIN_MAX_FAILURES - 1):
        response = post_login(client, "leader", "wrong")
        assert "用户名或密码不正确" in response.content.decode()
    response = post_login(client, "leader", "wrong")
    assert "已锁定" in response.content.decode()
    # Even the right password is refused while locked.
    response = post_login(client, "leader", PASSWORD)
    assert response.status_code == 401
    assert "已锁定至" in response.content.decode()
    failures = AuditEvent.objects.filter(action="user_login_failed", success=False)
    assert failures.count() == settings.SHEGONG_LOGIN_MAX_FAILURES
    # After the lock expires the right password works and resets the counter.
    User.objects.filter(username="leader").update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert post_login(client, "leader", PASSWORD).status_code == 302
    assert User.objects.get(username="leader").failed_logins == 0


def test_unknown_username_is_audited_without_revealing_existence(world, client) -> None:
    response = post_login(client, "nobody", "x")
    assert "用户名或密码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action="user_login_failed", target_repr="nobody").exists()


def test_logout_requires_post(world, client_for) -> None:
    client = client_for(world.leader)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302
