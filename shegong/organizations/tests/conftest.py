from __future__ import annotations

from typing import Any

import pytest

from shegong.organizations.testing import credit_code


@pytest.fixture
def make_entity(world: Any) -> Any:
    from shegong.organizations.services import entities

    counter = iter(range(1, 100000))

    def make(region: Any = None, **kw: Any) -> Any:
        return entities.create_entity(
            actor=world.root,
            credit_code=kw.pop("credit_code", None) or credit_code(next(counter)),
            name=kw.pop("name", "测试企业"),
            kind=kw.pop("kind", "enterprise"),
            region_id=(region or world.north_one).pk,
            **kw,
        )

    return make


@pytest.fixture
def make_org(world: Any) -> Any:
    from shegong.organizations.services import orgs

    counter = iter(range(1, 100000))

    def make(kind: str = "branch", region: Any = None, parent: Any = None, **kw: Any) -> Any:
        n = next(counter)
        return orgs.create_organization(
            actor=world.root,
            code=kw.pop("code", f"T-{n:04d}"),
            name=kw.pop("name", f"测试党组织{n}"),
            kind=kind,
            region_id=(region or world.north_one).pk,
            parent_id=parent.pk if parent else None,
            **kw,
        )

    return make
