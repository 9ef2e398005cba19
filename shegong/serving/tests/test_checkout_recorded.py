"""补登签退: a volunteer who served but forgot to check out. The community records the
check-out time afterwards (within the window and its margin, never in the future, with a
reason); the hours reach the ledger at confirmation, or at once when the order was already
confirmed (its chain intact), and never twice."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.serving import services
from shegong.serving.choices import ClaimStatus
from shegong.serving.models import Claim
from shegong.volunteers.models import HoursEntry
from shegong.volunteers.services.ledger import verify_volunteer

from .conftest import at
from .test_orders import need
from .test_views import volunteer_client

if TYPE_CHECKING:
    from conftest import World
    from shegong.volunteers.models import Volunteer
    from shegong.volunteers.tests.conftest import Kit

pytestmark = pytest.mark.django_db

REASON = "志愿者忘记扫码签退，已电话向居民核实"
LATER = at(2026, 3, 6, 10)  # the next morning, when the community notices


def checked_in(world: World, kit: Kit, **kw: object) -> tuple[Claim, Volunteer]:
    """An order of 2026-03-05 09:00–12:00 with two volunteers: one served and checked
    out at 11:20, the other checked in at 08:55 and never checked out."""
    order = services.create_need(actor=world.street_north, data=need(world, people_needed=2))
    done, forgot = kit.volunteer(**kw), kit.volunteer(phone="13977770041")
    token = services.checkin_token(order.pk)
    for volunteer in (done, forgot):
        services.claim_order(volunteer_id=volunteer.pk, order_id=order.pk)
        services.scan(volunteer_id=volunteer.pk, token=token, now=at(2026, 3, 5, 8, 55))
    services.scan(volunteer_id=done.pk, token=token, now=at(2026, 3, 5, 11, 20))
    return Claim.objects.get(order=order, volunteer=forgot), forgot


def confirmed(world: World, kit: Kit) -> tuple[Claim, Volunteer]:
    """... and the community confirmed after the check-out margin: the forgotten claim
    was closed without hours."""
    claim, forgot = checked_in(world, kit)
    with time_machine.travel(at(2026, 3, 5, 14, 30), tick=False):
        services.confirm_by_community(actor=world.street_north, order_id=claim.order_id)
    return claim, forgot


def record(world: World, claim: Claim, when: datetime, *, now: datetime = LATER) -> Claim:
    return services.record_checkout(
        actor=world.street_north, claim_id=claim.pk, at=when, reason=REASON, now=now
    )


def test_after_confirmation_the_recorded_check_out_credits_the_ledger(world, kit) -> None:
    claim, forgot = confirmed(world, kit)
    record(world, claim, at(2026, 3, 5, 11, 30))
    entry = HoursEntry.objects.get(volunteer=forgot)
    assert (entry.hours, entry.source_ref) == (Decimal("2.50"), f"serving.claim:{claim.pk}")


def test_the_credited_chain_verifies(world, kit) -> None:
    claim, forgot = confirmed(world, kit)
    record(world, claim, at(2026, 3, 5, 11, 30))
    forgot.refresh_from_db()
    assert verify_volunteer(forgot).ok


def test_the_claim_shows_the_check_out_and_its_entry(world, kit) -> None:
    claim, _ = confirmed(world, kit)
    record(world, claim, at(2026, 3, 5, 11, 30))
    claim.refresh_from_db()
    assert (claim.status, claim.hours, claim.entry_id is not None) == (
        ClaimStatus.OUT,
        Decimal("2.50"),
        True,
    )


def test_a_second_recording_is_refused_once_credited(world, kit) -> None:
    claim, _ = confirmed(world, kit)
    record(world, claim, at(2026, 3, 5, 11, 30))
    with pytest.raises(DomainError, match="已记入台账"):
        record(world, claim, at(2026, 3, 5, 11, 45))


def test_the_served_volunteer_is_not_credited_twice(world, kit) -> None:
    claim, _ = confirmed(world, kit)
    done = Claim.objects.filter(order_id=claim.order_id).exclude(pk=claim.pk).get()
    with pytest.raises(DomainError, match="已记入台账"):
        record(world, done, at(2026, 3, 5, 11, 30))


def test_before_confirmation_the_hours_come_with_the_confirmation(world, kit) -> None:
    claim, forgot = checked_in(world, kit)
    record(world, claim, at(2026, 3, 5, 12), now=at(2026, 3, 5, 12, 30))
    with time_machine.travel(at(2026, 3, 5, 12, 40), tick=False):
        services.confirm_by_community(actor=world.street_north, order_id=claim.order_id)
    assert HoursEntry.objects.get(volunteer=forgot).hours == Decimal("3.00")


def test_a_time_in_the_future_is_refused(world, kit) -> None:
    claim, _ = checked_in(world, kit)
    with pytest.raises(DomainError, match="不能晚于现在"):
        record(world, claim, at(2026, 3, 5, 11, 30), now=at(2026, 3, 5, 11))


def test_a_time_after_the_window_and_its_margin_is_refused(world, kit) -> None:
    claim, _ = confirmed(world, kit)
    with pytest.raises(DomainError, match="不能晚于服务结束后120分钟"):
        record(world, claim, at(2026, 3, 5, 14, 1))


def test_a_time_before_the_check_in_is_refused(world, kit) -> None:
    claim, _ = confirmed(world, kit)
    with pytest.raises(DomainError, match="应晚于签到时间"):
        record(world, claim, at(2026, 3, 5, 8, 50))


def test_hours_stop_at_the_window_end(world, kit) -> None:
    claim, forgot = confirmed(world, kit)
    record(world, claim, at(2026, 3, 5, 13, 50))
    assert HoursEntry.objects.get(volunteer=forgot).hours == Decimal("3.00")


def test_a_reason_is_required(world, kit) -> None:
    claim, _ = confirmed(world, kit)
    with pytest.raises(DomainError, match="请填写补登原因"):
        services.record_checkout(
            actor=world.street_north,
            claim_id=claim.pk,
            at=at(2026, 3, 5, 11),
            reason=" ",
            now=LATER,
        )


def test_a_role_without_serving_manage_is_refused(world, kit) -> None:
    claim, _ = confirmed(world, kit)
    with pytest.raises(PermissionDenied):
        services.record_checkout(
            actor=world.leader, claim_id=claim.pk, at=at(2026, 3, 5, 11), reason=REASON, now=LATER
        )


def test_another_street_is_refused(world, kit) -> None:
    claim, _ = confirmed(world, kit)
    with pytest.raises(DomainError, match="不在您的管辖范围"):
        services.record_checkout(
            actor=world.street_south,
            claim_id=claim.pk,
            at=at(2026, 3, 5, 11),
            reason=REASON,
            now=LATER,
        )


def test_the_recording_is_audited_with_its_reason(world, kit) -> None:
    claim, _ = confirmed(world, kit)
    record(world, claim, at(2026, 3, 5, 11, 30))
    event = AuditEvent.objects.get(action="service_checkout_recorded")
    assert (event.note, event.actor_id) == (REASON, world.street_north.pk)


def test_the_volunteer_sees_the_recorded_check_out(world, kit) -> None:
    claim, _ = confirmed(world, kit)
    record(world, claim, at(2026, 3, 5, 11, 30))
    with time_machine.travel(LATER, tick=False):
        page = volunteer_client("13977770041").get(f"/serving/nearby/{claim.order_id}/")
    assert f"社区补登签退：{REASON}" in page.content.decode()


def test_the_order_page_records_the_check_out(world, kit, client) -> None:
    claim, forgot = confirmed(world, kit)
    with time_machine.travel(LATER, tick=False):
        client.force_login(world.street_north)
        response = client.post(
            f"/serving/orders/{claim.order_id}/checkout/",
            {"claim": claim.pk, "at": "2026-03-05T11:30", "reason": REASON},
        )
    assert (response.status_code, HoursEntry.objects.filter(volunteer=forgot).count()) == (
        302,
        1,
    )


def test_a_refused_recording_shows_the_page_again_with_the_typed_values(world, kit, client) -> None:
    claim, _ = confirmed(world, kit)
    with time_machine.travel(LATER, tick=False):
        client.force_login(world.street_north)
        response = client.post(
            f"/serving/orders/{claim.order_id}/checkout/",
            {"claim": claim.pk, "at": "2026-03-05T11:30", "reason": ""},
        )
    body = response.content.decode()
    assert (response.status_code, "请填写补登原因" in body, 'value="2026-03-05T11:30"' in body) == (
        422,
        True,
        True,
    )
