"""Review fixes for the ledger and certificates: a certificate stops verifying once hours it
covers are reversed (superseded); rewriting a chain and its head (or cutting its tail) is
caught against the head anchored in the global audit chain."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from shegong.core.exceptions import DomainError
from shegong.volunteers import services
from shegong.volunteers.models import HoursEntry, Volunteer
from shegong.volunteers.services.ledger import entry_hash

pytestmark = pytest.mark.django_db


def _hours(kit: Any, v: Any, *amounts: str) -> list[HoursEntry]:
    return [
        services.record_hours(
            actor=kit.vm_north,
            volunteer_id=v.pk,
            hours=Decimal(a),
            service_date=timezone.localdate() - timedelta(days=i + 1),
            title=f"补录{i}",
            organizer="北一社区",
            region_id=kit.world.north_one.pk,
        )
        for i, a in enumerate(amounts)
    ]


def _sql(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_certificate_is_superseded_when_covered_hours_are_reversed(kit: Any, client: Any) -> None:
    v = kit.volunteer()
    _e1, e2 = _hours(kit, v, "5", "7")
    cert = services.issue_certificate(volunteer_id=v.pk)
    assert cert.hours == Decimal("12.00")
    assert services.verify_certificate(cert.verify_code).verdict == "genuine"
    services.reverse_entry(actor=kit.world.dept_admin, entry_id=e2.pk, reason="虚报")
    result = services.verify_certificate(cert.verify_code)
    assert result.verdict == "superseded"
    assert "请重新出具" in result.detail
    page = client.get(f"/volunteer/verify/{cert.verify_code}/")
    assert "记录已更正，本证明已失效，请重新出具" in page.content.decode()
    api = client.get(f"/api/volunteer-certificates/verify/{cert.verify_code}").json()
    assert api["verdict"] == "superseded"
    # a new certificate covers only what still stands, and verifies
    fresh = services.issue_certificate(volunteer_id=v.pk)
    assert fresh.hours == Decimal("5.00")
    assert services.verify_certificate(fresh.verify_code).verdict == "genuine"


def test_later_hours_do_not_supersede_a_certificate(kit: Any) -> None:
    v = kit.volunteer()
    _hours(kit, v, "5")
    cert = services.issue_certificate(volunteer_id=v.pk)
    (later,) = _hours(kit, v, "3")
    # reversing an entry recorded after the certificate does not touch it
    services.reverse_entry(actor=kit.world.dept_admin, entry_id=later.pk, reason="录错")
    assert services.verify_certificate(cert.verify_code).verdict == "genuine"
