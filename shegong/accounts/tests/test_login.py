from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import PASSWORD
from shegong.accounts.models import LoginThrottle, User
from shegong.accounts.views import LOGIN_FAILED
from shegong.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def post_login(client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_success_is_audited_and_lands_on_home(world, client, settings) -> None:
    settings.SHEGONG_SECOND_FACTOR_REQUIRED = False  # the second factor: test_second_factor.py
    response = post_login(client, "street_north", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert AuditEvent.objects.filter(action="user_logged_in", actor=world.street_north).exists()
    home = client.get("/").content.decode()
    assert "北街道" in home


def test_next_parameter_cannot_redirect_off_site(world, client, settings) -> None:
    settings.SHEGONG_SECOND_FACTOR_REQUIRED = False
    response = client.post(
        "/accounts/login/?next=https://evil.example/x",
        {"username": "leader", "password": PASSWORD, "next": "https://evil.example/x"},
    )
    assert response["Location"] == "/"


def test_five_failures_throttle_that_address_with_one_message(world, client, settings) -> None:
    bodies = set()
    for _ in range(settings.SHEGONG_LOGIN_MAX_FAILURES):
        response = post_login(client, "leader", "wrong")
        assert response.status_code == 401
        bodies.add(LOGIN_FAILED in response.content.decode())
    assert bodies == {True}
    # Even the right password is refused from this address while it is throttled, in the
    # same words and status as a wrong password.
    response = post_login(client, "leader", PASSWORD)
    assert response.status_code == 401
    assert LOGIN_FAILED in response.content.decode()
    failures = AuditEvent.objects.filter(action="user_login_failed", success=False)
    assert failures.count() == settings.SHEGONG_LOGIN_MAX_FAILURES
    # After the lock expires the right password works and resets the counter.
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert post_login(client, "leader", PASSWORD).status_code == 302
    assert User.objects.get(username="leader").failed_logins == 0


def test_unknown_username_gets_the_same_answer_and_no_audit_event(world, client) -> None:
    response = post_login(client, "nobody", "x")
    assert response.status_code == 401
    assert LOGIN_FAILED in response.content.decode()
    assert not AuditEvent.objects.filter(action="user_login_failed").exists()


def test_logout_requires_post(world, client_for) -> None:
    client = client_for(world.leader)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302
