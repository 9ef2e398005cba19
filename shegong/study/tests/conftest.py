from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

if TYPE_CHECKING:
    from conftest import World
    from shegong.accounts.models import User
    from shegong.members.models import Member
    from shegong.organizations.models import CommitteeMember, PartyOrganization

TZ = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=TZ)


@dataclass
class StudyKit:
    world: World
    north: PartyOrganization  # 北一社区党支部 (region 339901001001, the secretary persona's)
    south: PartyOrganization  # 南一社区党支部 (street_south's region)
    north_members: list[Member]
    south_members: list[Member]
    north_secretary: CommitteeMember  # 书记 of north
    south_secretary: CommitteeMember
    south_admin: User  # a BRANCH_SECRETARY in 南一社区: another branch's secretary


@pytest.fixture
def kit(world: World) -> StudyKit:
    from shegong.accounts import services as accounts
    from shegong.core.roles import Role
    from shegong.organizations.services import orgs
    from shegong.study.testing import make_member

    north = orgs.create_organization(
        actor=world.root,
        code="S-N1",
        name="北一社区党支部",
        kind="branch",
        region_id=world.north_one.pk,
        formal_members=3,
    )
    south = orgs.create_organization(
        actor=world.root,
        code="S-S1",
        name="南一社区党支部",
        kind="branch",
        region_id=world.south_one.pk,
        formal_members=3,
    )
    north_members = [make_member(north, name=f"北{i}") for i in range(3)]
    south_members = [make_member(south, name=f"南{i}") for i in range(2)]
    n_sec = orgs.add_committee_member(
        actor=world.root,
        org_id=north.pk,
        name="北书记",
        post="secretary",
        started_on=date(2023, 3, 1),
    )
    s_sec = orgs.add_committee_member(
        actor=world.root,
        org_id=south.pk,
        name="南书记",
        post="secretary",
        started_on=date(2024, 6, 1),
    )
    south_admin = accounts.create_user(
        actor=world.root,
        username="south_secretary",
        full_name="南支部书记",
        role=Role.BRANCH_SECRETARY,
        password="x-Pass-12345",
        region_id=world.south_one.pk,
        phone="13700002222",
        must_change_password=False,
    )
    return StudyKit(world, north, south, north_members, south_members, n_sec, s_sec, south_admin)
