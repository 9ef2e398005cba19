"""A volunteer changes number or moves house: the record (and its ledger) stays theirs.

The portal needs the new number verified by SMS; staff stay inside their scope; the old
number is told; the audit trail holds masked numbers only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.core.notify import ConsoleSmsSender
from shegong.volunteers import services
from shegong.volunteers.models import Volunteer

from .conftest import make_phone
from .test_portal import _code, _login

pytestmark = pytest.mark.django_db


def test_portal_phone_change_needs_the_new_number_verified(
    kit: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old = make_phone()
    v = kit.volunteer(phone=old)
    c = Client()
    _login(c, old)
    assert c.get("/volunteer/me/").status_code == 200
    new = make_phone()
    wrong = c.post("/volunteer/me/phone/", {"phone": new, "sms_code": "000000"})
    assert wrong.status_code == 422
    assert services.find_by_phone(new) is None
    c.post("/volunteer/sms-code/", {"phone": new})
    with django_capture_on_commit_callbacks(execute=True):
        done = c.post("/volunteer/me/phone/", {"phone": new, "sms_code": _code(new)})
    assert done.status_code == 302
    assert services.find_by_phone(new).pk == v.pk  # type: ignore[union-attr]
    assert services.find_by_phone(old) is None
    told = [text for to, text in ConsoleSmsSender.outbox if to == old]
    assert any("已更换为" in text for text in told)
    event = AuditEvent.objects.filter(action="volunteer_contact_changed").latest("pk")
    assert old not in str(event.changes)
    assert new not in str(event.changes)
    assert event.changes["phone_verified"] is True
    # The new number signs in to the same record.
    cache.clear()
    c2 = Client()
    _login(c2, new)
    assert v.number in c2.get("/volunteer/").content.decode()


def test_portal_phone_change_refuses_a_number_in_use(kit: Any) -> None:
    a_phone, b_phone = make_phone(), make_phone()
    kit.volunteer(phone=a_phone)
    kit.volunteer(phone=b_phone)
    c = Client()
    _login(c, a_phone)
    c.post("/volunteer/sms-code/", {"phone": b_phone})
    response = c.post("/volunteer/me/phone/", {"phone": b_phone, "sms_code": _code(b_phone)})
    assert response.status_code == 422
    assert "已被其他志愿者使用" in response.content.decode()


def test_portal_move_residence(kit: Any) -> None:
    phone = make_phone()
    v = kit.volunteer(phone=phone)
    c = Client()
    _login(c, phone)
    target = kit.world.south_one
    response = c.post("/volunteer/me/region/", {"region": target.pk})
    assert response.status_code == 302
    v.refresh_from_db()
    assert v.region_id == target.pk
    event = AuditEvent.objects.filter(action="volunteer_contact_changed").latest("pk")
    assert event.changes["region"] == [kit.world.north_one.code, target.code]
    # Anonymous: nothing changes.
    anon = Client().post("/volunteer/me/region/", {"region": kit.world.north_one.pk})
    assert anon.status_code == 302
    assert Volunteer.objects.get(pk=v.pk).region_id == target.pk


def test_staff_change_stays_in_scope(kit: Any) -> None:
    v = kit.volunteer()
    with pytest.raises(DomainError, match="管辖范围"):
        services.change_contact(
            actor=kit.vm_north, volunteer_id=v.pk, region_id=kit.world.south_one.pk
        )
    with pytest.raises(DomainError, match="管辖范围"):
        services.change_contact(actor=kit.vm_south, volunteer_id=v.pk, phone=make_phone())
    new = make_phone()
    changed = services.change_contact(actor=kit.vm_north, volunteer_id=v.pk, phone=new)
    assert changed.phone_verified_at is None  # staff-entered: unverified until used
    c = Client()
    c.force_login(kit.vm_south)
    assert c.post(f"/volunteers/{v.pk}/contact/", {"phone": make_phone()}).status_code == 404
    c.force_login(kit.vm_north)
    response = c.post(f"/volunteers/{v.pk}/contact/", {"phone": "123"})
    assert response.status_code == 302
    assert services.find_by_phone(new).pk == v.pk  # type: ignore[union-attr]
