"""Forwarded check-in links: a short default token lifetime, and a 异常 flag on the
manager's roster when check-in and check-out came from different client addresses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from conftest import PASSWORD
from shegong.core.exceptions import DomainError
from shegong.volunteers import services
from shegong.volunteers.models import CheckinScan
from shegong.volunteers.portal_views import SESSION_KEY

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fixed_clock"),  # dated relative to now; see conftest
]


def _signed_up(kit: Any) -> tuple[Any, Any, Any]:
    slot = kit.activity().slots.get()
    v = kit.volunteer()
    return slot, v, services.sign_up(volunteer_id=v.pk, slot_id=slot.pk)


def test_default_token_lifetime_is_short(kit: Any) -> None:
    assert services.get_policy().token_ttl_seconds == 30
    slot, v, _ = _signed_up(kit)
    issued = slot.starts_at
    with freeze_time(issued):
        token = services.checkin_token(slot.pk)
    with freeze_time(issued + timedelta(seconds=45)), pytest.raises(DomainError, match="过期"):
        services.scan_checkin(volunteer_id=v.pk, token=token, now=issued + timedelta(seconds=45))


def _scan(slot: Any, v: Any, at: Any, ip: str, ua: str) -> Any:
    with freeze_time(at):
        return services.scan_checkin(
            volunteer_id=v.pk, token=services.checkin_token(slot.pk), now=at, ip=ip, user_agent=ua
        )


def _roster(kit: Any, slot: Any) -> str:
    c = Client()
    assert c.login(username=kit.vm_north.username, password=PASSWORD)
    return c.get(f"/volunteers/slots/{slot.pk}/").content.decode()


def test_scans_keep_client_and_flag_different_addresses(kit: Any) -> None:
    slot, v, signup = _signed_up(kit)
    _scan(slot, v, slot.starts_at, "10.0.0.5", "Phone A")
    _scan(slot, v, slot.ends_at, "203.0.113.9", "Phone B")
    scans = CheckinScan.objects.filter(signup=signup).order_by("used_at")
    assert [(s.ip, s.user_agent) for s in scans] == [
        ("10.0.0.5", "Phone A"),
        ("203.0.113.9", "Phone B"),
    ]
    flags = services.scan_anomalies([signup.pk])
    assert "不同网络地址" in flags[signup.pk]
    page = _roster(kit, slot)
    assert 'data-testid="scan-anomaly"' in page
    assert "异常" in page


def test_same_address_is_not_flagged(kit: Any) -> None:
    slot, v, signup = _signed_up(kit)
    _scan(slot, v, slot.starts_at, "10.0.0.5", "Phone A")
    _scan(slot, v, slot.ends_at, "10.0.0.5", "Phone A")
    assert services.scan_anomalies([signup.pk]) == {}
    assert 'data-testid="scan-anomaly"' not in _roster(kit, slot)


def test_portal_scan_records_the_client(kit: Any) -> None:
    # starts in 10 minutes: inside the early check-in window, no clock freezing needed
    slot = kit.activity(start=timezone.now() + timedelta(minutes=10)).slots.get()
    v = kit.volunteer()
    signup = services.sign_up(volunteer_id=v.pk, slot_id=slot.pk)
    c = Client(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT="TestPhone/1.0")
    session = c.session
    session[SESSION_KEY] = {"id": v.pk, "expires": 10**12}  # the portal's signed-in volunteer
    session.save()
    response = c.post(f"/volunteer/checkin/{services.checkin_token(slot.pk)}/")
    assert response.status_code == 200
    scan = CheckinScan.objects.get(signup=signup)
    assert scan.ip == "198.51.100.7"
    assert scan.user_agent == "TestPhone/1.0"
