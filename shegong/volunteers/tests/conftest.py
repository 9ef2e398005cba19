"""Volunteer fixtures: volunteers, teams and activities built through the services."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import PASSWORD
from shegong.lib.validators import id_check_digit

_seq = itertools.count(100)


def make_id(birth: date, region: str = "339901") -> str:
    body = f"{region}{birth:%Y%m%d}{next(_seq) % 1000:03d}"
    return body + id_check_digit(body)


def make_phone() -> str:
    return f"139{next(_seq):08d}"


class Kit:
    """Builders for volunteer tests (all through the services)."""

    def __init__(self, world: Any) -> None:
        from shegong.accounts import services as accounts
        from shegong.core.roles import Role

        self.world = world
        self.vm_north = accounts.create_user(
            actor=world.root,
            username="vm_north",
            full_name="北街道志愿管理员",
            role=Role.VOLUNTEER_MANAGER,
            password=PASSWORD,
            region_id=world.north.pk,
            unit_id=world.street_unit_n.pk,
            phone="13700002222",
            must_change_password=False,
        )
        self.vm_south = accounts.create_user(
            actor=world.root,
            username="vm_south",
            full_name="南街道志愿管理员",
            role=Role.VOLUNTEER_MANAGER,
            password=PASSWORD,
            region_id=world.south.pk,
            unit_id=world.street_unit_s.pk,
            phone="13700003333",
            must_change_password=False,
        )

    def volunteer(
        self,
        *,
        age: int = 30,
        region: Any = None,
        actor: Any = None,
        skills: tuple[str, ...] = (),
        **extra: Any,
    ) -> Any:
        from shegong.volunteers import services

        today = timezone.localdate()
        birth = (
            date(today.year - age, 1, 1)
            if today >= date(today.year, 1, 2)
            else date(today.year - age - 1, 1, 1)
        )
        minor = age < 18
        return services.register_volunteer(
            actor=actor or self.vm_north,
            name=extra.pop("name", "张志愿"),
            id_number=extra.pop("id_number", make_id(birth)),
            phone=extra.pop("phone", make_phone()),
            region_id=(region or self.world.north_one).pk,
            skills=skills,
            guardian_name="张家长" if minor else "",
            guardian_phone="13600001111" if minor else "",
            guardian_consent=minor,
            **extra,
        )

    def team(self, *, actor: Any = None, region: Any = None, unit: Any = None) -> Any:
        from shegong.volunteers import services

        return services.create_team(
            actor=actor or self.vm_north,
            name="北一社区志愿服务队",
            region_id=(region or self.world.north_one).pk,
            unit_id=(unit or self.world.street_unit_n).pk,
        )

    def activity(
        self,
        *,
        team: Any = None,
        actor: Any = None,
        capacity: int = 2,
        start: datetime | None = None,
        hours: int = 3,
        publish: bool = True,
        **extra: Any,
    ) -> Any:
        from shegong.volunteers import services

        actor = actor or self.vm_north
        team = team or self.team(actor=actor)
        now = timezone.now()
        start = start or now + timedelta(days=3)
        activity = services.create_activity(
            actor=actor,
            team_id=team.pk,
            title=extra.pop("title", "社区助老服务"),
            description="陪伴独居老人、打扫卫生",
            region_id=extra.pop("region", self.world.north_one).pk,
            address="北一社区活动室",
            contact_name="李队长",
            recruit_start=now - timedelta(days=1),
            recruit_end=start,
            slots=[services.SlotInput(start, start + timedelta(hours=hours), capacity)],
            **extra,
        )
        if publish:
            services.change_activity_status(actor=actor, activity_id=activity.pk, to="published")
        activity.refresh_from_db()
        return activity


@pytest.fixture
def kit(world: Any) -> Kit:
    return Kit(world)


@pytest.fixture
def fixed_clock() -> Any:
    """A working Wednesday morning in a year whose holidays are known (2026-11-18 10:00).

    For modules whose tests date things relative to "now": a slot "in ten minutes" must not
    cross midnight, "15 years ago today" must exist (not 29 February), and working-day
    lateness must not depend on which holidays happen to be near. Use with
    ``pytestmark = pytest.mark.usefixtures("fixed_clock")``; the clock ticks.
    """
    import time_machine

    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 18, 10, 0)), tick=True):
        yield
