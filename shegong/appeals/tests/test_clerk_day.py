"""A clerk's day (issue #12 §9): registration by a region cascade with one round of errors,
dispatch pickers ordered by the triage suggestion, the dispatcher reads 办理规则, the portal
receipt cites no draft standard."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from shegong.appeals.choices import AppealKind, Stream
from shegong.appeals.models import Appeal
from shegong.core.notify import ConsoleSmsSender

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    cache.clear()
    ConsoleSmsSender.outbox.clear()
    yield
    cache.clear()


# --- 办理规则 ---------------------------------------------------------------------------------


def test_dispatcher_reads_the_policies_page(world, client_for) -> None:
    response = client_for(world.dispatcher).get("/appeals/policies/")
    assert response.status_code == 200
    assert "办理规则" in response.content.decode()


def test_dispatcher_sees_policies_in_the_menu(world, client_for) -> None:
    page = client_for(world.dispatcher).get("/appeals/").content.decode()
    assert 'href="/appeals/policies/"' in page


def test_dispatcher_still_cannot_change_notice_templates(world) -> None:
    assert not world.dispatcher.has_capability("appeals.policy")


def test_handler_does_not_read_the_policies_page(world, client_for) -> None:
    assert client_for(world.handler_unit_a).get("/appeals/policies/").status_code == 403


# --- the portal receipt ----------------------------------------------------------------------


def _receipt(world: Any, stream: str, kind: str) -> str:
    citizen = Client()
    phone = "13912345678"
    citizen.post("/portal/sms-code/", {"phone": phone}, HTTP_HX_REQUEST="true")
    text = [t for to, t in ConsoleSmsSender.outbox if to == phone][-1]
    data = {
        "action": "submit",
        "stream": stream,
        "token": str(uuid.uuid4()),
        "kind": kind,
        "title": "小区路灯不亮",
        "body": "北一社区3号楼前路灯坏了两周，晚上出行不安全。",
        "district": str(world.district.pk),
        "street": str(world.north.pk),
        "community": str(world.north_one.pk),
        "address": "幸福路12号",
        "name": "张小明",
        "phone": phone,
        "sms_code": re.search(r"验证码是(\d{6})", text).group(1),  # type: ignore[union-attr]
        "id_number": "",
    }
    response = citizen.post(f"/portal/submit/?stream={stream}", data)
    assert response.status_code == 302, response.content.decode()[:1500]
    return citizen.get("/portal/receipt/").content.decode()


def test_hotline_receipt_cites_no_draft_standard(world) -> None:
    page = _receipt(world, Stream.HOTLINE, AppealKind.HL_COMPLAINT)
    assert "征求意见稿" not in page


def test_hotline_receipt_cites_no_other_citys_standard(world) -> None:
    page = _receipt(world, Stream.HOTLINE, AppealKind.HL_COMPLAINT)
    assert "DB11" not in page


def test_petition_receipt_still_cites_the_regulation(world) -> None:
    page = _receipt(world, Stream.PETITION, AppealKind.XF_CLAIM)
    assert "依据：信访工作条例（2022） 第二十二条" in page


def test_citable_basis_keeps_law_and_drops_drafts() -> None:
    from shegong.appeals.portal_views import citable_basis

    assert (
        citable_basis("北京市接诉即办工作条例 第十一条；DB11/T 2021（征求意见稿）")
        == "北京市接诉即办工作条例 第十一条"
    )
