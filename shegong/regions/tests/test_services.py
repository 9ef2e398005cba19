from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from shegong.core.exceptions import DomainError
from shegong.core.models import AuditEvent
from shegong.regions import services
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db


def test_create_child_checks_level_code_and_parent(world) -> None:
    street = services.create_region(
        actor=world.dept_admin,
        code="339901003",
        name="东街道",
        level=3,
        parent_id=world.district.pk,
    )
    assert street.path == f"{world.district.path}339901003/"
    assert street.full_name == "示范市东城区东街道"
    assert AuditEvent.objects.filter(action="region_created", target_id=str(street.pk)).exists()
    with pytest.raises(DomainError, match="应以上级代码开头"):
        services.create_region(
            actor=world.dept_admin,
            code="339902009",
            name="错街道",
            level=3,
            parent_id=world.district.pk,
        )
    with pytest.raises(DomainError, match="应为9位"):
        services.create_region(
            actor=world.dept_admin, code="3399010", name="错", level=3, parent_id=world.district.pk
        )
    with pytest.raises(DomainError, match="上级应为街道/乡镇"):
        services.create_region(
            actor=world.dept_admin,
            code="339901001009",
            name="错",
            level=4,
            parent_id=world.district.pk,
        )
    with pytest.raises(DomainError, match="已存在"):
        services.create_region(
            actor=world.dept_admin,
            code="339901003",
            name="重复",
            level=3,
            parent_id=world.district.pk,
        )


def test_only_managers_within_scope_may_create(world) -> None:
    with pytest.raises(PermissionDenied):
        services.create_region(
            actor=world.street_north,
            code="339901001009",
            name="新社区",
            level=4,
            parent_id=world.north.pk,
        )
    before = Region.objects.count()
    admin = world.dept_admin
    admin.region = world.district_b
    admin.save()
    admin = type(admin).objects.get(pk=admin.pk)
    with pytest.raises(DomainError, match="不在您的管辖范围"):
        services.create_region(
            actor=admin, code="339901001009", name="新社区", level=4, parent_id=world.north.pk
        )
    assert Region.objects.count() == before


def test_rename_refreshes_full_names_below(world) -> None:
    services.update_region(actor=world.dept_admin, region_id=world.district.pk, name="东湖区")
    assert Region.objects.get(code="339901001001").full_name == "示范市东湖区北街道北一社区"


def test_move_rewrites_the_subtree_paths(world) -> None:
    grid = Region.objects.get(code="339901001001-01")
    target = Region.objects.get(code="339901001002")
    moved = services.move_region(actor=world.dept_admin, region_id=grid.pk, new_parent_id=target.pk)
    assert moved.path == f"{target.path}339901001001-01/"
    community = Region.objects.get(code="339901001001")
    services.move_region(
        actor=world.dept_admin, region_id=community.pk, new_parent_id=world.south.pk
    )
    community.refresh_from_db()
    assert community.path.startswith(world.south.path)
    assert community.full_name == "示范市东城区南街道北一社区"
    # The street_south user now sees the moved community; street_north no longer does.
    assert Region.objects.visible_to(world.street_south).filter(pk=community.pk).exists()
    assert not Region.objects.visible_to(world.street_north).filter(pk=community.pk).exists()
    with pytest.raises(DomainError):
        services.move_region(
            actor=world.dept_admin, region_id=world.north.pk, new_parent_id=world.north.pk
        )
