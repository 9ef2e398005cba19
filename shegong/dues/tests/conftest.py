from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from shegong.accounts import services as accounts
from shegong.accounts.models import User
from shegong.core.roles import Role
from shegong.dues import testing
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization
from shegong.organizations.services import orgs

if TYPE_CHECKING:
    from conftest import World

PASSWORD = "Test-Passw0rd!"


@dataclass
class Party:
    world: World
    committee: PartyOrganization  # 北街道党工委 (339901001)
    branch: PartyOrganization  # 北一社区党支部 (339901001001), under committee
    other: PartyOrganization  # 南一社区党支部 (339901002001)
    committee_secretary: User  # administers committee only
    member: Member  # in branch
    far_member: Member  # in other


def build_party(world: World) -> Party:
    root = world.root
    committee = testing.organization(
        root, code="D-C1", name="北街道党工委", kind="committee", region_id=world.north.pk
    )
    branch = testing.organization(
        root,
        code="D-B1",
        name="北一社区党支部",
        kind="branch",
        region_id=world.north_one.pk,
        parent_id=committee.pk,
    )
    other = testing.organization(
        root, code="D-B2", name="南一社区党支部", kind="branch", region_id=world.south_one.pk
    )
    user = accounts.create_user(
        actor=root,
        username="committee_sec",
        full_name="党工委书记",
        role=Role.BRANCH_SECRETARY,
        password=PASSWORD,
        region_id=world.north.pk,
        phone="13700002222",
        must_change_password=False,
    )
    orgs.set_org_administrator(actor=root, org_id=committee.pk, user_id=user.pk)
    return Party(
        world=world,
        committee=committee,
        branch=branch,
        other=other,
        committee_secretary=user,
        member=testing.member(branch, name="李党员"),
        far_member=testing.member(other, name="王党员"),
    )


@pytest.fixture
def party(world: World) -> Party:
    return build_party(world)
