"""GeoJSON polygons and point-in-polygon, in pure Python (no Django, no GEOS).

Region boundaries are optional data an administrator loads (``shegong regions
load-boundaries``); they are used to place an Open311 ``lat``/``long`` in the smallest region
that contains it. Coordinates are GeoJSON order: ``[longitude, latitude]``. A city has at
most tens of thousands of boundaries, each checked first against its bounding box, so plain
ray casting is fast enough; there is no spatial index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Ring = Sequence[Sequence[float]]
Polygon = Sequence[Ring]  # outer ring, then holes
BBox = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


class GeometryError(ValueError):
    """A geometry this module cannot use. ``message`` is Chinese, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def polygons(geometry: Any) -> list[Polygon]:
    """The polygons of a GeoJSON ``Polygon`` or ``MultiPolygon`` geometry, validated."""
    if not isinstance(geometry, dict):
        raise GeometryError("缺少边界（geometry）")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    found: list[Any]
    if kind == "Polygon":
        found = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        found = coordinates
    else:
        raise GeometryError(f"边界类型应为 Polygon 或 MultiPolygon，而不是 {str(kind)[:30]}")
    if not found:
        raise GeometryError("边界没有坐标")
    for polygon in found:
        if not isinstance(polygon, list) or not polygon:
            raise GeometryError("边界坐标格式无效")
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise GeometryError("边界的每个环至少需要4个坐标点（首尾相同）")
            for point in ring:
                if (
                    not isinstance(point, list | tuple)
                    or len(point) < 2
                    or not all(isinstance(v, int | float) for v in point[:2])
                ):
                    raise GeometryError("边界坐标应为 [经度, 纬度] 数字对")
                lon, lat = point[0], point[1]
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise GeometryError(f"坐标超出范围：[{lon}, {lat}]（应为 [经度, 纬度]）")
    return found


def bbox(shapes: Sequence[Polygon]) -> BBox:
    lons = [p[0] for polygon in shapes for p in polygon[0]]
    lats = [p[1] for polygon in shapes for p in polygon[0]]
    return min(lons), min(lats), max(lons), max(lats)


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Ray casting (even-odd). A point exactly on an edge may fall either way."""
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(shapes: Sequence[Polygon], lon: float, lat: float) -> bool:
    """Whether the point lies inside one of the polygons (inside its outer ring, outside its
    holes)."""
    for polygon in shapes:
        if _in_ring(lon, lat, polygon[0]) and not any(
            _in_ring(lon, lat, hole) for hole in polygon[1:]
        ):
            return True
    return False


def area(shapes: Sequence[Polygon]) -> float:
    """Planar area in square degrees (shoelace; outer rings minus holes) — only to compare
    sizes of nearby shapes."""
    total = 0.0
    for polygon in shapes:
        for index, ring in enumerate(polygon):
            twice = sum(
                ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1]
                for i in range(len(ring) - 1)
            )
            total += abs(twice) / 2 * (1 if index == 0 else -1)
    return total
