"""Two claims of the last place at once: exactly one wins (PostgreSQL, two connections)."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from django.db import connection, connections

from shegong.core.exceptions import DomainError
from shegong.serving import services
from shegong.serving.models import Claim, ServiceOrder

from .test_orders import need

if TYPE_CHECKING:
    from conftest import World
    from shegong.volunteers.tests.conftest import Kit


@pytest.mark.django_db(transaction=True)
def test_two_claims_of_the_last_place(world: World, kit: Kit) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race needs two real connections (PostgreSQL)")
    order = services.create_need(actor=world.street_north, data=need(world, people_needed=2))
    first, second, third = (kit.volunteer() for _ in range(3))
    services.claim_order(volunteer_id=first.pk, order_id=order.pk)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(volunteer_id: int) -> None:
        try:
            barrier.wait()
            services.claim_order(volunteer_id=volunteer_id, order_id=order.pk)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(v.pk,)) for v in (second, third)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    order.refresh_from_db()
    assert sorted(outcomes) == ["ok", "名额已满或服务已结束"]
    assert (order.places_taken, Claim.objects.filter(order=order).count()) == (2, 2)
    assert ServiceOrder.objects.get(pk=order.pk).status == "full"


@pytest.mark.django_db(transaction=True)
def test_one_volunteer_claiming_two_orders_at_once_keeps_the_open_claims_limit(
    world: World, kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a limit of one open claim, one volunteer claims two different orders at the
    same moment: both claims take their place (different order rows, no conflict) and meet
    at a barrier; the open claims are counted only after that, under the volunteer's row
    lock, so the second sees the first's claim and is refused."""
    if connection.vendor != "postgresql":
        pytest.skip("the race needs two real connections (PostgreSQL)")
    from shegong.serving.services import claims
    from shegong.serving.services.common import get_policy

    policy = get_policy()
    policy.max_open_claims = 1
    policy.save()
    orders = [
        services.create_need(actor=world.street_north, data=need(world, title=title))
        for title in ("更换楼道灯泡", "清理楼道杂物")
    ]
    volunteer = kit.volunteer()
    barrier = threading.Barrier(2)
    take_place = claims._take_place

    def take_place_then_meet(order: ServiceOrder, now: datetime) -> None:
        take_place(order, now)
        barrier.wait(timeout=10)

    monkeypatch.setattr(claims, "_take_place", take_place_then_meet)
    outcomes: list[str] = []

    def claim(order_id: int) -> None:
        try:
            services.claim_order(volunteer_id=volunteer.pk, order_id=order_id)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(o.pk,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "不能认领：已有1项服务未完成"]
    assert Claim.objects.filter(volunteer=volunteer).count() == 1
    assert sum(ServiceOrder.objects.get(pk=o.pk).places_taken for o in orders) == 1
