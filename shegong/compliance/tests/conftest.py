from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import World
    from shegong.organizations.models import PartyOrganization


@pytest.fixture
def branch(world: World) -> PartyOrganization:
    """A 党支部 in 北一社区 under a 党委, administered by the ``secretary`` persona."""
    from shegong.organizations.models import OrgAdministrator
    from shegong.organizations.services import orgs

    parent = orgs.create_organization(
        actor=world.root,
        code="C-P1",
        name="北街道党工委",
        kind="committee",
        region_id=world.north.pk,
    )
    org = orgs.create_organization(
        actor=world.root,
        code="C-B1",
        name="北一社区党支部",
        kind="branch",
        region_id=world.north_one.pk,
        parent_id=parent.pk,
        formal_members=5,
    )
    OrgAdministrator.objects.create(user=world.users["secretary"], organization=org)
    return org


@pytest.fixture
def make_other_branch(world: World) -> Callable[[], PartyOrganization]:
    """A branch in 南 street, outside the secretary's and street_north's scope."""
    from shegong.organizations.services import orgs

    def make() -> PartyOrganization:
        return orgs.create_organization(
            actor=world.root,
            code="C-S1",
            name="南一社区党支部",
            kind="branch",
            region_id=world.south_one.pk,
        )

    return make
