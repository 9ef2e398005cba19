"""上级行政机关: the body a 复查/复核 goes to — edited, checked, shown and exposed."""

from __future__ import annotations

import json

import pytest

from shegong.core.audit import AuditEvent
from shegong.core.exceptions import DomainError
from shegong.units import services
from shegong.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_gov(world):
    return services.create_unit(
        actor=world.root, code="G-CITY", name="市人民政府", kind="other", region_id=world.city.pk
    )


def test_a_superior_body_is_set_and_audited(world, city_gov) -> None:
    services.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=city_gov.pk)
    event = AuditEvent.objects.filter(action="unit_changed", target_id=str(world.unit_a.pk)).last()
    assert event.changes["superior_body"] == [None, city_gov.pk]


def test_the_superior_body_is_explicit_when_set(world, city_gov) -> None:
    services.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=city_gov.pk)
    assert Unit.objects.get(pk=world.unit_a.pk).administrative_superior() == (city_gov, False)


def test_without_a_superior_body_the_parent_is_inferred(world) -> None:
    child = services.create_unit(
        actor=world.root,
        code="U-A-1",
        name="物业科",
        kind="functional",
        region_id=world.city.pk,
        parent_id=world.unit_a.pk,
    )
    assert child.administrative_superior() == (world.unit_a, True)


def test_a_unit_cannot_be_its_own_superior(world) -> None:
    with pytest.raises(DomainError, match="不能是本单位"):
        services.update_unit(
            actor=world.root, unit_id=world.unit_a.pk, superior_body_id=world.unit_a.pk
        )


def test_a_subordinate_cannot_be_the_superior(world) -> None:
    child = services.create_unit(
        actor=world.root,
        code="U-A-1",
        name="物业科",
        kind="functional",
        region_id=world.city.pk,
        parent_id=world.unit_a.pk,
    )
    with pytest.raises(DomainError, match="不能是本单位的下级单位"):
        services.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=child.pk)


def test_superiors_cannot_form_a_cycle(world, city_gov) -> None:
    services.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=city_gov.pk)
    with pytest.raises(DomainError, match="上级链又回到本单位"):
        services.update_unit(
            actor=world.root, unit_id=city_gov.pk, superior_body_id=world.unit_a.pk
        )


def test_an_inactive_superior_is_refused(world, city_gov) -> None:
    services.update_unit(actor=world.root, unit_id=city_gov.pk, is_active=False)
    with pytest.raises(DomainError, match="已停用"):
        services.update_unit(
            actor=world.root, unit_id=world.unit_a.pk, superior_body_id=city_gov.pk
        )


def test_an_unknown_superior_code_is_a_chinese_error() -> None:
    with pytest.raises(DomainError, match="上级行政机关不存在，或不能作为本单位的上级行政机关"):
        services.superior_id_for_code("NOPE")


def test_the_edit_form_sets_the_superior_by_code(world, city_gov, client_for) -> None:
    client_for(world.dept_admin).post(
        f"/units/{world.unit_a.pk}/edit/",
        {
            "name": "市住建局",
            "kind": "functional",
            "region_code": "339900",
            "superior_code": "G-CITY",
        },
    )
    assert Unit.objects.get(pk=world.unit_a.pk).superior_body == city_gov


def test_the_edit_form_reports_an_unknown_superior_code(world, client_for) -> None:
    page = client_for(world.dept_admin).post(
        f"/units/{world.unit_a.pk}/edit/",
        {"name": "市住建局", "kind": "functional", "region_code": "339900", "superior_code": "X9"},
    )
    assert services.SUPERIOR_NOT_ALLOWED in page.content.decode()


def test_the_edit_form_keeps_the_superior_when_redisplayed(world, city_gov, client_for) -> None:
    services.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=city_gov.pk)
    page = client_for(world.dept_admin).get(f"/units/{world.unit_a.pk}/edit/")
    assert 'value="G-CITY"' in page.content.decode()


def test_the_detail_page_shows_the_superior_body(world, city_gov, client_for) -> None:
    services.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=city_gov.pk)
    page = client_for(world.dept_admin).get(f"/units/{world.unit_a.pk}/").content.decode()
    assert "市人民政府（G-CITY）" in page


def test_the_detail_page_says_when_the_superior_is_inferred(world, client_for) -> None:
    child = services.create_unit(
        actor=world.root,
        code="U-A-1",
        name="物业科",
        kind="functional",
        region_id=world.city.pk,
        parent_id=world.unit_a.pk,
    )
    page = client_for(world.dept_admin).get(f"/units/{child.pk}/").content.decode()
    assert "未设置，按上级单位推定" in page


def test_the_api_exposes_the_superior_and_the_review_body(world, city_gov, client_for) -> None:
    services.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=city_gov.pk)
    data = client_for(world.dispatcher).get(f"/api/units/{world.unit_a.pk}").json()
    assert (data["superior_body_id"], data["review_body_id"], data["review_body_inferred"]) == (
        city_gov.pk,
        city_gov.pk,
        False,
    )


def test_the_api_patch_sets_and_clears_the_superior(world, city_gov, client_for) -> None:
    client = client_for(world.dept_admin)
    url = f"/api/units/{world.unit_a.pk}"
    client.patch(url, json.dumps({"superior_body_id": city_gov.pk}), "application/json")
    client.patch(url, json.dumps({"superior_body_id": None}), "application/json")
    assert Unit.objects.get(pk=world.unit_a.pk).superior_body_id is None


def test_the_export_has_the_superior_code(world, city_gov) -> None:
    services.update_unit(actor=world.root, unit_id=world.unit_a.pk, superior_body_id=city_gov.pk)
    rows = list(services.export_rows(Unit.objects.filter(pk=world.unit_a.pk)))
    column = services.EXPORT_COLUMNS.index("上级行政机关编码")
    assert rows[0][column] == "G-CITY"
