from __future__ import annotations

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shegong.core import audit
from shegong.core.models import AppendOnlyError, AuditEvent, AuditVerification
from shegong.core.tasks import verify_audit_chain


def _sql(query: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(query, params)


@pytest.mark.django_db
def test_every_service_change_is_chained_and_verifies(world) -> None:
    events = list(AuditEvent.objects.order_by("seq"))
    assert events, "building the world must have written audit events"
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_orm_cannot_change_or_delete_events(world) -> None:
    event = AuditEvent.objects.first()
    event.note = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
def test_edit_in_the_database_is_detected(world) -> None:
    _sql("UPDATE core_auditevent SET note = %s WHERE seq = %s", ["forged", 3])
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_bad_seq == 3
    assert report.detail == "第 3 条记录的内容被改动"


@pytest.mark.django_db
def test_deleted_middle_event_is_detected(world) -> None:
    _sql("DELETE FROM core_auditevent WHERE seq = %s", [2])
    report = audit.verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, 2)


@pytest.mark.django_db
def test_cut_tail_is_detected(world) -> None:
    last = AuditEvent.objects.order_by("-seq").first()
    _sql("DELETE FROM core_auditevent WHERE seq = %s", [last.seq])
    report = audit.verify_chain()
    assert not report.ok
    assert report.detail == f"第 {last.seq - 1} 条之后的记录被删除"


@pytest.mark.django_db
def test_rehashed_forgery_still_breaks_the_link(world) -> None:
    """Recomputing the forged row's own hash does not help: the next row links to the old."""
    event = AuditEvent.objects.get(seq=2)
    event.note = "forged"
    forged_hash = audit.compute_hash(event)
    _sql("UPDATE core_auditevent SET note = %s, hash = %s WHERE seq = 2", ["forged", forged_hash])
    report = audit.verify_chain()
    assert (report.ok, report.first_bad_seq) == (False, 3)


@pytest.mark.django_db
def test_verify_command_and_daily_task(world) -> None:
    call_command("verify_audit")
    result = verify_audit_chain.enqueue()
    assert result.return_value["ok"] is True
    assert AuditVerification.objects.filter(ok=True).count() >= 2
    _sql("UPDATE core_auditevent SET action = %s WHERE seq = %s", ["forged", 1])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert verify_audit_chain.enqueue().return_value["ok"] is False
    assert AuditVerification.objects.first().ok is False


@pytest.mark.django_db
def test_snapshot_never_contains_personal_data(world) -> None:
    snap = audit.snapshot(world.unit_a)
    assert snap["contact_phone"] == "***"
    assert "13812345678" not in str(AuditEvent.objects.values_list("changes", flat=True))
