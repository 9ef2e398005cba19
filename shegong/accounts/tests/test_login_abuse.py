"""Issue 16 item 2: login abuse — throttling per (account, address) and per address with
back-off, one message, no audit flood, password history and expiry, the administrator's
password reset page, Django admin's login page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from shegong.accounts import services, throttle
from shegong.accounts.models import LoginThrottle, User
from shegong.accounts.views import LOGIN_FAILED
from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = timezone.datetime(2026, 12, 7, 9, 0, tzinfo=timezone.get_current_timezone())


def client_at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def post_login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_someone_elses_failures_do_not_lock_the_account_for_its_owner(world, settings) -> None:
    attacker = client_at("203.0.113.9")
    for _ in range(settings.SHEGONG_LOGIN_MAX_FAILURES + 2):
        post_login(attacker, "dept_admin", "wrong")
    assert post_login(attacker, "dept_admin", PASSWORD).status_code == 401
    owner = client_at("10.0.0.5")
    assert post_login(owner, "dept_admin", PASSWORD).status_code == 302


def test_an_address_is_throttled_across_usernames(world, settings) -> None:
    settings.SHEGONG_LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    script = client_at("198.51.100.7")
    for i in range(6):
        post_login(script, f"guess{i}", "wrong")
    # A real account with its right password is refused from that address now ...
    assert post_login(script, "leader", PASSWORD).status_code == 401
    # ... but not from another one.
    assert post_login(client_at("10.0.0.6"), "leader", PASSWORD).status_code == 302


def test_unknown_names_are_counted_and_audited_once_when_the_address_is_throttled(
    world, settings
) -> None:
    settings.SHEGONG_LOGIN_MAX_FAILURES_PER_ADDRESS = 8
    script = client_at("198.51.100.8")
    for i in range(8):
        post_login(script, f"nobody{i}", "x")
    assert not AuditEvent.objects.filter(action="user_login_failed").exists()
    assert AuditEvent.objects.filter(action="login_address_throttled").count() == 1


def test_known_accounts_failures_stay_audited_one_event_each(world) -> None:
    client = client_at("10.0.0.7")
    post_login(client, "leader", "wrong")
    post_login(client, "leader", "wrong")
    events = AuditEvent.objects.filter(action="user_login_failed", target_id=str(world.leader.pk))
    assert events.count() == 2


def test_every_failure_has_the_same_words_and_status(world, settings) -> None:
    client = client_at("10.0.0.8")
    User.objects.filter(pk=world.handler_unit_a.pk).update(is_active=False)
    answers = {
        (r.status_code, LOGIN_FAILED in r.content.decode())
        for r in [
            post_login(client, "nobody", "x"),
            post_login(client, "leader", "wrong"),
            post_login(client, "handler_unit_a", PASSWORD),
        ]
    }
    for _ in range(settings.SHEGONG_LOGIN_MAX_FAILURES):
        post_login(client, "auditor", "wrong")
    locked = post_login(client, "auditor", PASSWORD)
    answers.add((locked.status_code, LOGIN_FAILED in locked.content.decode()))
    assert answers == {(401, True)}


def test_repeated_locks_back_off(world, settings) -> None:
    base = settings.SHEGONG_LOGIN_LOCK_SECONDS
    with time_machine.travel(NOW, tick=False):
        for _ in range(settings.SHEGONG_LOGIN_MAX_FAILURES):
            services.record_login_failure(username="leader", address="10.1.1.1")
        first = LoginThrottle.objects.get(kind="account").locked_until
    assert first == NOW + timedelta(seconds=base)
    with time_machine.travel(first + timedelta(seconds=1), tick=False):
        for _ in range(settings.SHEGONG_LOGIN_MAX_FAILURES):
            services.record_login_failure(username="leader", address="10.1.1.1")
        second = LoginThrottle.objects.get(kind="account").locked_until
    assert second == first + timedelta(seconds=1 + 2 * base)


def test_the_lock_time_on_the_login_page_comes_from_the_setting(client, settings) -> None:
    settings.SHEGONG_LOGIN_LOCK_SECONDS = 15 * 60
    page = client.get("/accounts/login/").content.decode()
    assert "15 分钟" in page


def test_unlock_releases_every_address_lock_of_the_account(world, settings) -> None:
    client = client_at("10.0.0.9")
    for _ in range(settings.SHEGONG_LOGIN_MAX_FAILURES):
        post_login(client, "leader", "wrong")
    services.unlock_user(actor=world.root, user_id=world.leader.pk)
    assert post_login(client, "leader", PASSWORD).status_code == 302


def test_unlock_button_works_from_the_user_page(world, client_for, settings) -> None:
    for _ in range(settings.SHEGONG_LOGIN_MAX_FAILURES):
        post_login(client_at("10.0.0.10"), "leader", "wrong")
    admin = client_for(world.dept_admin)
    page = admin.get(f"/accounts/users/{world.leader.pk}/").content.decode()
    assert "解除锁定" in page
    admin.post(f"/accounts/users/{world.leader.pk}/unlock/")
    assert not throttle.account_throttled(username="leader")


def test_the_last_five_passwords_cannot_be_reused(world) -> None:
    passwords = [f"Fresh@Pass{i}x" for i in range(5)]
    current = PASSWORD
    for new in passwords:
        services.change_own_password(actor=world.leader, old_password=current, new_password=new)
        current = new
    # PASSWORD is the sixth back now: allowed; the previous ones are not.
    with pytest.raises(DomainError, match="最近 5 次"):
        services.change_own_password(
            actor=world.leader, old_password=current, new_password=passwords[1]
        )


def test_history_keeps_hashes_only(world) -> None:
    services.change_own_password(
        actor=world.leader, old_password=PASSWORD, new_password="Fresh@Pass9x"
    )
    stored = world.leader.password_history.get().password
    assert PASSWORD not in stored


def test_an_expired_password_must_be_changed_at_login(world, settings) -> None:
    # The branch secretary needs no second factor: the password step comes first.
    settings.SHEGONG_PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=world.secretary.pk).update(
        password_changed_at=timezone.now() - timedelta(days=91)
    )
    client = client_at("10.0.0.11")
    response = post_login(client, "secretary", PASSWORD)
    assert response["Location"].startswith("/accounts/password/")
    assert client.get("/").status_code == 302


def test_admin_password_reset_page_forces_a_change_at_next_login(world, client_for) -> None:
    admin = client_for(world.dept_admin)
    url = f"/accounts/users/{world.secretary.pk}/password/"
    assert admin.get(url).status_code == 200
    admin.post(url, {"new_password": "Temp@Pass2026", "new_password2": "Temp@Pass2026"})
    assert AuditEvent.objects.filter(
        action="user_password_reset", target_id=str(world.secretary.pk)
    ).exists()
    client = client_at("10.0.0.12")
    response = post_login(client, "secretary", "Temp@Pass2026")
    assert response["Location"].startswith("/accounts/password/")


def test_forced_change_then_lets_the_user_in(world) -> None:
    services.reset_password(
        actor=world.root, user_id=world.secretary.pk, new_password="Temp@Pass1x"
    )
    client = client_at("10.0.0.13")
    post_login(client, "secretary", "Temp@Pass1x")
    client.post(
        "/accounts/password/",
        {
            "old_password": "Temp@Pass1x",
            "new_password": "Brand@New2026",
            "new_password2": "Brand@New2026",
        },
    )
    assert client.get("/").status_code == 200


def test_admin_login_answers_anonymously_without_a_server_error(client) -> None:
    response = client.get("/admin/login/")
    assert response.status_code == 302


def test_admin_login_sends_to_the_platform_login(client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"].startswith("/accounts/login/")
