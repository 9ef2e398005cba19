"""Needs, conversion from appeals and the appeal ↔ order clocks, claims, check-in, proof."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
import time_machine

from shegong.appeals.choices import AppealStatus, EventKind, WorkOrderRole
from shegong.appeals.services import workflow as wf
from shegong.core.exceptions import DomainError
from shegong.serving import services
from shegong.serving.choices import ClaimStatus, NeedKind, OrderStatus
from shegong.serving.models import ServiceOrder
from shegong.volunteers.choices import EntryKind
from shegong.volunteers.models import HoursEntry
from shegong.volunteers.services.ledger import verify_volunteer

from .conftest import NOW, at

if TYPE_CHECKING:
    from conftest import World
    from shegong.appeals.models import Appeal, WorkOrder
    from shegong.volunteers.models import Volunteer
    from shegong.volunteers.tests.conftest import Kit

pytestmark = pytest.mark.django_db


def need(world: World, **extra: object) -> services.NeedData:
    data = services.NeedData(
        title="陪同独居老人就医",
        community_id=world.north_one.pk,
        address="北一社区5号楼",
        starts_at=at(2026, 3, 5, 9),
        ends_at=at(2026, 3, 5, 12),
    )
    for name, value in extra.items():
        setattr(data, name, value)
    return data


def lead(appeal: Appeal) -> WorkOrder:
    return appeal.work_orders.get(role=WorkOrderRole.LEAD)


def test_conversion_keeps_the_appeal_clock_and_unit(world, signed_appeal) -> None:
    before = lead(signed_appeal)
    order = services.convert_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world), now=NOW
    )
    after = lead(signed_appeal)
    assert (after.due_at, after.unit_id, after.status) == (
        before.due_at,
        before.unit_id,
        before.status,
    )
    assert order.work_order_id == after.pk
    assert signed_appeal.events.filter(kind=EventKind.NOTE, note__contains=order.number).exists()


def test_order_may_not_be_due_after_the_appeal(world, signed_appeal) -> None:
    due = lead(signed_appeal).due_at
    data = need(world, due_at=due + timedelta(minutes=1))
    with pytest.raises(DomainError, match="不能晚于诉求办理期限"):
        services.convert_appeal(
            actor=world.dispatcher, appeal_id=signed_appeal.pk, data=data, now=NOW
        )


def test_service_window_may_not_end_after_the_appeal(world, signed_appeal) -> None:
    data = need(world, starts_at=at(2026, 3, 10, 9), ends_at=at(2026, 3, 10, 11))
    with pytest.raises(DomainError, match="不能晚于诉求办理期限"):
        services.convert_appeal(
            actor=world.dispatcher, appeal_id=signed_appeal.pk, data=data, now=NOW
        )


def test_an_approved_extension_moves_the_limit(world, signed_appeal) -> None:
    order = lead(signed_appeal)
    request = wf.request_extension(
        actor=world.street_north, order_id=order.pk, days=5, reason="需协调医院", now=NOW
    )
    wf.decide_extension(actor=world.dispatcher, request_id=request.pk, approve=True, now=NOW)
    data = need(world, starts_at=at(2026, 3, 10, 9), ends_at=at(2026, 3, 10, 11))
    created = services.convert_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, data=data, now=NOW
    )
    assert created.due_at == at(2026, 3, 10, 11)


def test_handler_of_another_unit_cannot_convert(world, signed_appeal) -> None:
    with pytest.raises(DomainError):
        services.convert_appeal(
            actor=world.handler_unit_a, appeal_id=signed_appeal.pk, data=need(world), now=NOW
        )


def test_only_a_dispatched_appeal_converts(world, signed_appeal) -> None:
    wf.reply_order(
        actor=world.street_north, order_id=lead(signed_appeal).pk, text="已处理", now=NOW
    )
    with pytest.raises(DomainError, match="已派单"):
        services.convert_appeal(
            actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world), now=NOW
        )


def test_claims_fill_the_places_then_refuse(world, kit) -> None:
    order = services.create_need(actor=world.street_north, data=need(world, people_needed=2))
    a, b, c = (kit.volunteer(phone=f"1391111000{i}") for i in range(3))
    services.claim_order(volunteer_id=a.pk, order_id=order.pk)
    services.claim_order(volunteer_id=b.pk, order_id=order.pk)
    with pytest.raises(DomainError, match="名额已满"):
        services.claim_order(volunteer_id=c.pk, order_id=order.pk)
    order.refresh_from_db()
    assert (order.places_taken, order.status) == (2, OrderStatus.FULL)


def test_a_volunteer_claims_once(world, kit) -> None:
    order = services.create_need(actor=world.street_north, data=need(world, people_needed=2))
    v = kit.volunteer()
    services.claim_order(volunteer_id=v.pk, order_id=order.pk)
    with pytest.raises(DomainError, match="已认领"):
        services.claim_order(volunteer_id=v.pk, order_id=order.pk)


def test_cancelling_a_claim_gives_the_place_back(world, kit) -> None:
    order = services.create_need(actor=world.street_north, data=need(world))
    v = kit.volunteer()
    claim = services.claim_order(volunteer_id=v.pk, order_id=order.pk)
    services.cancel_claim(volunteer_id=v.pk, claim_id=claim.pk)
    order.refresh_from_db()
    assert (order.places_taken, order.status) == (0, OrderStatus.OPEN)


def test_a_volunteer_of_another_district_may_not_claim(world, kit) -> None:
    from shegong.regions.models import Region

    order = services.create_need(actor=world.street_north, data=need(world))
    west = Region.objects.get(code="339902001001")
    v = kit.volunteer(region=west, actor=world.root)
    with pytest.raises(DomainError, match="不在您居住的区县"):
        services.claim_order(volunteer_id=v.pk, order_id=order.pk)


def test_check_in_outside_the_window_is_refused(world, kit) -> None:
    order = services.create_need(actor=world.street_north, data=need(world))
    v = kit.volunteer()
    services.claim_order(volunteer_id=v.pk, order_id=order.pk)
    token = services.checkin_token(order.pk)
    with pytest.raises(DomainError, match="分钟内才能签到"):
        services.scan(volunteer_id=v.pk, token=token, now=NOW)


def test_forged_token_is_refused(world, kit) -> None:
    with pytest.raises(DomainError, match="签到码无效"):
        services.read_token("12.abc:forged")


def served(world: World, kit: Kit, order: ServiceOrder, volunteer: Volunteer) -> None:
    services.claim_order(volunteer_id=volunteer.pk, order_id=order.pk)
    token = services.checkin_token(order.pk)
    services.scan(volunteer_id=volunteer.pk, token=token, now=at(2026, 3, 5, 8, 55))
    services.scan(volunteer_id=volunteer.pk, token=token, now=at(2026, 3, 5, 11, 20))
    services.submit_report(
        volunteer_id=volunteer.pk, order_id=order.pk, text="陪同老人完成复查并送回家中"
    )


def test_hours_from_the_window_start_to_check_out_rounded_down_to_the_step(world, kit) -> None:
    order = services.create_need(actor=world.street_north, data=need(world))
    v = kit.volunteer()
    served(world, kit, order, v)
    claim = order.claims.get()
    assert (claim.status, claim.hours) == (ClaimStatus.OUT, Decimal("2.25"))


def test_resident_confirmation_needs_the_registered_phone(world, kit) -> None:
    order = services.create_need(
        actor=world.street_north, data=need(world, resident_phone="13912345678")
    )
    served(world, kit, order, kit.volunteer())
    with pytest.raises(DomainError, match="不一致"):
        services.confirm_by_resident(order_id=order.pk, phone="13900000000")


def test_confirmed_hours_land_on_the_ledger_typed_dual_report(world, kit) -> None:
    v = kit.volunteer()
    services.report_member(
        actor=world.street_north, volunteer_id=v.pk, community_id=world.north_one.pk
    )
    order = services.create_need(
        actor=world.street_north, data=need(world, resident_phone="13912345678")
    )
    served(world, kit, order, v)
    with time_machine.travel(at(2026, 3, 5, 12), tick=False):
        services.confirm_by_resident(order_id=order.pk, phone="13912345678")
    entry = HoursEntry.objects.get(volunteer=v)
    assert (entry.kind, entry.hours, entry.confirmer_repr) == (
        EntryKind.DUAL_REPORT,
        Decimal("2.25"),
        "居民短信确认",
    )
    v.refresh_from_db()
    assert verify_volunteer(v).ok


def test_the_appeal_is_replied_and_closed_with_the_evidence(world, kit, signed_appeal) -> None:
    order = services.convert_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world), now=NOW
    )
    assert order.kind == NeedKind.APPEAL
    served(world, kit, order, kit.volunteer())
    with time_machine.travel(at(2026, 3, 5, 12), tick=False):
        services.confirm_by_resident(order_id=order.pk, phone="13912345678")
        services.reply_appeal(actor=world.street_north, order_id=order.pk)
        services.close_with_service(actor=world.dispatcher, order_id=order.pk)
    signed_appeal.refresh_from_db()
    assert signed_appeal.status == AppealStatus.CLOSED
    assert order.number in signed_appeal.reply_text


def test_reply_waits_for_the_other_orders_of_the_appeal(world, kit, signed_appeal) -> None:
    first = services.convert_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world), now=NOW
    )
    services.convert_appeal(
        actor=world.dispatcher,
        appeal_id=signed_appeal.pk,
        data=need(world, title="代购药品"),
        now=NOW,
    )
    served(world, kit, first, kit.volunteer())
    with time_machine.travel(at(2026, 3, 5, 12), tick=False):
        services.confirm_by_community(actor=world.street_north, order_id=first.pk)
        with pytest.raises(DomainError, match="还有未完成"):
            services.reply_appeal(actor=world.street_north, order_id=first.pk)


def test_reply_on_time_is_judged_by_the_appeal_clock(world, kit, signed_appeal) -> None:
    order = services.convert_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world), now=NOW
    )
    served(world, kit, order, kit.volunteer())
    late = lead(signed_appeal).due_at + timedelta(hours=1)
    with time_machine.travel(late, tick=False):
        services.confirm_by_community(actor=world.street_north, order_id=order.pk)
        services.reply_appeal(actor=world.street_north, order_id=order.pk)
    replied = signed_appeal.events.get(kind=EventKind.REPLIED)
    assert replied.clock_met is False


def test_a_reassigned_appeal_takes_its_service_order_to_the_new_lead(
    world, kit, signed_appeal
) -> None:
    order = services.convert_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world), now=NOW
    )
    old = lead(signed_appeal)
    wf.reassign_appeal(
        actor=world.dispatcher,
        appeal_id=signed_appeal.pk,
        lead_unit_id=world.unit_a.pk,
        reason="属住建局职责",
        now=NOW,
    )
    new = signed_appeal.work_orders.get(role=WorkOrderRole.LEAD, status="pending")
    order.refresh_from_db()
    assert (order.work_order_id, new.pk != old.pk) == (new.pk, True)
    assert ServiceOrder.objects.visible_to(world.handler_unit_a).filter(pk=order.pk).exists()
    note = signed_appeal.events.filter(kind=EventKind.NOTE, work_order=new).get()
    assert note.note == f"服务订单{order.number}改随新的主办工单，由{world.unit_a.name}答复"
    # The new unit signs, the service is done and confirmed, the new unit replies by the
    # new work order's clock.
    wf.sign_order(actor=world.handler_unit_a, order_id=new.pk, now=NOW)
    served(world, kit, order, kit.volunteer())
    with time_machine.travel(at(2026, 3, 5, 12), tick=False):
        services.confirm_by_community(actor=world.street_north, order_id=order.pk)
        services.reply_appeal(actor=world.handler_unit_a, order_id=order.pk)
    replied = signed_appeal.events.get(kind=EventKind.REPLIED)
    assert (replied.work_order_id, replied.clock_met) == (new.pk, True)


def test_a_returned_lead_then_dispatched_again_relinks_the_order(world, kit, signed_appeal) -> None:
    order = services.convert_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world), now=NOW
    )
    wf.return_order(
        actor=world.street_north, order_id=lead(signed_appeal).pk, reason="不属本街道职责", now=NOW
    )
    order.refresh_from_db()
    assert order.work_order.status == "returned"  # waits: no lead until dispatched again
    wf.dispatch_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, lead_unit_id=world.unit_b.pk, now=NOW
    )
    order.refresh_from_db()
    assert (order.work_order.unit_id, order.work_order.status) == (world.unit_b.pk, "pending")


def test_a_cancelled_or_replied_order_stays_with_its_work_order(world, signed_appeal) -> None:
    order = services.convert_appeal(
        actor=world.dispatcher, appeal_id=signed_appeal.pk, data=need(world), now=NOW
    )
    old = order.work_order_id
    services.cancel_order(actor=world.street_north, order_id=order.pk, reason="居民已自行解决")
    wf.reassign_appeal(
        actor=world.dispatcher,
        appeal_id=signed_appeal.pk,
        lead_unit_id=world.unit_a.pk,
        reason="属住建局职责",
        now=NOW,
    )
    order.refresh_from_db()
    assert order.work_order_id == old
