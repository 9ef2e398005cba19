"""Second review: rules at their edges (hours inside the window, far-future windows,
over-long text) and bad input on the pages and API answered in Chinese."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from shegong.core.exceptions import DomainError
from shegong.serving import services
from shegong.serving.choices import ClaimStatus

from .conftest import at

if TYPE_CHECKING:
    from conftest import World
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


def test_hours_count_only_the_overlap_with_the_service_window(world: World, kit: Kit) -> None:
    """Checked out in the late margin after a 9–12 window: 3 hours, not the margin too."""
    order = services.create_need(actor=world.street_north, data=need(world))
    volunteer = kit.volunteer()
    services.claim_order(volunteer_id=volunteer.pk, order_id=order.pk)
    token = services.checkin_token(order.pk)
    services.scan(volunteer_id=volunteer.pk, token=token, now=at(2026, 3, 5, 8, 55))
    services.scan(volunteer_id=volunteer.pk, token=token, now=at(2026, 3, 5, 12, 50))
    claim = order.claims.get()
    assert (claim.status, claim.hours) == (ClaimStatus.OUT, Decimal("3.00"))


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        (at(2027, 6, 1, 9), at(2027, 6, 1, 12)),  # more than a year ahead
        (at(2026, 3, 5, 9), at(2028, 3, 5, 12)),  # a window of two years
        (at(9999, 12, 30, 9), at(9999, 12, 31, 23, 59)),  # the calendar's end
    ],
)
def test_a_far_future_or_endless_window_is_refused(world: World, starts, ends) -> None:
    with pytest.raises(DomainError, match="一年"):
        services.create_need(
            actor=world.street_north, data=need(world, starts_at=starts, ends_at=ends)
        )


def test_the_page_refuses_a_far_future_window_in_chinese_keeping_the_input(
    world: World, client_for
) -> None:
    response = client_for(world.street_north).post(
        "/serving/orders/new/",
        {
            "kind": "wish",
            "title": "修理水龙头",
            "community": world.north_one.pk,
            "address": "北一社区3号楼",
            "starts_at": "9999-12-30T09:00",
            "ends_at": "9999-12-31T23:59",
            "people_needed": "1",
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "一年" in body and "修理水龙头" in body


def test_api_refuses_a_far_future_window_in_chinese(world: World, client_for) -> None:
    response = client_for(world.street_north).post(
        "/api/serving/orders",
        data=json.dumps(
            {
                "title": "陪同就医",
                "community_id": world.north_one.pk,
                "address": "1号楼",
                "starts_at": "9999-12-30T09:00:00",
                "ends_at": "9999-12-31T23:59:00",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code in (400, 409, 422)
    assert "一年" in response.json()["detail"]


def test_an_over_long_description_is_refused_in_chinese(world: World) -> None:
    with pytest.raises(DomainError, match="详细说明"):
        services.create_need(actor=world.street_north, data=need(world, description="很" * 5000))
