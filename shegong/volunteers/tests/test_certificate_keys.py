"""Certificates outlive key rotations: their own signing key, fallbacks, and re-signing.

A volunteer keeps a certificate for years (a school, an employer checks it); rotating the
site's SECRET_KEY must not turn every genuine certificate into 证明内容被篡改."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from shegong.core.models import AuditEvent
from shegong.volunteers import services

pytestmark = pytest.mark.django_db

OLD_SECRET = "old-secret-key-" + "x" * 40


def _certificate(kit: Any) -> Any:
    v = kit.volunteer()
    services.record_hours(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        hours=Decimal("6"),
        service_date=timezone.localdate() - timedelta(days=2),
        title="社区巡防",
        organizer="北一社区",
        region_id=kit.world.north_one.pk,
    )
    return services.issue_certificate(volunteer_id=v.pk, actor=kit.vm_north)


def _verdict(cert: Any) -> str:
    return services.verify_certificate(cert.verify_code).verdict


@override_settings(SECRET_KEY=OLD_SECRET, SHEGONG_CERT_SIGNING_KEY="")
def test_without_a_signing_key_a_secret_key_rotation_voids_certificates(kit: Any) -> None:
    cert = _certificate(kit)
    assert _verdict(cert) == "genuine"
    with override_settings(SECRET_KEY="new-secret-key-" + "y" * 40):
        assert _verdict(cert) == "altered"
        # … unless the old key stays on as the certificate key (or a fallback).
        with override_settings(SHEGONG_CERT_SIGNING_KEY=OLD_SECRET):
            assert _verdict(cert) == "genuine"
        with override_settings(SHEGONG_CERT_SIGNING_KEY_FALLBACKS=[OLD_SECRET]):
            assert _verdict(cert) == "genuine"


@override_settings(SECRET_KEY=OLD_SECRET, SHEGONG_CERT_SIGNING_KEY="")
def test_rotation_by_fallback_then_resign(kit: Any) -> None:
    cert = _certificate(kit)
    tampered = _certificate(kit)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE volunteers_certificate SET hours = %s WHERE id = %s", ["60.00", tampered.pk]
        )
    rotated = {"SHEGONG_CERT_SIGNING_KEY": "brand-new-key", "SECRET_KEY": "s" * 50}
    with override_settings(**rotated, SHEGONG_CERT_SIGNING_KEY_FALLBACKS=[OLD_SECRET]):
        assert _verdict(cert) == "genuine"
        out = StringIO()
        with pytest.raises(CommandError, match="1"):
            call_command("resign_volunteer_certificates", stdout=out)
        assert "已用当前密钥重新签名 1 份" in out.getvalue()
        event = AuditEvent.objects.filter(action="volunteer_certificates_resigned").get()
        assert event.changes["resigned"] == [cert.number]
        assert event.changes["unverifiable"] == [tampered.number]
    with override_settings(**rotated, SHEGONG_CERT_SIGNING_KEY_FALLBACKS=[]):
        assert _verdict(cert) == "genuine"  # signed with the new key now
        assert _verdict(tampered) == "altered"  # never laundered by the re-signing
        report = services.resign_certificates()
        assert (report.resigned, report.current) == ([], 1)


@override_settings(SECRET_KEY=OLD_SECRET, SHEGONG_CERT_SIGNING_KEY="")
def test_resign_never_launders_a_changed_ledger_or_a_post_leak_certificate(kit: Any) -> None:
    """Someone holding the leaked old key could have rewritten a ledger entry or issued a
    certificate after the leak: re-signing must not bless either."""
    from shegong.volunteers.models import HoursEntry

    cooked = _certificate(kit)
    entry = HoursEntry.objects.get(volunteer_id=cooked.volunteer_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE volunteers_hoursentry SET hours = %s WHERE id = %s", ["60.00", entry.pk]
        )
    late = _certificate(kit)
    cutoff = late.issued_at
    rotated = {
        "SHEGONG_CERT_SIGNING_KEY": "brand-new-key",
        "SHEGONG_CERT_SIGNING_KEY_FALLBACKS": [OLD_SECRET],
    }
    with override_settings(**rotated):
        report = services.resign_certificates(issued_before=cutoff)
    assert report.resigned == []
    assert report.unverifiable == [cooked.number]
    assert report.held == [late.number]
    event = AuditEvent.objects.filter(action="volunteer_certificates_resigned").get()
    assert (event.changes["unverifiable_total"], event.changes["held_total"]) == (1, 1)
