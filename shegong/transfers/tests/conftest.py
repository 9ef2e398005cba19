from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .factories import Party, build_party

if TYPE_CHECKING:
    from conftest import World


@pytest.fixture
def party(world: World) -> Party:
    return build_party(world)
