"""A 两新 entity is scoped by its stored copy of its region's path (``Entity.region_path``,
as are its coverage findings): when its community moves to another street, the copy
follows the move, so the new street's staff see it and the old street's no longer do."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from shegong.organizations.models import Entity
from shegong.regions import services as regions

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(world: World, make_entity: Callable[..., Entity]) -> Entity:
    entity = make_entity(region=world.north_one)
    regions.move_region(
        actor=world.root, region_id=world.north_one.pk, new_parent_id=world.south.pk
    )
    return entity


def test_the_new_streets_staff_see_the_moved_entity(world: World, moved: Entity) -> None:
    assert Entity.objects.visible_to(world.street_south).filter(pk=moved.pk).exists()


def test_the_old_streets_staff_no_longer_see_it(world: World, moved: Entity) -> None:
    assert not Entity.objects.visible_to(world.street_north).filter(pk=moved.pk).exists()


def test_the_copy_equals_the_regions_path(world: World, moved: Entity) -> None:
    moved.refresh_from_db()
    world.north_one.refresh_from_db()
    assert moved.region_path == world.north_one.path
