from __future__ import annotations

import pytest

from shegong.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def url(obj, field: str) -> str:
    return f"/pii/{obj._meta.label}/{obj.pk}/{field}/"


def test_reveal_requires_reason_and_is_audited(world, client_for) -> None:
    client = client_for(world.dispatcher)
    response = client.post(url(world.unit_a, "contact_phone"), {"reason": ""})
    assert response.status_code == 422
    assert not AuditEvent.objects.filter(action="pii_revealed").exists()
    response = client.post(url(world.unit_a, "contact_phone"), {"reason": "联系承办人核实"})
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    event = AuditEvent.objects.get(action="pii_revealed")
    assert event.actor == world.dispatcher
    assert event.note == "联系承办人核实"
    assert event.target_id == str(world.unit_a.pk)


def test_reveal_is_refused_without_capability_or_scope(world, client_for) -> None:
    assert (
        client_for(world.leader)
        .post(url(world.unit_a, "contact_phone"), {"reason": "看看"})
        .status_code
        == 403
    )
    # In scope of nobody: the handler of unit B cannot even learn unit A exists.
    assert (
        client_for(world.handler_unit_b)
        .post(url(world.unit_a, "contact_phone"), {"reason": "看看"})
        .status_code
        == 404
    )
    # Only encrypted fields can be revealed; anything else is 404.
    assert (
        client_for(world.dispatcher).post(url(world.unit_a, "name"), {"reason": "看看"}).status_code
        == 404
    )
    assert (
        client_for(world.dispatcher)
        .post("/pii/core.AuditEvent/1/note/", {"reason": "看看"})
        .status_code
        == 404
    )
    assert not AuditEvent.objects.filter(action="pii_revealed").exists()


def test_detail_pages_show_masked_values(world, client_for) -> None:
    page = client_for(world.dispatcher).get(f"/units/{world.unit_a.pk}/").content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page
    users = client_for(world.dept_admin).get("/accounts/users/").content.decode()
    assert "137****1111" in users
    assert "13700001111" not in users


def test_api_never_returns_unmasked_phone(world, client_for) -> None:
    body = client_for(world.dispatcher).get("/api/units").content.decode()
    assert "13812345678" not in body
    assert "138****5678" in body


def test_notifications_page_lists_only_my_own_and_marks_read(world, client_for) -> None:
    from shegong.core.models import Notification
    from shegong.core.notify import notify

    notify([world.leader], "给领导的通知", url="/")
    notify([world.dispatcher], "给派单员的通知")
    client = client_for(world.leader)
    page = client.get("/notifications/").content.decode()
    assert "给领导的通知" in page
    assert "给派单员的通知" not in page
    home = client.get("/", follow=True).content.decode()  # a leader's home is the cockpit
    assert 'data-testid="notifications"' in home
    client.post("/notifications/")
    assert not Notification.objects.filter(user=world.leader, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world.dispatcher, read_at__isnull=True).exists()
