"""Two claims of the last place at once: exactly one wins (PostgreSQL, two connections)."""

from __future__ import annotations

import threading
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
