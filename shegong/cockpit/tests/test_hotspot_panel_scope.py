"""A hotspot without a known street is a superuser's only
(``HotspotQuerySet.in_region_of``); the city leader's whole-tree query must not show it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shegong.triage.models import Hotspot

from .test_hotspots_panel import NOW, hotspots, shown  # noqa: F401

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db


def test_the_city_leader_does_not_see_a_hotspot_without_a_street(
    world: World,
    hotspots: None,  # noqa: F811
) -> None:
    h = Hotspot.objects.order_by("rank").first()
    assert h is not None
    Hotspot.objects.create(
        rank=99,
        label="无街道",
        place="未知",
        region=None,
        count=7,
        baseline=1.0,
        z=9.0,
        computed_at=h.computed_at,
    )
    assert not world.leader.is_superuser
    assert not any("无街道" in label for label in shown(world.leader))
