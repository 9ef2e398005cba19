"""组织生活 fixtures: a branch in 北一社区 administered by the ``secretary`` persona, a second
branch in 南一社区 with its own secretary, and members on the roll.

Members are created as rows (the members app owns their services and builds them in
parallel); everything of this app goes through its services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pytest

from conftest import PASSWORD
from shegong.lib.validators import id_check_digit

if TYPE_CHECKING:
    from conftest import World
    from shegong.accounts.models import User
    from shegong.members.models import Member
    from shegong.organizations.models import PartyOrganization
    from shegong.orglife.models import Meeting

_seq = itertools.count(100)


def make_id(birth: date = date(1980, 5, 1)) -> str:
    body = f"339901{birth:%Y%m%d}{next(_seq) % 1000:03d}"
    return body + id_check_digit(body)


def make_phone() -> str:
    return f"139{next(_seq):08d}"


@dataclass
class Branch:
    world: World
    org: PartyOrganization
    other: PartyOrganization
    other_secretary: User

    def member(
        self,
        stage: str = "full",
        *,
        org: PartyOrganization | None = None,
        discipline: str = "",
        phone: str = "",
        standing: str = "active",
        name: str = "张党员",
    ) -> Member:
        from shegong.members.models import Member

        return Member.objects.create(
            organization=org or self.org,
            name=name,
            gender="M",
            id_number=make_id(),
            phone=phone or make_phone(),
            stage=stage,
            standing=standing,
            discipline=discipline,
            joined_branch_on=date(2020, 1, 1),
        )

    def meeting(
        self,
        kind: str = "theme_day",
        held_on: date | None = None,
        *,
        title: str = "学习贯彻主题党日",
        org: PartyOrganization | None = None,
        committee_size: int | None = None,
        committee_present: int | None = None,
    ) -> Meeting:
        from django.utils import timezone

        from shegong.orglife import services

        return services.plan_meeting(
            actor=self.world.secretary,
            organization_id=(org or self.org).pk,
            data=services.MeetingData(
                kind=kind,
                title=title,
                held_on=held_on or timezone.localdate(),
                committee_size=committee_size,
                committee_present=committee_present,
            ),
        )


def build_branch(world: World) -> Branch:
    from shegong.accounts import services as accounts
    from shegong.core.roles import Role
    from shegong.organizations.services import orgs

    org = orgs.create_organization(
        actor=world.root,
        code="OL-0001",
        name="北一社区第一党支部",
        kind="branch",
        region_id=world.north_one.pk,
    )
    orgs.set_org_administrator(actor=world.root, org_id=org.pk, user_id=world.secretary.pk)
    other = orgs.create_organization(
        actor=world.root,
        code="OL-0002",
        name="南一社区党支部",
        kind="branch",
        region_id=world.south_one.pk,
    )
    other_secretary = accounts.create_user(
        actor=world.root,
        username="secretary_south",
        full_name="南一书记",
        role=Role.BRANCH_SECRETARY,
        password=PASSWORD,
        region_id=world.south_one.pk,
        phone="13700003333",
        must_change_password=False,
    )
    orgs.set_org_administrator(actor=world.root, org_id=other.pk, user_id=other_secretary.pk)
    return Branch(world=world, org=org, other=other, other_secretary=other_secretary)


@pytest.fixture
def branch(world: World) -> Branch:
    return build_branch(world)
