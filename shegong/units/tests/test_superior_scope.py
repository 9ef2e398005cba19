"""Review finding M1: a unit manager may only name a lawful 上级行政机关 — one whose region
contains the unit's region — never an unrelated unit (who reads a 复查/复核 depends on it),
and the field is no way to learn which unit codes exist."""

from __future__ import annotations

import json

import pytest

from conftest import PASSWORD
from shegong.accounts import services as accounts
from shegong.core.exceptions import DomainError
from shegong.core.roles import Role
from shegong.units import services
from shegong.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_admin(world):
    return accounts.create_user(
        actor=world.root,
        username="district_admin",
        full_name="区管理员",
        role=Role.DEPT_ADMIN,
        password=PASSWORD,
        region_id=world.district.pk,
        phone="13700002222",
    )


@pytest.fixture
def west_office(world):
    """A street office of the other district: unrelated to 东城区's units."""
    west_street = world.district_b.children.get()
    return services.create_unit(
        actor=world.root,
        code="U-W1",
        name="西一街道办事处",
        kind="street",
        region_id=west_street.pk,
    )


@pytest.fixture
def district_gov(world):
    return services.create_unit(
        actor=world.root,
        code="G-D1",
        name="东城区人民政府",
        kind="other",
        region_id=world.district.pk,
    )


def _superior(unit) -> int | None:
    return Unit.objects.get(pk=unit.pk).superior_body_id


def test_service_refuses_an_unrelated_unit(world, district_admin, west_office) -> None:
    with pytest.raises(DomainError, match="不能作为本单位的上级行政机关"):
        services.update_unit(
            actor=district_admin, unit_id=world.street_unit_n.pk, superior_body_id=west_office.pk
        )


def test_service_refuses_a_neighbouring_street_office(world, district_admin) -> None:
    with pytest.raises(DomainError, match="不能作为本单位的上级行政机关"):
        services.update_unit(
            actor=district_admin,
            unit_id=world.street_unit_n.pk,
            superior_body_id=world.street_unit_s.pk,
        )


def test_service_refuses_an_unrelated_unit_on_create(world, district_admin, west_office) -> None:
    with pytest.raises(DomainError, match="不能作为本单位的上级行政机关"):
        services.create_unit(
            actor=district_admin,
            code="U-N-NEW",
            name="北街道综治中心",
            kind="street",
            region_id=world.north.pk,
            superior_body_id=west_office.pk,
        )


def test_the_district_government_is_allowed(world, district_admin, district_gov) -> None:
    services.update_unit(
        actor=district_admin, unit_id=world.street_unit_n.pk, superior_body_id=district_gov.pk
    )
    assert _superior(world.street_unit_n) == district_gov.pk


def test_a_city_body_outside_the_scope_is_allowed(world, district_admin) -> None:
    services.update_unit(
        actor=district_admin, unit_id=world.street_unit_n.pk, superior_body_id=world.dept.pk
    )
    assert _superior(world.street_unit_n) == world.dept.pk


def test_a_unit_moved_away_from_its_superiors_region_is_refused(world, district_gov) -> None:
    services.update_unit(
        actor=world.root, unit_id=world.street_unit_n.pk, superior_body_id=district_gov.pk
    )
    west_street = world.district_b.children.get()
    with pytest.raises(DomainError, match="不能作为本单位的上级行政机关"):
        services.update_unit(
            actor=world.root, unit_id=world.street_unit_n.pk, region_id=west_street.pk
        )


def test_api_refuses_an_unrelated_unit(world, district_admin, west_office, client_for) -> None:
    response = client_for(district_admin).patch(
        f"/api/units/{world.street_unit_n.pk}",
        json.dumps({"superior_body_id": west_office.pk}),
        "application/json",
    )
    assert (response.status_code, response.json()["detail"]) == (
        422,
        services.SUPERIOR_NOT_ALLOWED,
    )


def test_api_unknown_and_unrelated_ids_give_the_same_answer(
    world, district_admin, west_office, client_for
) -> None:
    client = client_for(district_admin)
    url = f"/api/units/{world.street_unit_n.pk}"
    unrelated = client.patch(
        url, json.dumps({"superior_body_id": west_office.pk}), "application/json"
    )
    unknown = client.patch(url, json.dumps({"superior_body_id": 987654}), "application/json")
    assert (unrelated.status_code, unrelated.json()) == (unknown.status_code, unknown.json())


def _form(code: str) -> dict[str, str]:
    return {
        "name": "北街道办事处",
        "kind": "street",
        "region_code": "339901001",
        "superior_code": code,
    }


def test_form_refuses_an_unrelated_unit(world, district_admin, west_office, client_for) -> None:
    client_for(district_admin).post(f"/units/{world.street_unit_n.pk}/edit/", _form("U-W1"))
    assert _superior(world.street_unit_n) is None


def test_form_unknown_and_unrelated_codes_give_the_same_error(
    world, district_admin, west_office, client_for
) -> None:
    client = client_for(district_admin)
    url = f"/units/{world.street_unit_n.pk}/edit/"
    unrelated = client.post(url, _form("U-W1")).context["form"].non_field_errors()
    unknown = client.post(url, _form("NO-SUCH")).context["form"].non_field_errors()
    assert (list(unrelated), list(unknown)) == (
        [services.SUPERIOR_NOT_ALLOWED],
        [services.SUPERIOR_NOT_ALLOWED],
    )


def test_form_city_admin_sets_a_city_body(world, client_for) -> None:
    client_for(world.dept_admin).post(f"/units/{world.street_unit_n.pk}/edit/", _form("U-DEPT"))
    assert _superior(world.street_unit_n) == world.dept.pk


def test_api_city_admin_sets_a_city_body(world, client_for) -> None:
    client_for(world.dept_admin).patch(
        f"/api/units/{world.street_unit_n.pk}",
        json.dumps({"superior_body_id": world.unit_a.pk}),
        "application/json",
    )
    assert _superior(world.street_unit_n) == world.unit_a.pk


def test_import_refuses_an_unrelated_unit(world, district_admin, west_office) -> None:
    rows = [
        (
            2,
            {
                "单位编码": "U-SN",
                "单位名称": "北街道办事处",
                "类别": "street",
                "所属区划代码": "339901001",
                "上级行政机关编码": "U-W1",
            },
        )
    ]
    report = services.import_units(actor=district_admin, rows=rows, commit=False)
    assert [(e.row, e.column) for e in report.errors] == [(2, "上级行政机关编码")]


def test_import_unknown_and_unrelated_codes_give_the_same_error(
    world, district_admin, west_office
) -> None:
    def message(code: str) -> str:
        rows = [
            (
                2,
                {
                    "单位编码": "U-SN",
                    "单位名称": "北街道办事处",
                    "类别": "street",
                    "所属区划代码": "339901001",
                    "上级行政机关编码": code,
                },
            )
        ]
        (error,) = services.import_units(actor=district_admin, rows=rows, commit=False).errors
        return error.message.split("：", 1)[1]

    assert message("U-W1") == message("NO-SUCH")
