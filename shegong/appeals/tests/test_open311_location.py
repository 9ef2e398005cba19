"""Open311 submissions without a region code: the place from the address or from
coordinates (docs/open311.md, "Where the appeal happened")."""

from __future__ import annotations

from typing import Any

import pytest

from shegong.appeals.models import Appeal
from shegong.regions.services import load_boundaries
from tests.open311_client import Open311Client

from .open311_helpers import API, DESCRIPTION, refused

pytestmark = pytest.mark.django_db

api = API


# --- where the appeal happened without a region code -----------------------------------------


def test_address_string_alone_is_resolved_from_region_names(api: Open311Client, world: Any) -> None:
    created = api.create(
        service_code="hl_complaint",
        description=DESCRIPTION,
        address_string="东城区北街道北一社区幸福路8号",
    )
    appeal = Appeal.objects.get(number=created["service_request_id"])
    assert appeal.region == world.north_one
    assert appeal.address == "东城区北街道北一社区幸福路8号"
    assert api.get(appeal.number)["address_id"] == world.north_one.code


def test_an_address_that_names_no_region_says_what_is_missing(
    api: Open311Client, world: Any
) -> None:
    error = refused(
        api.create, service_code="hl_complaint", description=DESCRIPTION, address_string="幸福路8号"
    )
    assert error.status == 400
    assert error.description == (
        "无法从地址（address_string）“幸福路8号”识别所属区划：其中没有本市的区县、街道（乡镇）"
        "或社区（村）名称，请写明社区或街道名称（例如“东城区北街道北一社区”）；"
        "也可提供区划代码（attribute[region_code] 或 address_id）"
    )
    error = refused(api.create, service_code="hl_complaint", description=DESCRIPTION)
    assert error.description == (
        "请提供发生地：区划代码（attribute[region_code] 或 address_id），或写明社区或街道名称的"
        "地址（address_string，例如“东城区北街道北一社区幸福路8号”）"
    )
    assert Appeal.objects.count() == 0


def test_lat_long_need_loaded_boundaries(api: Open311Client, world: Any) -> None:
    fields = {"service_code": "hl_help", "description": DESCRIPTION, "lat": "30.1", "long": "120.1"}
    error = refused(api.create, **fields)
    assert error.description.startswith("本平台尚未载入区划边界，无法按经纬度（lat/long）定位；")
    square = [[[120, 30], [120.2, 30], [120.2, 30.2], [120, 30.2], [120, 30]]]
    report = load_boundaries(
        actor=world.root,
        document={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"区划代码": world.north_one.code},
                    "geometry": {"type": "Polygon", "coordinates": square},
                }
            ],
        },
    )
    assert report.ok
    created = api.create(**fields)
    assert Appeal.objects.get(number=created["service_request_id"]).region == world.north_one
    # Outside every boundary, the address still places it; with neither, both reasons.
    outside = {**fields, "lat": "31.5"}
    created = api.create(**outside, address_string="南街道人民路12号")
    assert Appeal.objects.get(number=created["service_request_id"]).region == world.south
    error = refused(api.create, **outside)
    assert error.description.startswith(
        "经纬度（lat=31.5，long=120.1）不在本市已载入边界的任何区划内；请提供发生地"
    )
    error = refused(api.create, **{**fields, "lat": "north"})
    assert "经纬度（lat/long）应同时提供且为十进制数字" in error.description
