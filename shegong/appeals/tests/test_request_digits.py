"""Ids read straight from a request (bulk dispatch, registration, the portal form): "²" passes
``str.isdigit`` but not ``int`` — it must read as "no id", never as a 500."""

from __future__ import annotations

import pytest

from shegong.appeals.choices import AppealStatus, Stream
from shegong.appeals.portal_forms import PortalSubmitForm

pytestmark = pytest.mark.django_db


def test_bulk_dispatch_to_a_superscript_unit_says_what_is_missing(
    world, client_for, make_appeal
) -> None:
    appeal, _ = make_appeal()
    response = client_for(world.dispatcher).post(
        "/appeals/bulk-dispatch/", {"appeal": [str(appeal.pk)], "lead_unit": "²"}, follow=True
    )
    assert "请勾选诉求并选择主办单位" in response.content.decode()


def test_bulk_dispatch_of_a_superscript_appeal_says_what_is_missing(world, client_for) -> None:
    response = client_for(world.dispatcher).post(
        "/appeals/bulk-dispatch/", {"appeal": ["²"], "lead_unit": str(world.unit_a.pk)}, follow=True
    )
    assert "请勾选诉求并选择主办单位" in response.content.decode()


def test_bulk_dispatch_skips_a_superscript_beside_a_real_appeal(
    world, client_for, make_appeal
) -> None:
    appeal, _ = make_appeal()
    client_for(world.dispatcher).post(
        "/appeals/bulk-dispatch/",
        {"appeal": ["²", str(appeal.pk)], "lead_unit": str(world.unit_a.pk)},
    )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.DISPATCHED


def _registration(**extra: object) -> dict[str, object]:
    return {
        "kind": "hl_complaint",
        "channel": "phone",
        "urgency": "normal",
        "title": "小区路灯不亮",
        "body": "北一社区3号楼前路灯坏了两周。",
        "name": "张三",
        "phone": "13912345678",
        **extra,
    }


def test_registration_in_a_superscript_region_asks_for_the_region_again(world, client_for) -> None:
    response = client_for(world.dispatcher).post(
        "/appeals/new/", _registration(region=["²"], accused_units=["²"])
    )
    assert "所选发生地不在您的管辖范围内，请重新选择" in response.content.decode()


def test_registration_picking_a_superscript_region_shows_the_form_again(world, client_for) -> None:
    response = client_for(world.dispatcher).post("/appeals/new/", _registration(pick_region="²"))
    assert response.status_code == 200


def test_the_cascade_with_a_superscript_pick_answers(world, client_for) -> None:
    response = client_for(world.dispatcher).get("/appeals/new/regions/", {"pick_region": "²"})
    assert response.status_code == 200


def test_the_portal_form_asks_for_a_district_given_a_superscript(world) -> None:
    form = PortalSubmitForm(Stream.HOTLINE, {"district": "²", "street": "²"})
    form.is_valid()
    assert form.errors["district"] == ["请选择发生地所在的区县"]
