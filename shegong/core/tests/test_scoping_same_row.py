"""The semi-join scope (``core.scoping._semi_join_q``) keeps a path's ``path_filters`` on the
same related row as the path: a volunteer is seen through a team only by a membership that
is both current and in the viewer's unit — not by a left membership in the unit plus a
current one elsewhere (the case the city-wide equivalence test cannot build: in the demo
city a volunteer's teams share one unit). And the second reverse hop, which no declared
scope uses yet, agrees with the joined form or falls back to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import World
from shegong.accounts.models import User
from shegong.core.roles import Role
from shegong.core.scoping import Scope, _semi_join_q

from .test_scoping_equivalence import SECOND_HOP, new_visible_pks, reference_visible_pks

pytestmark = pytest.mark.django_db


@pytest.fixture
def crossed(world: World) -> dict[str, int]:
    """v1 left a team of 北街道 and is current in one of 南街道; v2 the other way round."""
    from shegong.volunteers.models import Membership
    from shegong.volunteers.tests.conftest import Kit

    kit = Kit(world)
    north = kit.team(actor=world.root, unit=world.street_unit_n)
    south = kit.team(actor=world.root, region=world.south_one, unit=world.street_unit_s)
    v1 = kit.volunteer(actor=world.root)
    v2 = kit.volunteer(actor=world.root)
    left = timezone.now() - timedelta(days=1)
    Membership.objects.create(team=north, volunteer=v1, left_at=left)
    Membership.objects.create(team=south, volunteer=v1)
    Membership.objects.create(team=north, volunteer=v2)
    Membership.objects.create(team=south, volunteer=v2, left_at=left)
    return {"v1": v1.pk, "v2": v2.pk}


def _unit_user(world: World, unit_name: str) -> User:
    unit = world.street_unit_n if unit_name == "north" else world.street_unit_s
    return User(username=f"u-{unit_name}", role=Role.STREET_STAFF, unit=unit)


def _seen(world: World, unit_name: str, crossed: dict[str, int]) -> set[object]:
    from shegong.volunteers.models import Volunteer

    return new_visible_pks(Volunteer, _unit_user(world, unit_name)) & set(crossed.values())


def test_a_unit_sees_the_volunteer_whose_current_membership_is_its_own(
    world: World, crossed: dict[str, int]
) -> None:
    assert _seen(world, "north", crossed) == {crossed["v2"]}


def test_a_left_membership_in_the_unit_does_not_show_a_volunteer_current_elsewhere(
    world: World, crossed: dict[str, int]
) -> None:
    assert _seen(world, "south", crossed) == {crossed["v1"]}


def test_the_joined_form_agrees_on_the_crossed_memberships(
    world: World, crossed: dict[str, int]
) -> None:
    from shegong.volunteers.models import Volunteer

    user = _unit_user(world, "north")
    old = reference_visible_pks(Volunteer, user) & set(crossed.values())
    assert old == _seen(world, "north", crossed)


@pytest.mark.parametrize(("scope", "semi_join"), SECOND_HOP)
def test_a_second_reverse_hop_takes_the_expected_form(scope: Scope, semi_join: bool) -> None:
    from shegong.regions.models import Region

    rel = scope.unit[0]
    built = _semi_join_q(Region, rel, "/1/", scope.path_filters.get(rel, {}))
    assert (built is not None) == semi_join
