"""The demo builder runs through the services and leaves served, confirmed orders."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shegong.serving.demo import build_serving_demo
from shegong.volunteers.choices import EntryKind
from shegong.volunteers.models import HoursEntry

from .conftest import NOW

if TYPE_CHECKING:
    from conftest import World
    from shegong.volunteers.tests.conftest import Kit

pytestmark = pytest.mark.django_db


def test_demo_builds_reports_orders_and_ledger_hours(world: World, kit: Kit) -> None:
    volunteers = [kit.volunteer().pk for _ in range(3)]
    counts = build_serving_demo(
        manager=world.street_north,
        community_ids=[world.north_one.pk],
        volunteer_ids=volunteers,
        now=NOW,
    )
    assert counts == {"reports": 1, "orders": 5, "confirmed": 3, "converted": 0}
    assert HoursEntry.objects.filter(kind=EntryKind.DUAL_REPORT).exists()
