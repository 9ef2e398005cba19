"""Serving fixtures: volunteers, a dispatched and signed appeal, built through services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shegong.appeals.choices import AppealKind, Channel, WorkOrderRole
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.intake import IntakeData, submit_appeal
from shegong.volunteers.tests.conftest import Kit

if TYPE_CHECKING:
    from conftest import World
    from shegong.appeals.models import Appeal

TZ = ZoneInfo("Asia/Shanghai")
# A Monday morning; every date-dependent test runs with the clock pinned here.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    """Every test of this app runs at ``NOW`` unless it travels further itself."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def kit(world: World, clock: time_machine.Coordinates) -> Kit:
    return Kit(world)


@pytest.fixture
def signed_appeal(world: World, clock: time_machine.Coordinates) -> Appeal:
    """An appeal in 北一社区 dispatched to 北街道办事处 and signed by it (due 2026-03-09)."""
    appeal, _code = submit_appeal(
        actor=None,
        data=IntakeData(
            kind=AppealKind.HL_COMPLAINT,
            channel=Channel.PORTAL,
            title="独居老人需要陪同就医",
            body="北一社区5号楼的独居老人腿脚不便，下周需要有人陪同去医院复查。",
            region_id=world.north_one.pk,
            name="李大爷",
            phone="13912345678",
        ),
        now=NOW,
    )
    wf.dispatch_appeal(
        actor=world.dispatcher, appeal_id=appeal.pk, lead_unit_id=world.street_unit_n.pk, now=NOW
    )
    order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
    wf.sign_order(actor=world.street_north, order_id=order.pk, now=NOW)
    appeal.refresh_from_db()
    return appeal
