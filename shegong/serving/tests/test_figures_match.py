"""平均认领用时 (time to match) is one database aggregate, equal to the former Python mean
over every matched order's rows."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.serving import figures, services
from shegong.serving.models import ServiceOrder

from .conftest import at
from .test_orders import need

pytestmark = pytest.mark.django_db

PERIOD = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def _orders(world, kit) -> None:
    """Five orders created at different times, four of them claimed after 0.5 h to 3 days
    (one with a 17-minute lag, so the mean is not a round number), one never claimed."""
    lags = [datetime.timedelta(minutes=30), datetime.timedelta(hours=5, minutes=17)]
    lags += [datetime.timedelta(days=1, hours=2), datetime.timedelta(days=3), None]
    for n, lag in enumerate(lags):
        created = at(2026, 3, 2, 9 + n, 7 * n)
        with time_machine.travel(created, tick=False):
            order = services.create_need(
                actor=world.street_north,
                data=need(
                    world, title=f"服务{n}", starts_at=at(2026, 3, 9, 9), ends_at=at(2026, 3, 9, 12)
                ),
            )
        if lag is not None:
            services.claim_order(
                volunteer_id=kit.volunteer().pk, order_id=order.pk, now=created + lag
            )


def _python_mean(user) -> float | None:
    """The former computation: every matched order's row read into Python."""
    orders = figures.orders_for(user, *PERIOD)
    lags = [
        (claimed - created).total_seconds() / 3600
        for created, claimed in orders.filter(first_claimed_at__isnull=False).values_list(
            "created_at", "first_claimed_at"
        )
    ]
    return round(sum(lags) / len(lags), 1) if lags else None


def test_time_to_match_equals_the_python_mean(world, kit) -> None:
    _orders(world, kit)
    assert figures.compute(world.street_north, *PERIOD).avg_match_hours == _python_mean(
        world.street_north
    )


def test_time_to_match_is_none_without_a_matched_order(world) -> None:
    assert figures.compute(world.street_north, *PERIOD).avg_match_hours is None


def test_no_order_rows_are_read_for_time_to_match(world, kit) -> None:
    """The figure is aggregated in the database: no query reads the orders' times as rows."""
    _orders(world, kit)
    assert ServiceOrder.objects.filter(first_claimed_at__isnull=False).count() == 4
    with CaptureQueriesContext(connection) as ctx:
        figures.compute(world.street_north, *PERIOD)
    row_reads = [
        q["sql"]
        for q in ctx.captured_queries
        if "first_claimed_at" in q["sql"]
        and "AVG" not in q["sql"].upper()
        and "COUNT" not in q["sql"].upper()
    ]
    assert row_reads == []
