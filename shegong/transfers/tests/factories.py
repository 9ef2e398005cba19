"""Test-only builders: a small party tree, secretaries, and members made through the
minimal path (``Member.objects.create``) — the members app owns the real one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from shegong.accounts import services as accounts
from shegong.accounts.models import User
from shegong.core.roles import Role
from shegong.lib.validators import id_check_digit
from shegong.members.choices import Stage, Standing
from shegong.members.models import Member
from shegong.organizations.models import PartyOrganization
from shegong.organizations.services import orgs
from shegong.transfers.services import InboundPerson

if TYPE_CHECKING:
    from conftest import World

PASSWORD = "pw-Transfers-2026!"


def id_number(seq: int, birth: str = "19900101") -> str:
    body = f"110101{birth}{seq % 1000:03d}"
    return body + id_check_digit(body)


@dataclass
class Party:
    """北街道党工委 → 北一社区党支部 (A), 北二社区党支部 (B); 南街道党工委 → 南一社区党支部 (C)."""

    world: World
    north_committee: PartyOrganization
    south_committee: PartyOrganization
    branch_a: PartyOrganization
    branch_b: PartyOrganization
    branch_c: PartyOrganization
    secretary_a: User
    secretary_b: User
    secretary_c: User
    committee_north: User  # administers 北街道党工委
    committee_south: User
    seq: int = 0

    def member(
        self,
        org: PartyOrganization | None = None,
        *,
        stage: str = Stage.FULL,
        standing: str = Standing.ACTIVE,
        is_floating: bool = False,
        floating_since: date | None = None,
    ) -> Member:
        self.seq += 1
        return Member.objects.create(
            organization=org or self.branch_a,
            name=f"党员{self.seq}",
            gender="M",
            birth_date=date(1990, 1, 1),
            id_number=id_number(self.seq),
            stage=stage,
            standing=standing,
            joined_branch_on=date(2020, 1, 1),
            is_floating=is_floating,
            floating_since=floating_since,
            floating_destination="上海市" if is_floating else "",
        )


def _user(world: World, username: str, role: str, region_id: int) -> User:
    return accounts.create_user(
        actor=world.root,
        username=username,
        full_name=username,
        role=role,
        password=PASSWORD,
        region_id=region_id,
        phone="13700002222",
    )


def build_party(world: World) -> Party:
    root = world.root

    def org(
        code: str, name: str, kind: str, region_id: int, parent: int | None
    ) -> PartyOrganization:
        return orgs.create_organization(
            actor=root, code=code, name=name, kind=kind, region_id=region_id, parent_id=parent
        )

    north = org("TR-N", "中共北街道工作委员会", "committee", world.north.pk, None)
    south = org("TR-S", "中共南街道工作委员会", "committee", world.south.pk, None)
    a = org("TR-A", "北一社区党支部", "branch", world.north_one.pk, north.pk)
    b = org("TR-B", "北二社区党支部", "branch", world.north.pk, north.pk)
    c = org("TR-C", "南一社区党支部", "branch", world.south_one.pk, south.pk)
    users = {}
    for name, target, region in (
        ("sec_a", a, world.north_one),
        ("sec_b", b, world.north),
        ("sec_c", c, world.south_one),
        ("com_n", north, world.north),
        ("com_s", south, world.south),
    ):
        user = _user(world, name, Role.BRANCH_SECRETARY, region.pk)
        orgs.set_org_administrator(actor=root, org_id=target.pk, user_id=user.pk)
        users[name] = User.objects.get(pk=user.pk)
    return Party(
        world=world,
        north_committee=north,
        south_committee=south,
        branch_a=a,
        branch_b=b,
        branch_c=c,
        secretary_a=users["sec_a"],
        secretary_b=users["sec_b"],
        secretary_c=users["sec_c"],
        committee_north=users["com_n"],
        committee_south=users["com_s"],
    )


def fresh(user: User) -> User:
    """The user re-read (scope caches such as administered paths are per object)."""
    return User.objects.get(pk=user.pk)


def person(
    name: str, number: str, stage: str = Stage.FULL, admitted_on: date = date(2010, 7, 1)
) -> InboundPerson:
    """An arrival as the other side's letter writes it (入党 2010-07-01, 转正 a year later
    for a 正式党员)."""
    confirmed = date(admitted_on.year + 1, admitted_on.month, 1) if stage == Stage.FULL else None
    return InboundPerson(
        name=name, id_number=number, stage=stage, admitted_on=admitted_on, confirmed_on=confirmed
    )
