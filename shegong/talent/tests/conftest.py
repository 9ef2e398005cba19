from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

if TYPE_CHECKING:
    from conftest import World
    from shegong.accounts.models import User
    from shegong.talent.models import Person

TZ = ZoneInfo("Asia/Shanghai")

# the root conftest's ``client_for`` fixture: a logged-in test client for a user
ClientFor = Callable[[object], Client]


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=TZ)


@dataclass
class TalentKit:
    world: World
    worker: Person  # 社区工作者 in 北一社区 (north street office), account ``sw_user``
    colleague: Person  # 社区工作者 in 北一社区
    south_worker: Person  # in 南一社区 (south street office)
    sw_user: User  # the platform account linked to ``worker`` (a handler: no talent caps)


@pytest.fixture
def kit(world: World) -> TalentKit:
    return build_kit(world)


def build_kit(world: World) -> TalentKit:
    from shegong.accounts import services as accounts
    from shegong.core.roles import Role
    from shegong.talent.sample import make_person
    from shegong.talent.services.people import link_account

    admin = world.dept_admin
    worker = make_person(
        admin,
        seq=1,
        unit_id=world.street_unit_n.pk,
        region_id=world.north_one.pk,
        name="张社工",
        post="其他社区工作者",
        started_on=date(2019, 7, 1),
        degree="bachelor",
    )
    colleague = make_person(
        admin, seq=2, unit_id=world.street_unit_n.pk, region_id=world.north_one.pk, name="李社工"
    )
    south = make_person(
        admin, seq=3, unit_id=world.street_unit_s.pk, region_id=world.south_one.pk, name="王社工"
    )
    sw_user = accounts.create_user(
        actor=world.root,
        username="sw_zhang",
        full_name="张社工",
        role=Role.HANDLER,
        password="x-Pass-12345",
        unit_id=world.street_unit_n.pk,
        phone="13700003333",
        must_change_password=False,
    )
    link_account(actor=admin, person_id=worker.pk, account=sw_user)
    return TalentKit(world, worker, colleague, south, sw_user)
