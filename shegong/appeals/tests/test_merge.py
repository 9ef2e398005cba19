from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from shegong.appeals.choices import AppealStatus, EventKind, WorkOrderRole
from shegong.appeals.services import merge
from shegong.appeals.services import workflow as wf
from shegong.core.notify import ConsoleSmsSender
from shegong.core.pii import plain

pytestmark = pytest.mark.django_db


def test_merge_keeps_each_petitioner_and_answers_them_all(
    world, make_appeal, django_capture_on_commit_callbacks
) -> None:
    lead, _ = make_appeal(name="张三", phone="13912345678")
    dup, _ = make_appeal(name="李四", phone="13812340000", title="路灯坏了")
    merge.merge_appeals(
        actor=world.dispatcher, lead_id=lead.pk, duplicate_ids=[dup.pk], reason="同一路灯"
    )
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into) == (AppealStatus.MERGED, lead)
    assert plain(type(dup).objects.get(pk=dup.pk).petitioner.phone) == "13812340000"
    wf.dispatch_appeal(actor=world.dispatcher, appeal_id=lead.pk, lead_unit_id=world.unit_a.pk)
    order = lead.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=world.handler_unit_a, order_id=order.pk)
    wf.reply_order(actor=world.handler_unit_a, order_id=order.pk, text="已修复")
    ConsoleSmsSender.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        wf.close_appeal(actor=world.dispatcher, appeal_id=lead.pk)
    assert dup.events.filter(kind=EventKind.CLOSED).exists()
    assert any(phone == "13812340000" for phone, _ in ConsoleSmsSender.outbox)


def test_split_makes_children_with_the_same_person_and_place(world, make_appeal) -> None:
    parent, _ = make_appeal(body="一是路灯不亮；二是垃圾清运不及时。")
    children = merge.split_appeal(
        actor=world.dispatcher,
        appeal_id=parent.pk,
        parts=[
            {"title": "路灯不亮", "body": "三号楼前路灯不亮两周"},
            {"title": "垃圾清运不及时", "body": "小区垃圾三天未清运"},
        ],
    )
    assert len(children) == 2
    for child in children:
        assert child.split_from == parent
        assert child.region_id == parent.region_id
        assert plain(type(child).objects.get(pk=child.pk).petitioner.phone) == "13912345678"
    parent.refresh_from_db()
    assert parent.status == AppealStatus.MERGED


def test_person_history_via_blind_index_only_for_allowed_roles(world, make_appeal) -> None:
    first, _ = make_appeal(phone="13912345678")
    second, _ = make_appeal(phone="139 1234 5678", channel="phone", title="又来反映")
    make_appeal(phone="13700000000", title="别人")
    history = merge.person_history(actor=world.dispatcher, appeal=second)
    assert list(history) == [first]
    with pytest.raises(PermissionDenied):
        merge.person_history(actor=world.handler_unit_a, appeal=second)
