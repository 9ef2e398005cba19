from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypedDict, Unpack
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from shegong.accounts.models import User
from shegong.appeals.choices import AppealKind, Channel
from shegong.appeals.models import Appeal
from shegong.appeals.services.intake import IntakeData, submit_appeal

if TYPE_CHECKING:
    from conftest import World

TZ = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


class Overrides(TypedDict, total=False):
    region_id: int
    kind: str


class MakeAppeal(Protocol):
    def __call__(self, now: datetime, **overrides: Unpack[Overrides]) -> Appeal: ...


class ClientFor(Protocol):
    def __call__(self, user: User) -> Client: ...


@pytest.fixture
def make_appeal(world: World) -> MakeAppeal:
    """``make_appeal(now=…, region_id=…, kind=…)`` → the appeal, through the intake service."""

    def make(now: datetime, **overrides: Unpack[Overrides]) -> Appeal:
        data = IntakeData(
            kind=overrides.get("kind", AppealKind.HL_COMPLAINT),
            channel=Channel.PORTAL,
            title="小区路灯不亮",
            body="三号楼前路灯坏了两周，晚上出行不安全。",
            region_id=overrides.get("region_id", world.north_one.pk),
            name="张三",
            phone="13912345678",
        )
        appeal, _ = submit_appeal(actor=None, data=data, now=now)
        return appeal

    return make
