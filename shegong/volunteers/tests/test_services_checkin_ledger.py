"""Check-in tokens (expiry, replay, forgery), hours, the hash-chained ledger, stars and
certificates (including tamper detection)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time

from shegong.core.exceptions import DomainError
from shegong.volunteers import services
from shegong.volunteers.models import Certificate, HoursEntry, Volunteer

pytestmark = pytest.mark.django_db


def _signed_up(kit: Any, **kw: Any) -> tuple[Any, Any, Any]:
    activity = kit.activity(**kw)
    slot = activity.slots.get()
    v = kit.volunteer()
    signup = services.sign_up(volunteer_id=v.pk, slot_id=slot.pk)
    return slot, v, signup


def test_qr_checkin_and_checkout_then_confirm(kit: Any) -> None:
    slot, v, _ = _signed_up(kit)
    t_in = slot.starts_at + timedelta(minutes=2)
    t_out = slot.starts_at + timedelta(hours=2, minutes=52)
    with freeze_time(t_in):
        token = services.checkin_token(slot.pk)
        s = services.scan_checkin(volunteer_id=v.pk, token=token, now=t_in)
        assert s.attendance == "in"
    with freeze_time(t_out):
        s = services.scan_checkin(
            volunteer_id=v.pk, token=services.checkin_token(slot.pk), now=t_out
        )
    assert s.attendance == "out"
    # 2h50m, rounded down to the quarter hour
    assert s.computed_hours == Decimal("2.75")
    entry = services.confirm_hours(actor=kit.vm_north, signup_id=s.pk)
    v.refresh_from_db()
    assert entry.seq == 1
    assert v.total_hours == Decimal("2.75")
    assert v.ledger_head == entry.hash
    with pytest.raises(DomainError, match="已确认"):
        services.confirm_hours(actor=kit.vm_north, signup_id=s.pk)


def test_token_expiry(kit: Any) -> None:
    slot, v, _ = _signed_up(kit)
    at = slot.starts_at
    with freeze_time(at - timedelta(minutes=10)):
        token = services.checkin_token(slot.pk)
    ttl = services.get_policy().token_ttl_seconds
    later = at - timedelta(minutes=10) + timedelta(seconds=ttl + 1)
    with freeze_time(later), pytest.raises(DomainError, match="过期") as exc:
        services.scan_checkin(volunteer_id=v.pk, token=token, now=at)
    assert exc.value.code == "token_expired"


def test_token_replay_and_forgery_are_refused(kit: Any) -> None:
    slot, v, _ = _signed_up(kit)
    at = slot.starts_at
    with freeze_time(at):
        token = services.checkin_token(slot.pk)
        services.scan_checkin(volunteer_id=v.pk, token=token, now=at)
        with pytest.raises(DomainError) as exc:
            services.scan_checkin(volunteer_id=v.pk, token=token, now=at + timedelta(minutes=30))
        assert exc.value.code == "token_replayed"
        forged = token.replace(f"{slot.pk}.", f"{slot.pk + 1}.", 1)
        with pytest.raises(DomainError) as exc:
            services.scan_checkin(volunteer_id=v.pk, token=forged, now=at)
        assert exc.value.code == "token_invalid"


def test_token_is_refused_for_someone_not_confirmed(kit: Any) -> None:
    slot, _, _ = _signed_up(kit)
    stranger = kit.volunteer()
    with freeze_time(slot.starts_at):
        token = services.checkin_token(slot.pk)
        with pytest.raises(DomainError, match="没有被录用"):
            services.scan_checkin(volunteer_id=stranger.pk, token=token, now=slot.starts_at)


def test_checkin_window(kit: Any) -> None:
    slot, v, _ = _signed_up(kit)
    early = slot.starts_at - timedelta(hours=2)
    with freeze_time(early):
        token = services.checkin_token(slot.pk)
        with pytest.raises(DomainError, match="分钟内才能签到"):
            services.scan_checkin(volunteer_id=v.pk, token=token, now=early)


def test_manager_checkin_caps_hours_to_slot_and_adjustment_needs_reason(kit: Any) -> None:
    slot, _, signup = _signed_up(kit, hours=2)
    services.manager_check(
        actor=kit.vm_north,
        signup_id=signup.pk,
        at=slot.starts_at - timedelta(minutes=20),
        now=slot.starts_at,
    )
    s = services.manager_check(
        actor=kit.vm_north,
        signup_id=signup.pk,
        at=slot.ends_at + timedelta(minutes=40),
        now=slot.ends_at + timedelta(hours=1),
    )
    assert s.computed_hours == Decimal("2.00")  # capped to the slot
    with pytest.raises(DomainError, match="原因"):
        services.confirm_hours(actor=kit.vm_north, signup_id=s.pk, hours=Decimal("1.5"))
    with pytest.raises(DomainError, match="不能超过"):
        services.confirm_hours(actor=kit.vm_north, signup_id=s.pk, hours=Decimal("3"), note="x")
    # out of scope manager cannot confirm
    with pytest.raises(DomainError, match="管辖范围"):
        services.confirm_hours(actor=kit.vm_south, signup_id=s.pk)
    entry = services.confirm_hours(
        actor=kit.vm_north, signup_id=s.pk, hours=Decimal("1.5"), note="提前离开"
    )
    assert entry.hours == Decimal("1.50")


def _hours(kit: Any, v: Any, *amounts: str) -> list[Any]:
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


def test_ledger_is_append_only(kit: Any) -> None:
    v = kit.volunteer()
    (entry,) = _hours(kit, v, "2")
    entry.hours = Decimal("20")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        HoursEntry.objects.filter(pk=entry.pk).update(hours=Decimal("20"))
    with pytest.raises(TypeError):
        HoursEntry.objects.filter(pk=entry.pk).delete()


def test_reversal_keeps_total_equal_to_ledger_sum(kit: Any) -> None:
    v = kit.volunteer()
    _, e2, _ = _hours(kit, v, "2", "3.5", "4")
    with pytest.raises(PermissionDenied):  # a manager cannot correct
        services.reverse_entry(actor=kit.vm_north, entry_id=e2.pk, reason="录错")
    rev = services.reverse_entry(actor=kit.world.dept_admin, entry_id=e2.pk, reason="录错")
    assert rev.hours == Decimal("-3.50")
    assert rev.reverses_id == e2.pk
    with pytest.raises(DomainError, match="已冲正"):
        services.reverse_entry(actor=kit.world.dept_admin, entry_id=e2.pk, reason="再次")
    v.refresh_from_db()
    ledger_sum = sum(e.hours for e in HoursEntry.objects.filter(volunteer=v))
    assert v.total_hours == ledger_sum == Decimal("6.00")
    assert services.verify_volunteer(v).ok


def _tamper(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_tampering_is_detected_by_verify_and_certificate(kit: Any) -> None:
    v = kit.volunteer()
    entries = _hours(kit, v, "2", "3", "4")
    cert = services.issue_certificate(volunteer_id=v.pk)
    assert services.verify_certificate(cert.verify_code).verdict == "genuine"
    report = services.verify_ledger()
    assert report.ok
    assert report.entries == 3
    # someone edits an entry's hours directly in the database
    _tamper("UPDATE volunteers_hoursentry SET hours = %s WHERE id = %s", ["9.00", entries[1].pk])
    report = services.verify_ledger()
    assert not report.ok
    assert report.problems[0]["seq"] == 2
    assert v.number == report.problems[0]["volunteer"]
    assert services.verify_certificate(cert.verify_code).verdict == "ledger_tampered"
    with pytest.raises(DomainError, match="校验未通过"):
        services.issue_certificate(volunteer_id=v.pk)


def test_deleting_an_entry_is_detected(kit: Any) -> None:
    v = kit.volunteer()
    entries = _hours(kit, v, "2", "3")
    cert = services.issue_certificate(volunteer_id=v.pk)
    _tamper("DELETE FROM volunteers_hoursentry WHERE id = %s", [entries[1].pk])
    assert not services.verify_volunteer(Volunteer.objects.get(pk=v.pk)).ok
    assert services.verify_certificate(cert.verify_code).verdict == "ledger_tampered"


def test_certificate_altered_and_revoked(kit: Any) -> None:
    v = kit.volunteer()
    _hours(kit, v, "5")
    cert = services.issue_certificate(volunteer_id=v.pk)
    result = services.verify_certificate(cert.verify_code)
    assert result.genuine
    assert result.record_current is True
    assert result.certificate is not None
    assert result.certificate.name_masked == "张**"
    _tamper("UPDATE volunteers_certificate SET hours = %s WHERE id = %s", ["500.00", cert.pk])
    assert services.verify_certificate(cert.verify_code).verdict == "altered"
    _tamper("UPDATE volunteers_certificate SET hours = %s WHERE id = %s", ["5.00", cert.pk])
    assert services.verify_certificate(cert.verify_code).verdict == "genuine"
    services.revoke_certificate(actor=kit.vm_north, certificate_id=cert.pk, reason="信息有误")
    assert services.verify_certificate(cert.verify_code).verdict == "revoked"
    assert services.verify_certificate("nope").verdict == "not_found"


def test_certificate_pdf_has_contents(kit: Any) -> None:
    v = kit.volunteer()
    _hours(kit, v, "5", "2.5")
    cert = services.issue_certificate(volunteer_id=v.pk, actor=kit.vm_north)
    pdf = services.certificate_pdf(cert, verify_url="http://testserver/v/verify/x/")
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 2000
    assert Certificate.objects.get(pk=cert.pk).hours == Decimal("7.50")


def test_certificate_needs_hours(kit: Any) -> None:
    v = kit.volunteer()
    with pytest.raises(DomainError, match="暂无"):
        services.issue_certificate(volunteer_id=v.pk)


@pytest.mark.parametrize(
    ("total", "star"),
    [
        ("0", 0),
        ("99.99", 0),
        ("100", 1),
        ("299.5", 1),
        ("300", 2),
        ("600", 3),
        ("1000", 4),
        ("1499.99", 4),
        ("1500", 5),
        ("9000", 5),
    ],
)
def test_star_thresholds(total: str, star: int) -> None:
    assert services.star_for(Decimal(total), [100, 300, 600, 1000, 1500]) == star


def test_star_level_follows_ledger_and_policy_changes(kit: Any) -> None:
    v = kit.volunteer()
    services.update_policy(actor=kit.world.dept_admin, star_thresholds=[5, 10, 20])
    _hours(kit, v, "4")
    v.refresh_from_db()
    assert v.star_level == 0
    _hours(kit, v, "1")
    v.refresh_from_db()
    assert v.star_level == 1
    services.update_policy(actor=kit.world.dept_admin, star_thresholds=[1, 2, 3, 4, 5])
    v.refresh_from_db()
    assert v.star_level == 5
    with pytest.raises(DomainError, match="递增"):
        services.update_policy(actor=kit.world.dept_admin, star_thresholds=[10, 5])
    with pytest.raises(PermissionDenied):
        services.update_policy(actor=kit.vm_north, star_thresholds=[1])


def test_dual_report_entries_go_into_the_same_ledger(kit: Any) -> None:
    v = kit.volunteer()
    entry = services.record_hours(
        actor=kit.vm_north,
        volunteer_id=v.pk,
        hours=Decimal("2"),
        service_date=timezone.localdate(),
        title="双报到社区服务",
        organizer="北一社区",
        region_id=kit.world.north_one.pk,
        kind="dual_report",
        report_unit_id=kit.world.unit_a.pk,
        source_ref="party.member:42",
    )
    v.refresh_from_db()
    assert entry.kind == "dual_report"
    assert v.total_hours == Decimal("2.00")
    assert services.verify_volunteer(v).ok


def test_verify_command_exits_1_on_tampering(kit: Any) -> None:
    from django.core.management import CommandError, call_command

    v = kit.volunteer()
    (entry,) = _hours(kit, v, "2")
    call_command("verify_volunteer_ledger")
    _tamper("UPDATE volunteers_hoursentry SET title = %s WHERE id = %s", ["改过", entry.pk])
    with pytest.raises(CommandError, match="1 位志愿者"):
        call_command("verify_volunteer_ledger")
