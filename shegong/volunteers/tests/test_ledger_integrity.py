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
from shegong.volunteers.services.ledger import check_chain, entry_hash

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


def _rewrite_entry_and_head(v: Any, entry: HoursEntry, hours: str, total: str) -> None:
    """The reviewer's attack: edit an entry, recompute its hash, move the head to match."""
    _sql("UPDATE volunteers_hoursentry SET hours=%s WHERE id=%s", [hours, entry.pk])
    forged = entry_hash(HoursEntry.objects.get(pk=entry.pk))
    _sql("UPDATE volunteers_hoursentry SET hash=%s WHERE id=%s", [forged, entry.pk])
    _sql(
        "UPDATE volunteers_volunteer SET ledger_head=%s, total_hours=%s WHERE id=%s",
        [forged, total, v.pk],
    )


def test_rewrite_with_head_update_is_detected(kit: Any) -> None:
    v = kit.volunteer()
    _e1, e2 = _hours(kit, v, "2", "3")
    early = services.issue_certificate(volunteer_id=v.pk)
    # a certificate on an older head, then more hours, then the newest entry is rewritten
    (e3,) = _hours(kit, v, "1")
    old_cert = services.issue_certificate(volunteer_id=v.pk)
    assert old_cert.ledger_seq == 3
    _rewrite_entry_and_head(v, e3, "30.00", "35.00")
    # the chain itself is consistent again ...
    rows = HoursEntry.objects.filter(volunteer=v).order_by("seq")
    assert check_chain(Volunteer.objects.get(pk=v.pk), rows).ok
    # ... but its head is not the one anchored in the audit chain
    report = services.verify_ledger(save=False)
    assert not report.ok
    assert report.problems[0]["volunteer"] == v.number
    assert "审计链" in report.problems[0]["detail"]
    with pytest.raises(CommandError, match="1 位志愿者"):
        call_command("verify_volunteer_ledger")
    assert services.verify_certificate(early.verify_code).verdict == "ledger_tampered"
    with pytest.raises(DomainError, match="校验未通过"):
        services.issue_certificate(volunteer_id=v.pk)
    assert e2.pk


def test_cutting_the_tail_and_rolling_the_head_back_is_detected(kit: Any) -> None:
    v = kit.volunteer()
    e1, e2 = _hours(kit, v, "2", "3")
    cert = services.issue_certificate(volunteer_id=v.pk, actor=kit.vm_north)
    assert cert.ledger_seq == 2
    first = services.issue_certificate(volunteer_id=v.pk)
    _sql("DELETE FROM volunteers_hoursentry WHERE id=%s", [e2.pk])
    _sql(
        "UPDATE volunteers_volunteer SET ledger_head=%s, ledger_seq=1, total_hours='2.00' "
        "WHERE id=%s",
        [e1.hash, v.pk],
    )
    report = services.verify_ledger(save=False)
    assert not report.ok
    assert "审计链" in report.problems[0]["detail"]
    assert services.verify_certificate(first.verify_code).verdict == "ledger_tampered"
    with pytest.raises(DomainError, match="校验未通过"):
        services.issue_certificate(volunteer_id=v.pk)


def test_every_append_is_anchored_and_the_audit_chain_stays_intact(kit: Any) -> None:
    from shegong.core import audit
    from shegong.core.models import AuditEvent

    v = kit.volunteer()
    (e1,) = _hours(kit, v, "2")
    services.reverse_entry(actor=kit.world.dept_admin, entry_id=e1.pk, reason="录错")
    anchors = AuditEvent.objects.filter(
        action="volunteer_ledger_anchored", target_id=str(v.pk)
    ).order_by("seq")
    assert [a.changes["seq"] for a in anchors] == [1, 2]
    assert [a.changes["cause"] for a in anchors] == [
        "volunteer_hours_recorded",
        "volunteer_hours_reversed",
    ]
    v.refresh_from_db()
    assert anchors.last().changes["head"] == v.ledger_head  # type: ignore[union-attr]
    assert services.verify_ledger(save=False).ok
    assert audit.verify_chain(save=False).ok


def test_backfill_anchors_old_intact_ledgers_only(kit: Any) -> None:
    from shegong.core.models import AuditEvent

    v = kit.volunteer()
    _hours(kit, v, "2")
    # a ledger written before anchoring existed: no anchor events at all
    _sql("DELETE FROM core_auditevent WHERE action=%s", ["volunteer_ledger_anchored"])
    assert not services.verify_ledger(save=False).ok
    call_command("verify_volunteer_ledger", "--anchor-missing")
    assert services.verify_ledger(save=False).ok
    assert AuditEvent.objects.filter(action="volunteer_ledger_anchored").count() == 1
