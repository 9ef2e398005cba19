"""Uploading the map's region boundaries: validated with Chinese errors, matched to the
region tree, stored locally, audited; each viewer gets the shapes of its own region."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shegong.core.models import AuditEvent

from ..models import Boundaries
from .conftest import ClientFor

if TYPE_CHECKING:
    from conftest import World

pytestmark = pytest.mark.django_db

SQUARE = [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.0]]]


def geojson(*codes: str) -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {"区划代码": c},
            "geometry": {"type": "Polygon", "coordinates": SQUARE},
        }
        for c in codes
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def upload(client_for: ClientFor, world: World, data: bytes) -> str:
    response = client_for(world.dept_admin).post(
        "/cockpit/boundaries/", {"file": SimpleUploadedFile("map.geojson", data)}
    )
    return response.content.decode() if response.status_code == 400 else "ok"


def test_boundaries_matched_to_the_tree_are_stored_and_audited(
    world: World, client_for: ClientFor
) -> None:
    upload(client_for, world, geojson("339901", "339902"))
    row = Boundaries.objects.get()
    assert (row.codes, AuditEvent.objects.filter(action="cockpit_boundaries_uploaded").count()) == (
        ["339901", "339902"],
        1,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"type": "FeatureCollection", "features": [', "文件不是有效的 GeoJSON：第 1 行"),
        (b'{"type": "Feature"}', "最外层应为 FeatureCollection"),
        (geojson("339901", "110101"), "以下区划代码在区划树中不存在：110101"),
        (geojson("339901", "339901"), "区划代码重复：339901"),
        (b"\xff\xfe", "不是 UTF-8 编码"),
    ],
)
def test_bad_files_are_refused_in_chinese(
    world: World, client_for: ClientFor, data: bytes, message: str
) -> None:
    assert message in upload(client_for, world, data)


def test_an_oversized_file_is_refused(
    world: World, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shegong.cockpit.boundaries.MAX_BYTES", 10)
    assert "文件过大" in upload(client_for, world, geojson("339901"))


def test_a_district_leader_gets_only_its_districts_shapes(
    world: World, client_for: ClientFor
) -> None:
    upload(client_for, world, geojson("339901", "339902", "339901001"))
    shapes = client_for(world.district_leader).get("/cockpit/boundaries.json").json()
    codes = sorted(f["properties"]["code"] for f in shapes["features"])
    assert codes == ["339901", "339901001"]


def test_a_leader_may_not_upload(world: World, client_for: ClientFor) -> None:
    response = client_for(world.leader).post(
        "/cockpit/boundaries/", {"file": SimpleUploadedFile("map.geojson", geojson("339901"))}
    )
    assert (response.status_code, Boundaries.objects.count()) == (403, 0)
