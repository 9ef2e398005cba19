"""Review fixes of the login steps: every session is checked, a bearer header opens nothing
outside the API, first passwords must be changed, every password is dated and kept, unlock
respects the reserved roles, the throttle counts an IPv6 /64 as one address."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from shegong.accounts import services, throttle
from shegong.accounts.models import LoginThrottle, PasswordHistory, User
from shegong.core.periodic import REGISTRY
from shegong.core.roles import Role
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db

NOW = timezone.datetime(2026, 12, 7, 9, 0, tzinfo=timezone.get_current_timezone())
JUNK_BEARER = {"HTTP_AUTHORIZATION": "Bearer junk"}


def password_login(username: str) -> Client:
    client = Client(REMOTE_ADDR="10.3.0.1")
    client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    return client


# 1. A bearer header does not skip the steps outside the API.


def test_a_junk_bearer_header_does_not_open_a_page_before_the_second_factor(world) -> None:
    with time_machine.travel(NOW, tick=False):
        client = password_login("dispatcher")
        response = client.get("/appeals/", **JUNK_BEARER)
    assert response["Location"].startswith("/accounts/second-factor/")


def test_a_junk_bearer_header_does_not_mint_a_token_before_the_second_factor(world) -> None:
    with time_machine.travel(NOW, tick=False):
        client = password_login("dispatcher")
        client.post("/accounts/tokens/", {"name": "脚本", "days": 30}, **JUNK_BEARER)
    assert not world.dispatcher.api_tokens.exists()


def test_a_junk_bearer_token_on_the_api_is_refused_beside_a_session(world) -> None:
    with time_machine.travel(NOW, tick=False):
        client = password_login("dispatcher")
        response = client.get("/api/appeals", **JUNK_BEARER)
    assert response.status_code == 401


# 2. Every authenticated session is checked, not only those of the login form.


def test_a_session_that_skipped_the_login_form_is_sent_to_the_login(world, settings) -> None:
    settings.SHEGONG_TRUST_FORCED_LOGIN = False  # as in production
    client = Client()
    client.force_login(world.users["street_north"])
    response = client.get("/appeals/")
    assert response["Location"].startswith("/accounts/login/")


def test_a_session_that_skipped_the_login_form_is_ended(world, settings) -> None:
    settings.SHEGONG_TRUST_FORCED_LOGIN = False
    client = Client()
    client.force_login(world.users["street_north"])
    client.get("/appeals/")
    assert "_auth_user_id" not in client.session


def test_the_api_refuses_a_session_that_skipped_the_login_form(world, settings) -> None:
    settings.SHEGONG_TRUST_FORCED_LOGIN = False
    client = Client()
    client.force_login(world.users["street_north"])
    assert client.get("/api/appeals").status_code == 401


def test_forced_logins_are_trusted_only_by_the_test_settings() -> None:
    from shegong.conf import settings as production

    assert not hasattr(production, "SHEGONG_TRUST_FORCED_LOGIN")


# 6. The administrator's first password must be changed.


def new_user(actor: User, *, must_change_password: bool = True) -> User:
    return services.create_user(
        actor=actor,
        username="newcomer",
        full_name="新用户",
        role=Role.STREET_STAFF,
        password=PASSWORD,
        region_id=Region.objects.get(code="339901001").pk,
        must_change_password=must_change_password,
    )


def test_a_new_account_must_change_its_first_password(world) -> None:
    assert new_user(world.root).must_change_password


def test_the_demo_may_create_accounts_without_a_forced_change(world) -> None:
    assert not new_user(world.root, must_change_password=False).must_change_password


def test_the_first_login_of_a_new_account_goes_to_the_password_change(world, settings) -> None:
    settings.SHEGONG_SECOND_FACTOR_REQUIRED = False
    new_user(world.root)
    client = Client(REMOTE_ADDR="10.3.0.9")
    response = client.post("/accounts/login/", {"username": "newcomer", "password": PASSWORD})
    assert response["Location"].startswith("/accounts/password/")


# 9. Every password is dated and the former one kept, whatever sets it.


def test_createsuperuser_dates_the_password() -> None:
    with time_machine.travel(NOW, tick=False):
        user = User.objects.create_superuser("boss", password="Root@Pass2026")
    assert user.password_changed_at == NOW


def test_changepassword_keeps_the_former_hash(world) -> None:
    user = User.objects.get(pk=world.root.pk)
    former = user.password
    user.set_password("Other@Pass2026")  # what manage.py changepassword does
    user.save()
    assert PasswordHistory.objects.filter(user=user, password=former).exists()


def test_a_hash_upgrade_keeps_no_history(world) -> None:
    user = User.objects.get(pk=world.root.pk)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])  # what check_password's rehash does
    assert not PasswordHistory.objects.filter(user=user).exists()


def test_an_undated_password_is_expired_at_login(world) -> None:
    user = world.users["street_north"]
    user.must_change_password = False
    user.password_changed_at = None
    assert services.password_expired(user)


# 10. Unlocking goes through the same checks as the other resets.


def test_the_security_administrator_cannot_unlock_an_auditor(world) -> None:
    security = services.create_user(
        actor=world.root,
        username="sec",
        full_name="安全管理员",
        role=Role.SECURITY_ADMIN,
        password=PASSWORD,
        region_id=world.city.pk,
    )
    with pytest.raises(PermissionDenied):
        services.unlock_user(actor=security, user_id=world.auditor.pk)


def test_an_administrator_does_not_unlock_their_own_account(world) -> None:
    admin = world.users["dept_admin"]
    with pytest.raises(PermissionDenied):
        services.unlock_user(actor=admin, user_id=admin.pk)


# 11. One IPv6 /64 is one address; idle rows are purged.


def test_addresses_of_one_ipv6_64_share_a_count() -> None:
    assert throttle.throttle_address("2001:db8:1:2::1") == throttle.throttle_address(
        "2001:db8:1:2:ffff:1:2:3"
    )


def test_addresses_of_two_ipv6_64s_count_apart() -> None:
    assert throttle.throttle_address("2001:db8:1:2::1") != throttle.throttle_address(
        "2001:db8:1:3::1"
    )


def test_failures_from_one_ipv6_64_lock_the_network(settings) -> None:
    settings.SHEGONG_LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    with time_machine.travel(NOW, tick=False):
        for n in range(3):
            throttle.count_failure(username=f"name{n}", address=f"2001:db8:1:2::{n + 1}")
        assert throttle.is_throttled(username="other", address="2001:db8:1:2::99")


def throttle_row(key: str, *, idle: timedelta, locked: bool) -> LoginThrottle:
    return LoginThrottle.objects.create(
        key=key,
        kind=LoginThrottle.Kind.ADDRESS,
        last_failure_at=NOW - idle,
        locked_until=NOW + timedelta(hours=1) if locked else None,
    )


def test_the_purge_deletes_rows_idle_for_a_day() -> None:
    throttle_row("idle", idle=timedelta(days=2), locked=False)
    throttle.purge_idle(now=NOW)
    assert not LoginThrottle.objects.filter(key="idle").exists()


def test_the_purge_keeps_recent_rows() -> None:
    throttle_row("recent", idle=timedelta(hours=2), locked=False)
    throttle.purge_idle(now=NOW)
    assert LoginThrottle.objects.filter(key="recent").exists()


def test_the_purge_keeps_locked_rows() -> None:
    throttle_row("locked", idle=timedelta(days=2), locked=True)
    throttle.purge_idle(now=NOW)
    assert LoginThrottle.objects.filter(key="locked").exists()


def test_the_purge_is_a_periodic_job() -> None:
    import shegong.accounts.tasks  # noqa: F401  (the scheduler imports every app's tasks)

    assert "accounts.purge_login_throttle" in REGISTRY
