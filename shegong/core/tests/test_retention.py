"""Operational records are purged after their retention; audit events never (issue 16
item 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.checks import run_checks
from django.test import override_settings

from conftest import World
from shegong.core.models import AuditEvent, Notification, SmsMessage, SmsStatus
from shegong.core.retention import purge_expired

NOW = datetime(2026, 6, 10, 3, 10, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def _sms(status: str, days_old: int) -> SmsMessage:
    with time_machine.travel(NOW - timedelta(days=days_old), tick=False):
        return SmsMessage.objects.create(phone="13800000000", text="您的诉求已受理", status=status)


def test_a_sent_sms_past_its_retention_is_purged() -> None:
    old = _sms(SmsStatus.SENT, 181)
    with time_machine.travel(NOW, tick=False):
        purge_expired()
    assert not SmsMessage.objects.filter(pk=old.pk).exists()


def test_a_sent_sms_within_its_retention_is_kept() -> None:
    recent = _sms(SmsStatus.SENT, 179)
    with time_machine.travel(NOW, tick=False):
        purge_expired()
    assert SmsMessage.objects.filter(pk=recent.pk).exists()


def test_a_queued_sms_is_never_purged() -> None:
    queued = _sms(SmsStatus.QUEUED, 1000)
    with time_machine.travel(NOW, tick=False):
        purge_expired()
    assert SmsMessage.objects.filter(pk=queued.pk).exists()


def test_an_unread_notification_is_kept(world: World) -> None:
    note = Notification.objects.create(user=world.dispatcher, title="提醒")
    Notification.objects.filter(pk=note.pk).update(created_at=NOW - timedelta(days=2000))
    with time_machine.travel(NOW, tick=False):
        purge_expired()
    assert Notification.objects.filter(pk=note.pk).exists()


def test_a_read_notification_past_its_retention_is_purged(world: World) -> None:
    note = Notification.objects.create(
        user=world.dispatcher, title="提醒", read_at=NOW - timedelta(days=366)
    )
    with time_machine.travel(NOW, tick=False):
        purge_expired()
    assert not Notification.objects.filter(pk=note.pk).exists()


def test_the_retention_is_configurable() -> None:
    old = _sms(SmsStatus.SENT, 181)
    with (
        override_settings(SHEGONG_RETENTION_DAYS={"sms": 365}),
        time_machine.travel(NOW, tick=False),
    ):
        purge_expired()
    assert SmsMessage.objects.filter(pk=old.pk).exists()


def test_audit_events_are_never_purged(world: World) -> None:
    before = AuditEvent.objects.count()
    with time_machine.travel(NOW + timedelta(days=5000), tick=False):
        purge_expired()
    assert AuditEvent.objects.filter(seq__lte=before).count() == before


def test_a_purge_is_audited() -> None:
    _sms(SmsStatus.SENT, 181)
    with time_machine.travel(NOW, tick=False):
        purge_expired()
    assert AuditEvent.objects.filter(action="records_purged").count() == 1


def test_a_retention_below_the_minimum_is_refused_at_start() -> None:
    with override_settings(SHEGONG_RETENTION_DAYS={"audit_verifications": 30}):
        ids = {message.id for message in run_checks()}
    assert "shegong.E020" in ids
