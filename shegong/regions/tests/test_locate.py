"""Finding the region an address or a point means; loading boundaries (GeoJSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from shegong.core.models import AuditEvent
from shegong.lib import geo
from shegong.regions import locate, services
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region, RegionBoundary

pytestmark = pytest.mark.django_db


def square(lon: float, lat: float, size: float) -> list[list[list[float]]]:
    return [
        [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    ]


def feature(code: str, polygon: Any, key: str = "区划代码") -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {key: code, "名称": "x"},
        "geometry": {"type": "Polygon", "coordinates": polygon},
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


# --- addresses --------------------------------------------------------------------------------


def test_full_and_partial_paths_resolve(world: Any) -> None:
    assert locate.resolve_address("东城区北街道北一社区幸福路8号").region == world.north_one
    assert locate.resolve_address("北一社区3号楼前").region == world.north_one
    assert locate.resolve_address("南街道人民路12号").region == world.south
    assert locate.resolve_address("示范市西城区文化路").region == world.district_b


def test_short_forms_without_the_level_suffix(world: Any) -> None:
    # 北一社区 → 北一, 东城区 → 东城; a road named after the community is not the community.
    assert locate.resolve_address("东城北一3号楼").region == world.north_one
    assert locate.resolve_address("东城幸福路").region == world.district
    assert locate.resolve_address("东城区北一路8号").region == world.district


def test_no_region_name_says_so(world: Any) -> None:
    resolution = locate.resolve_address("幸福路8号", hint="；也可提供区划代码")
    assert resolution.region is None
    assert resolution.problem == (
        "无法从地址（address_string）“幸福路8号”识别所属区划：其中没有本市的区县、街道（乡镇）"
        "或社区（村）名称，请写明社区或街道名称（例如“东城区北街道北一社区”）；也可提供区划代码"
    )
    only_city = locate.resolve_address("示范市幸福路8号")
    assert only_city.region is None
    assert "只写到了市" in only_city.problem


def test_a_name_two_regions_share_is_ambiguous_until_the_street_is_named(world: Any) -> None:
    services.create_region(
        actor=world.root,
        code="339902001002",
        name="北一社区",
        level=RegionLevel.COMMUNITY,
        parent_id=Region.objects.get(code="339902001").pk,
    )
    resolution = locate.resolve_address("北一社区3号楼")
    assert resolution.region is None
    assert resolution.problem == (
        "地址（address_string）中的“北一社区”对应多个区划：示范市东城区北街道北一社区、"
        "示范市西城区西一街道北一社区，请在地址中写明所在的区县或街道（例如“东城区北街道北一社区”）"
    )
    assert locate.resolve_address("东城区北一社区3号楼").region == world.north_one
    assert locate.resolve_address("西一街道北一社区").region.code == "339902001002"


def test_names_that_do_not_nest_are_refused(world: Any) -> None:
    resolution = locate.resolve_address("西城区北一社区")
    assert resolution.region is None
    assert resolution.problem.startswith(
        "地址（address_string）中的“西城区”与“北一社区”不属于同一区划"
    )
    assert "“北一社区”位于示范市东城区北街道北一社区" in resolution.problem


def test_inactive_regions_are_not_found(world: Any) -> None:
    services.update_region(actor=world.root, region_id=world.north_one.pk, is_active=False)
    assert locate.resolve_address("北街道北一社区").region == world.north


# --- points -----------------------------------------------------------------------------------


def test_geometry_checks() -> None:
    shapes = geo.polygons({"type": "Polygon", "coordinates": square(120, 30, 1)})
    assert geo.contains(shapes, 120.5, 30.5)
    assert not geo.contains(shapes, 121.5, 30.5)
    holed = [square(120, 30, 1)[0], square(120.25, 30.25, 0.5)[0]]
    assert not geo.contains([holed], 120.5, 30.5)
    assert geo.contains([holed], 120.1, 30.1)
    assert geo.area([holed]) == pytest.approx(0.75)
    with pytest.raises(geo.GeometryError) as info:
        geo.polygons({"type": "Point", "coordinates": [120, 30]})
    assert info.value.message == "边界类型应为 Polygon 或 MultiPolygon，而不是 Point"
    with pytest.raises(geo.GeometryError):
        geo.polygons({"type": "Polygon", "coordinates": square(30, 120, 1)})  # lat/lon swapped


def test_a_point_falls_in_the_smallest_loaded_region(world: Any) -> None:
    report = services.load_boundaries(
        actor=world.root,
        document=collection(
            feature(world.district.code, square(120, 30, 1)),
            feature(world.north.code, square(120, 30, 0.5)),
            feature(world.north_one.code, square(120, 30, 0.2), key="adcode"),
        ),
    )
    assert (report.ok, report.loaded) == (True, 3)
    assert locate.region_at(120.1, 30.1) == world.north_one
    assert locate.region_at(120.3, 30.3) == world.north
    assert locate.region_at(120.8, 30.8) == world.district
    assert locate.region_at(125, 30) is None
    assert AuditEvent.objects.filter(action="region_boundaries_loaded").count() == 1


def test_bad_boundaries_write_nothing(world: Any) -> None:
    report = services.load_boundaries(
        actor=world.root,
        document=collection(
            feature(world.north.code, square(120, 30, 0.5)),
            feature("999999", square(120, 30, 0.5)),
            {"type": "Feature", "properties": {}, "geometry": None},
            feature(world.north.code, square(121, 30, 0.5)),
            {
                "type": "Feature",
                "properties": {"code": world.south.code},
                "geometry": {"type": "Polygon", "coordinates": [[[120, 30], [121, 30]]]},
            },
        ),
    )
    assert report.errors == [
        "第3个要素：属性中没有区划代码（区划代码 / code / adcode）",
        f"第4个要素（区划代码 {world.north.code}）：与第1个要素是同一区划",
        f"第5个要素（区划代码 {world.south.code}）：边界的每个环至少需要4个坐标点（首尾相同）",
        "第2个要素（区划代码 999999）：区划不存在或不在您的管辖范围内",
    ]
    assert RegionBoundary.objects.count() == 0


def test_out_of_scope_regions_are_refused(world: Any) -> None:
    from conftest import PASSWORD
    from shegong.accounts import services as accounts
    from shegong.core.roles import Role

    admin_north = accounts.create_user(
        actor=world.root,
        username="admin_north",
        full_name="北街道管理员",
        role=Role.DEPT_ADMIN,
        password=PASSWORD,
        region_id=world.north.pk,
    )
    report = services.load_boundaries(
        actor=admin_north, document=collection(feature(world.south.code, square(1, 1, 1)))
    )
    assert report.errors == [
        f"第1个要素（区划代码 {world.south.code}）：区划不存在或不在您的管辖范围内"
    ]


def test_load_boundaries_command(world: Any, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "b.geojson"
    path.write_text(
        json.dumps(collection(feature(world.north.code, square(120, 30, 0.5))), ensure_ascii=False),
        encoding="utf-8",
    )
    call_command("regions", "load-boundaries", str(path), "--user", "root", "--dry-run")
    assert RegionBoundary.objects.count() == 0
    call_command("regions", "load-boundaries", str(path), "--user", "root")
    assert "已载入 1 个区划的边界" in capsys.readouterr().out
    assert RegionBoundary.objects.get().region == world.north
    with pytest.raises(CommandError) as info:
        call_command("regions", "load-boundaries", str(path), "--user", "leader")
    assert str(info.value) == "账号 leader 没有维护行政区划的权限"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("regions", "load-boundaries", str(path), "--user", "root")
    assert str(info.value) == "有 1 个问题，未写入任何边界"


def test_the_example_in_a_refusal_is_a_place_of_this_city(world: Any) -> None:
    Region.objects.filter(code="339901001001").update(name="翠苑社区")
    problem = locate.resolve_address("文三路100号").problem
    assert "例如“东城区北街道翠苑社区”" in problem
