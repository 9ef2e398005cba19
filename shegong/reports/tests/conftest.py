"""Shared data of the reports tests: a small appeals history built through the appeals
services (intake, 定类, dispatch, sign, reply, revisit, 申诉), March–April 2026."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from shegong.appeals.choices import WorkOrderRole
from shegong.appeals.services import revisit as rs
from shegong.appeals.services import workflow as wf
from shegong.appeals.tests.conftest import at

if TYPE_CHECKING:
    from pytest_django import DjangoDbBlocker

    from conftest import World
    from shegong.appeals.models import Appeal

    Make = Callable[..., tuple[Appeal, str]]

__all__ = ["at", "build_history", "maker"]

CATEGORIES = ("城乡建设", "环境保护", "党务政务")


def build_history(world: World, make: Make, *, seed: int = 5, n: int = 36) -> None:
    from shegong.regions.models import Region

    rng = random.Random(seed)
    west_one = Region.objects.get(code="339902001001")
    places = [world.north_one, world.north_one, world.south_one, west_one]
    units = [
        (world.unit_a, world.handler_unit_a),
        (world.unit_b, world.handler_unit_b),
        (world.street_unit_n, world.street_north),
        (world.street_unit_s, world.street_south),
    ]
    for i in range(n):
        start = at(2026, 3, 2, 9) + timedelta(days=rng.randint(0, 45), hours=rng.randint(0, 8))
        place = places[i % len(places)]
        appeal, _ = make(now=start, title=f"诉求{i} 联系电话13912345678", region_id=place.pk)
        wf.set_category(
            actor=world.dispatcher,
            appeal_id=appeal.pk,
            category_l1=CATEGORIES[rng.randint(0, 2) if i % 3 else 0],
            now=start + timedelta(minutes=30),
        )
        unit, handler = units[rng.randint(0, 3)]
        wf.dispatch_appeal(
            actor=world.dispatcher,
            appeal_id=appeal.pk,
            lead_unit_id=unit.pk,
            now=start + timedelta(hours=1),
        )
        order = appeal.work_orders.get(role=WorkOrderRole.LEAD)
        wf.sign_order(actor=handler, order_id=order.pk, now=start + timedelta(hours=2))
        if rng.random() < 0.2:
            continue  # not replied (overdue once its due time has passed)
        wf.reply_order(
            actor=handler,
            order_id=order.pk,
            text="已办理",
            now=start + timedelta(days=rng.choice([1, 3, 9, 14, 20])),
        )
        if rng.random() < 0.85:
            rs.record_revisit(
                actor=world.dispatcher,
                appeal_id=appeal.pk,
                contacted=rng.random() < 0.85,
                resolved=rng.random() < 0.7,
                satisfaction=rng.choice(["satisfied", "basic", "dissatisfied"]),
                method="phone",
                now=start + timedelta(days=22),
            )


def maker(world: World) -> Make:
    """``make(now=…, **overrides)`` → (appeal, tracking code) through the intake service (as
    the appeals tests' ``make_appeal``)."""
    from shegong.appeals.choices import AppealKind, Channel
    from shegong.appeals.services.intake import IntakeData, submit_appeal

    def make(now: datetime | None = None, **overrides: object) -> tuple[Appeal, str]:
        values: dict[str, object] = {
            "kind": AppealKind.HL_COMPLAINT,
            "channel": Channel.PORTAL,
            "title": "小区路灯不亮",
            "body": "北一社区3号楼前路灯坏了两周。",
            "region_id": world.north_one.pk,
            "name": "张三",
            "phone": "13912345678",
        }
        values.update(overrides)
        return submit_appeal(actor=None, data=IntakeData(**values), now=now)

    return make


@pytest.fixture(scope="module")
def _history_built(module_db: DjangoDbBlocker) -> World:
    """The world and its appeals history, built once per module (each test's own changes
    roll back)."""
    from conftest import build_world

    with module_db.unblock():
        world = build_world()
        build_history(world, maker(world))
    return world


@pytest.fixture
def history(_history_built: World, db: None) -> World:
    return _history_built
