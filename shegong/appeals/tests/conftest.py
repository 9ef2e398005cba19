from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shegong.appeals.choices import AppealKind, Channel
from shegong.appeals.services.intake import IntakeData, submit_appeal

TZ = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture
def make_appeal(world: Any) -> Any:
    """``make_appeal(**overrides)`` → (appeal, tracking code), via the real intake service."""

    def make(actor: Any = None, now: datetime | None = None, **overrides: Any) -> Any:
        values: dict[str, Any] = {
            "kind": AppealKind.HL_COMPLAINT,
            "channel": Channel.PORTAL,
            "title": "小区路灯不亮",
            "body": "北一社区3号楼前路灯坏了两周，晚上出行不安全。",
            "region_id": world.north_one.pk,
            "name": "张三",
            "phone": "13912345678",
        }
        values.update(overrides)
        return submit_appeal(actor=actor, data=IntakeData(**values), now=now)

    return make
