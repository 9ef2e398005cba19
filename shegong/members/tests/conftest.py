from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from conftest import PASSWORD
from shegong.accounts.models import User
from shegong.lib.validators import id_check_digit
from shegong.organizations.models import PartyOrganization


def id_number(seq: int, born: date = date(1990, 1, 1), region: str = "339901") -> str:
    """A valid fictional 公民身份号码 (sequence odd → male)."""
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + id_check_digit(body)


@dataclass
class Party:
    committee: PartyOrganization  # 北街道党委 (above the branch)
    branch: PartyOrganization  # 北一社区党支部, administered by the demo persona ``secretary``
    south: PartyOrganization  # 南一社区党支部 (another street)
    above: User  # a 党委 secretary administering the committee


@pytest.fixture
def party(world) -> Party:
    from shegong.accounts import services as accounts
    from shegong.core.roles import Role
    from shegong.organizations.services import orgs

    def org(code: str, kind: str, region, parent=None, **kw):
        return orgs.create_organization(
            actor=world.root,
            code=code,
            name=f"测试{code}",
            kind=kind,
            region_id=region.pk,
            parent_id=parent.pk if parent else None,
            **kw,
        )

    committee = org("N-DW", "committee", world.north)
    branch = org("N-B1", "branch", world.north_one, committee, formal_members=8)
    south_dw = org("S-DW", "committee", world.south)
    south = org("S-B1", "branch", world.south_one, south_dw, formal_members=5)
    orgs.set_org_administrator(actor=world.root, org_id=branch.pk, user_id=world.secretary.pk)
    above = accounts.create_user(
        actor=world.root,
        username="above",
        full_name="above",
        role=Role.BRANCH_SECRETARY,
        password=PASSWORD,
        region_id=world.north_one.pk,
        phone="13700002222",
        must_change_password=False,
    )
    orgs.set_org_administrator(actor=world.root, org_id=committee.pk, user_id=above.pk)
    return Party(committee, branch, south, above)


@pytest.fixture
def make_member(world):
    from shegong.members.services.people import MemberInput, create_member

    counter = iter(range(1, 999, 2))

    def make(org, stage: str = "full", **kw):
        data = MemberInput(
            name=kw.pop("name", "测试党员"),
            id_number=kw.pop("id_number", None) or id_number(next(counter)),
            organization_id=org.pk,
            stage=stage,
            admitted_on=kw.pop("admitted_on", date(2010, 7, 1) if stage != "applicant" else None),
            confirmed_on=kw.pop("confirmed_on", date(2011, 7, 1) if stage == "full" else None),
            **kw,
        )
        return create_member(actor=world.root, data=data)

    return make
