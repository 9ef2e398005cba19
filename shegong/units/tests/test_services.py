from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from shegong.core.exceptions import DomainError
from shegong.units import services
from shegong.units.models import Unit

pytestmark = pytest.mark.django_db


def test_create_validates_credit_code_and_phone(world) -> None:
    with pytest.raises(DomainError, match="校验位错误"):
        services.create_unit(
            actor=world.dept_admin,
            code="U-X",
            name="X",
            kind="enterprise",
            region_id=world.city.pk,
            credit_code="914403001922038217",
        )
    with pytest.raises(DomainError, match="11位手机号码"):
        services.create_unit(
            actor=world.dept_admin,
            code="U-X",
            name="X",
            kind="enterprise",
            region_id=world.city.pk,
            contact_phone="010-1234",
        )
    unit = services.create_unit(
        actor=world.dept_admin,
        code="U-X",
        name="华为",
        kind="enterprise",
        region_id=world.city.pk,
        credit_code="914403001922038216",
        parent_id=world.unit_a.pk,
    )
    assert unit.path == f"{world.unit_a.path}{unit.pk}/"
    assert Unit.objects.visible_to(world.handler_unit_a).filter(pk=unit.pk).exists()


def test_edit_cannot_move_a_unit_out_of_the_actors_scope(world) -> None:
    admin = world.dept_admin
    admin.region = world.district
    admin.unit = None
    admin.save()
    admin = type(admin).objects.get(pk=admin.pk)
    unit = services.create_unit(
        actor=world.root,
        code="U-D",
        name="东城区民政局",
        kind="functional",
        region_id=world.district.pk,
    )
    with pytest.raises(DomainError, match="所属区划不存在或不在您的管辖范围"):
        services.update_unit(actor=admin, unit_id=unit.pk, region_id=world.district_b.pk)
    unit.refresh_from_db()
    assert unit.region_id == world.district.pk


def test_blank_phone_keeps_the_stored_value(world) -> None:
    services.update_unit(
        actor=world.dept_admin, unit_id=world.unit_a.pk, contact_phone="", address="人民路2号"
    )
    unit = Unit.objects.get(pk=world.unit_a.pk)
    assert unit.contact_phone.reveal() == "13812345678"
    assert unit.address == "人民路2号"


def test_only_unit_managers_may_write(world) -> None:
    with pytest.raises(PermissionDenied):
        services.update_unit(actor=world.handler_unit_a, unit_id=world.unit_a.pk, name="改名")


def test_create_and_edit_pages(world, client_for) -> None:
    client = client_for(world.dept_admin)
    response = client.post(
        "/units/new/",
        {
            "code": "U-N",
            "name": "新单位",
            "kind": "other",
            "region_code": "339901",
            "contact_phone": "13600001111",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    unit = Unit.objects.get(code="U-N")
    response = client.post(
        f"/units/{unit.pk}/edit/",
        {"name": "新单位2", "kind": "other", "region_code": "339901", "contact_phone": ""},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "新单位2"
    assert unit.contact_phone.reveal() == "13600001111"
    bad = client.post(
        "/units/new/", {"code": "U-M", "name": "x", "kind": "other", "region_code": "000000"}
    )
    assert "所属区划代码不存在" in bad.content.decode()
