"""Issue 16 item 1: TOTP second factor for administrators and roles that reveal or export
personal data; enrolment with a QR code, recovery codes, audit, an administrator's reset."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings

from conftest import PASSWORD
from shegong.accounts import second_factor
from shegong.accounts.models import RecoveryCode
from shegong.core.models import AuditEvent
from shegong.core.roles import ROLE_CAPABILITIES, Cap, Role

pytestmark = pytest.mark.django_db

NOW = timezone.datetime(2026, 12, 7, 9, 0, tzinfo=timezone.get_current_timezone())


@pytest.fixture(autouse=True)
def _passwords_do_not_expire(settings: Settings) -> None:
    """The personas' passwords are set on the real day the world is built; these tests travel
    to NOW, which may be past the expiry (tested in test_login_abuse and test_session_checks)."""
    settings.SHEGONG_PASSWORD_MAX_AGE_DAYS = 0


def code_for(device: TOTPDevice) -> str:
    return str(totp(device.bin_key, device.step, device.t0, device.digits)).zfill(device.digits)


def password_login(username: str, address: str = "10.2.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    return client


def test_roles_needing_a_second_factor_are_computed_from_the_grants() -> None:
    sensitive = {
        role
        for role, caps in ROLE_CAPABILITIES.items()
        if Cap.PII_REVEAL in caps or Cap.EXPORT in caps
    }
    expected = sensitive | {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR}
    assert second_factor.roles_needing_second_factor() == expected


def test_a_dispatcher_without_a_device_is_sent_to_enrolment(world) -> None:
    with time_machine.travel(NOW, tick=False):
        client = password_login("dispatcher")
        response = client.get("/appeals/")
    assert response["Location"].startswith("/accounts/second-factor/")


def test_the_enrolment_page_shows_an_inline_qr_code(world) -> None:
    with time_machine.travel(NOW, tick=False):
        client = password_login("dispatcher")
        page = client.get("/accounts/second-factor/").content.decode()
    assert "<svg" in page


def test_enrolment_confirms_with_a_code_and_lets_the_user_in(world) -> None:
    with time_machine.travel(NOW, tick=False):
        client = password_login("dispatcher")
        client.get("/accounts/second-factor/")
        device = TOTPDevice.objects.get(user=world.dispatcher)
        client.post("/accounts/second-factor/", {"code": code_for(device)})
        assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="second_factor_enrolled").count() == 1


def test_recovery_codes_are_shown_once_and_stored_hashed(world) -> None:
    with time_machine.travel(NOW, tick=False):
        client = password_login("dispatcher")
        client.get("/accounts/second-factor/")
        device = TOTPDevice.objects.get(user=world.dispatcher)
        page = client.post("/accounts/second-factor/", {"code": code_for(device)})
    shown = page.context["codes"]
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert stored == {RecoveryCode.hash_code(c) for c in shown}
    assert not set(shown) & stored


def _enrolled(world):
    with time_machine.travel(NOW, tick=False):
        client = password_login("dispatcher")
        client.get("/accounts/second-factor/")
        device = TOTPDevice.objects.get(user=world.dispatcher)
        page = client.post("/accounts/second-factor/", {"code": code_for(device)})
    return device, page.context["codes"]


def test_an_enrolled_user_must_enter_a_code_before_any_page(world) -> None:
    device, _ = _enrolled(world)
    later = NOW + timezone.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        client = password_login("dispatcher", "10.2.0.2")
        assert client.get("/appeals/")["Location"].startswith("/accounts/second-factor/verify/")
        device.refresh_from_db()
        client.post("/accounts/second-factor/verify/", {"code": code_for(device)})
        assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="second_factor_verified").count() == 1


def test_a_wrong_code_is_refused_and_audited(world) -> None:
    _enrolled(world)
    with time_machine.travel(NOW + timezone.timedelta(minutes=5), tick=False):
        client = password_login("dispatcher", "10.2.0.3")
        client.post("/accounts/second-factor/verify/", {"code": "000000"})
        assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="second_factor_failed", success=False).exists()


def test_the_api_refuses_a_session_that_has_not_passed_the_second_factor(world) -> None:
    _enrolled(world)
    with time_machine.travel(NOW + timezone.timedelta(minutes=5), tick=False):
        client = password_login("dispatcher", "10.2.0.4")
        assert client.get("/api/me").status_code == 401


def test_a_recovery_code_works_once(world) -> None:
    _, codes = _enrolled(world)
    with time_machine.travel(NOW + timezone.timedelta(minutes=5), tick=False):
        first = password_login("dispatcher", "10.2.0.5")
        first.post("/accounts/second-factor/verify/", {"recovery_code": codes[0]})
        assert first.get("/").status_code == 200
        second = password_login("dispatcher", "10.2.0.6")
        second.post("/accounts/second-factor/verify/", {"recovery_code": codes[0]})
        assert second.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="recovery_code_used").count() == 1


def test_an_administrator_resets_a_lost_second_factor_audited(world, client_for) -> None:
    _enrolled(world)
    admin = client_for(world.dept_admin)
    admin.post(f"/accounts/users/{world.dispatcher.pk}/second-factor/reset/")
    assert not TOTPDevice.objects.filter(user=world.dispatcher).exists()
    assert AuditEvent.objects.filter(
        action="second_factor_reset", target_id=str(world.dispatcher.pk)
    ).exists()


def test_after_a_reset_the_user_enrols_again(world) -> None:
    _enrolled(world)
    second_factor.reset_second_factor(actor=world.root, user_id=world.dispatcher.pk)
    with time_machine.travel(NOW + timezone.timedelta(minutes=5), tick=False):
        client = password_login("dispatcher", "10.2.0.7")
        assert client.get("/")["Location"].startswith("/accounts/second-factor/?")


def test_a_secretary_needs_no_second_factor(world) -> None:
    client = password_login("secretary", "10.2.0.8")
    assert client.get("/").status_code == 200
