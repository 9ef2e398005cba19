"""Open311 public reads never show confidential appeals, accusations or personal data."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shegong.appeals.choices import AppealKind
from shegong.appeals.models import Appeal, WorkOrder
from shegong.appeals.services import workflow as wf
from tests.open311_client import Open311Client

from .open311_helpers import API, refused, submit

pytestmark = pytest.mark.django_db

api = API


# --- privacy ---------------------------------------------------------------------------------


def test_confidential_and_accusation_appeals_are_invisible(
    api: Open311Client, world: Any, make_appeal: Any
) -> None:
    public, _ = make_appeal()
    confidential, _ = make_appeal(identity_confidential=True)
    accusation, _ = make_appeal(kind=AppealKind.XF_ACCUSATION, title="检举某局干部收受好处")
    via_api = submit(
        api, world, attribute={"region_code": world.north.code, "confidential": "true"}
    )
    assert "不在公开接口中显示" in via_api["service_notice"]
    hidden = [confidential.number, accusation.number, via_api["service_request_id"]]
    for number in hidden:
        error = refused(api.get, number)
        assert error.status == 404
    assert [r["service_request_id"] for r in api.search()] == [public.number]
    assert [
        r["service_request_id"] for r in api.search(service_request_id=[*hidden, public.number])
    ] == [public.number]
    assert api.search(service_code="xf_accusation") == []
    for exchange in api.history:
        assert b"\xe6\xa3\x80\xe4\xb8\xbe\xe6\x9f\x90\xe5\xb1\x80" not in exchange.body  # 检举某局


def test_no_personal_data_in_any_public_response(
    api: Open311Client, world: Any, make_appeal: Any
) -> None:
    phone, name, address = "13912345678", "欧阳小明", "幸福路88号3单元501室"
    body = (
        f"我叫{name}，电话{phone}，家住{address}，楼下路灯坏了两周，晚上出行很不安全。"
        "邮箱 ouyang@example.com，身份证110105199001011234，请尽快安排维修。"
    )
    created = api.create(
        service_code="hl_complaint",
        description=body,
        first_name="小明",
        last_name="欧阳",
        phone=phone,
        email="ouyang@example.com",
        address_string=address,
        attribute={"region_code": world.north_one.code},
    )
    number = created["service_request_id"]
    staff_entered, _ = make_appeal(
        title=f"路灯问题（回电{phone}）", body=body, address=address, name=name, phone=phone
    )
    appeal = Appeal.objects.get(number=number)
    assert appeal.body == body  # staff still see everything
    assert name not in appeal.title
    assert phone not in appeal.title

    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.unit_a.pk)
    order = WorkOrder.objects.get(appeal=appeal)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk)
    wf.reply_order(
        actor=world.handler_unit_a,
        order_id=order.pk,
        text=f"{name}同志：您反映的{address}楼下路灯已于今日修复，联系电话{phone}。",
    )
    assert api.get(number)["status_notes"] == "已答复诉求人"
    wf.close_appeal(actor=world.dispatcher, appeal_id=appeal.pk)

    api.services()
    api.service("hl_complaint")
    api.get(number)
    api.get(staff_entered.number)
    api.search()
    api.search(service_request_id=[number, staff_entered.number])
    api.search(status="closed")
    assert api.get(number)["status_notes"] == "已办结"
    assert api.get(staff_entered.number)["description"] == "路灯问题（回电***）"

    secrets = [
        phone,
        phone[:3] + "****" + phone[-4:],
        name,
        "小明",
        address,
        "幸福路88号",
        "ouyang@example.com",
        "110105199001011234",
        body,
        "请尽快安排维修",
    ]
    assert len(api.history) >= 10
    for exchange in api.history:
        for secret in secrets:
            for encoded in (secret.encode(), json.dumps(secret).strip('"').encode()):
                assert encoded not in exchange.body, (exchange.path, secret)


# Open311 uses the same detector as every other public surface (issue #12 review): the older
# local pattern missed grouped bank cards and landlines written with spaces.
def test_default_title_and_status_notes_hide_grouped_identifiers() -> None:
    from shegong.appeals.choices import EventKind
    from shegong.appeals.open311 import _status_notes
    from shegong.appeals.open311_intake import _default_title

    title = _default_title("请退款到6222 0212 3456 7890，座机0571 8888 8888", "张三")
    assert title == "请退款到***，座机***"
    notes = _status_notes(EventKind.FORWARDED, "已转送市信访局（0571 8888 8888）办理")
    assert notes == "已转送市信访局（***）办理"
