"""Identifiers in rows written before free-text masking (issue #12 review, item 3).

Older audit rows quote an appeal's title raw in ``target_repr`` (the chain forbids rewriting
them) and older notifications quote it in their title/body: the audit page, the audit API
and the notification page mask them on the way out; a data migration masks the stored
notifications.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from shegong.core import audit
from shegong.core.models import Notification

pytestmark = pytest.mark.django_db

RAW = "诉求 RX2026 路灯不亮（回电13812345678，身份证110105199001011234）"
HIDDEN = ("13812345678", "110105199001011234")


def test_audit_page_and_api_mask_an_old_target_repr(world, client_for) -> None:
    audit.record(
        "appeal_updated",
        actor=world.dispatcher,
        target_type="appeals.appeal",
        target_id="1",
        target_repr=RAW,
    )
    client = client_for(world.auditor)
    page = client.get("/audit/").content.decode()
    assert "138****5678" in page
    api = client.get("/api/audit-events").content.decode()
    assert "138****5678" in api
    for text in (page, api):
        for secret in HIDDEN:
            assert secret not in text, secret
    assert audit.verify_chain().ok


def test_notification_page_masks_an_old_notification(world, client_for) -> None:
    Notification.objects.create(user=world.dispatcher, title=RAW, body=f"详情：{RAW}")
    page = client_for(world.dispatcher).get("/notifications/").content.decode()
    assert "110105********1234" in page
    for secret in HIDDEN:
        assert secret not in page, secret


def test_migration_masks_stored_notifications(world) -> None:
    migration = importlib.import_module("shegong.core.migrations.0006_mask_notification_text")
    rows = [
        Notification.objects.create(user=world.dispatcher, title=f"{RAW}{i}", body=RAW)
        for i in range(3)
    ]
    plain = Notification.objects.create(user=world.dispatcher, title="无号码的通知", body="")
    migration.BATCH = 2
    migration.mask_stored(apps, None)
    for row in rows:
        row.refresh_from_db()
        for secret in HIDDEN:
            assert secret not in row.title + row.body
    plain.refresh_from_db()
    assert (plain.title, plain.body) == ("无号码的通知", "")


def test_notify_masks_everything_unless_told_to_keep_landlines(world) -> None:
    from shegong.core.notify import notify

    text = "请致电0571-88881234，或联系13812345678"
    notify([world.dispatcher], "志愿服务提醒", text)
    notify([world.leader], "志愿服务提醒", text, keep=("landline",))
    masked = Notification.objects.get(user=world.dispatcher).body
    kept = Notification.objects.get(user=world.leader).body
    assert masked == "请致电0571-******34，或联系138****5678"
    assert kept == "请致电0571-88881234，或联系138****5678"
