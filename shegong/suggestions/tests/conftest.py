"""Suggestion fixtures: appeals built through the real intake and workflow services."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shegong.appeals.choices import AppealKind, Channel, WorkOrderRole
from shegong.appeals.services import workflow as wf
from shegong.appeals.services.intake import IntakeData, submit_appeal

TZ = ZoneInfo("Asia/Shanghai")
PHONE = "13912345678"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


class Builder:
    """``b.suggestion(...)``, ``b.dispatch(appeal, unit)``, ``b.close(appeal)`` …"""

    def __init__(self, world: Any) -> None:
        self.world = world

    def appeal(self, *, now: datetime | None = None, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "kind": AppealKind.PEOPLE_SUGGESTION,
            "channel": Channel.PORTAL,
            "title": "建议在北一社区增设口袋公园",
            "body": "北一社区3号楼旁有块空地，建议改造成口袋公园，方便老人孩子休息。"
            "我叫张三，电话13912345678。",
            "region_id": self.world.north_one.pk,
            "name": "张三",
            "phone": PHONE,
        }
        values.update(overrides)
        appeal, _ = submit_appeal(actor=None, data=IntakeData(**values), now=now)
        return appeal

    def suggestion(self, **overrides: Any) -> Any:
        return self.appeal(**overrides)

    def dispatch(self, appeal: Any, unit: Any, now: datetime | None = None) -> Any:
        wf.dispatch_appeal(
            actor=self.world.dispatcher, appeal_id=appeal.pk, lead_unit_id=unit.pk, now=now
        )
        appeal.refresh_from_db()
        return appeal

    def handler_for(self, unit: Any) -> Any:
        w = self.world
        return {
            w.unit_a.pk: w.handler_unit_a,
            w.unit_b.pk: w.handler_unit_b,
            w.street_unit_n.pk: w.street_north,
            w.street_unit_s.pk: w.street_south,
        }[unit.pk]

    def reply(
        self, appeal: Any, text: str = "已纳入年度计划，感谢您的建议。", now: Any = None
    ) -> Any:
        order = appeal.work_orders.get(role=WorkOrderRole.LEAD, status__in=["pending", "signed"])
        handler = self.handler_for(order.unit)
        if order.status == "pending":
            wf.sign_order(actor=handler, order_id=order.pk, now=now)
        wf.reply_order(actor=handler, order_id=order.pk, text=text, now=now)
        appeal.refresh_from_db()
        return appeal

    def close(self, appeal: Any, unit: Any | None = None, now: Any = None, **reply: Any) -> Any:
        if appeal.status in ("registered", "accepted"):
            self.dispatch(appeal, unit or self.world.unit_a, now=now)
        if appeal.status == "dispatched":
            self.reply(appeal, now=now, **reply)
        wf.close_appeal(actor=self.world.dispatcher, appeal_id=appeal.pk, now=now)
        appeal.refresh_from_db()
        return appeal


@pytest.fixture
def b(world: Any) -> Builder:
    return Builder(world)


@pytest.fixture
def today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def days_from_now(n: int) -> date:
    from django.utils import timezone

    return timezone.localdate() + timedelta(days=n)
