"""The public verification page and API: by verify code only, nothing beyond the
certificate (no live total), failed look-ups rate-limited per client address."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from shegong.volunteers import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def _hours(kit: Any, v: Any, amount: str, days: int = 1) -> None:
    services.record_hours(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        hours=Decimal(amount),
        service_date=timezone.localdate() - timedelta(days=days),
        title="补录",
        organizer="北一社区",
        region_id=kit.world.north_one.pk,
    )


def test_public_output_has_no_live_hours(kit: Any) -> None:
    v = kit.volunteer()
    _hours(kit, v, "5")
    cert = services.issue_certificate(volunteer_id=v.pk)
    _hours(kit, v, "8", days=2)
    c = Client()
    body = c.get(f"/volunteer/verify/{cert.verify_code}/").content.decode()
    assert "真实有效" in body
    assert "5.00" in body
    assert "13.00" not in body
    assert "当前累计" not in body
    assert "出具后有新的服务记录" in body
    api = c.get(f"/api/volunteer-certificates/verify/{cert.verify_code}").json()
    assert api["verdict"] == "genuine"
    assert "current_hours" not in api
    assert "13.00" not in str(api)
    assert api["record_current"] is False


def test_certificate_number_alone_does_not_resolve(kit: Any) -> None:
    v = kit.volunteer()
    _hours(kit, v, "5")
    cert = services.issue_certificate(volunteer_id=v.pk)
    c = Client()
    assert services.verify_certificate(cert.number).verdict == "not_found"
    page = c.get(f"/volunteer/verify/{cert.number}/")
    assert page.status_code == 404
    assert cert.name_masked not in page.content.decode()
    api = c.get(f"/api/volunteer-certificates/verify/{cert.number}").json()
    assert api["verdict"] == "not_found"
    assert api["number"] is None
    # the lookup form takes the verify code and no longer resolves numbers
    by_number = c.get("/volunteer/verify/", {"number": cert.number})
    assert by_number.status_code == 200
    assert cert.verify_code not in by_number.content.decode()
    by_code = c.get("/volunteer/verify/", {"code": cert.verify_code}, follow=True)
    assert "真实有效" in by_code.content.decode()


@override_settings(VOLUNTEER_VERIFY_FAILS_PER_MINUTE=20)
def test_failed_public_lookups_are_rate_limited_per_client(kit: Any) -> None:
    v = kit.volunteer()
    _hours(kit, v, "5")
    cert = services.issue_certificate(volunteer_id=v.pk)
    guesser = Client(REMOTE_ADDR="10.9.9.9")
    for i in range(20):
        assert guesser.get(f"/volunteer/verify/guess{i}/").status_code == 404
    blocked = guesser.get(f"/volunteer/verify/{cert.verify_code}/")
    assert blocked.status_code == 429
    assert "查验过于频繁" in blocked.content.decode()
    api = guesser.get(f"/api/volunteer-certificates/verify/{cert.verify_code}")
    assert api.status_code == 429
    assert "查验过于频繁" in api.json()["detail"]
    # another client is not affected; successful look-ups do not count
    other = Client(REMOTE_ADDR="10.8.8.8")
    for _ in range(25):
        assert other.get(f"/volunteer/verify/{cert.verify_code}/").status_code == 200
