"""Shared pieces of the volunteer browser tests: fresh rate limits, the SMS code a phone
received, and the street's volunteer manager with a team — all through the services."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import PASSWORD


@pytest.fixture(autouse=True)
def fresh_limits() -> Iterator[None]:
    from django.core.cache import cache

    from shegong.core.notify import ConsoleSmsSender

    cache.clear()
    ConsoleSmsSender.outbox.clear()
    yield
    cache.clear()


def sms_code(phone: str) -> str:
    from shegong.core.notify import ConsoleSmsSender

    texts = [text for to, text in ConsoleSmsSender.outbox if to == phone]
    assert texts, "no SMS was sent"
    return re.search(r"验证码是(\d{6})", texts[-1]).group(1)  # type: ignore[union-attr]


def manager_and_team(world: Any) -> tuple[Any, Any]:
    """vm_north (志愿团队管理员 of the north street) and the 北一社区 team they manage."""
    from shegong.accounts import services as accounts
    from shegong.core.roles import Role
    from shegong.volunteers import services

    manager = accounts.create_user(
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
    team = services.create_team(
        actor=manager,
        name="北一社区志愿服务队",
        region_id=world.north_one.pk,
        unit_id=world.street_unit_n.pk,
        manager_ids=[manager.pk],
    )
    return manager, team
