"""Uploading region boundaries for the cockpit's map: validated, stored locally, audited."""

from __future__ import annotations

import json

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.regions.models import Region

from .models import Boundaries

MAX_BYTES = 20 * 1024 * 1024  # a city's streets at a usable precision fit in a few MB
GEOMETRIES = {"Polygon", "MultiPolygon"}
CODE_KEYS = ("code", "区划代码", "adcode")


def feature_code(properties: object) -> str:
    if not isinstance(properties, dict):
        return ""
    for key in CODE_KEYS:
        value = properties.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def parse(data: bytes) -> tuple[dict[str, object], list[str]]:
    """The FeatureCollection and its region codes, or ``DomainError`` in Chinese."""
    if len(data) > MAX_BYTES:
        raise DomainError(f"文件过大：不能超过 {MAX_BYTES // 1024 // 1024} MB，请简化边界后再上传")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise DomainError("文件不是 UTF-8 编码的文本，请另存为 UTF-8 的 GeoJSON") from exc
    except json.JSONDecodeError as exc:
        raise DomainError(
            f"文件不是有效的 GeoJSON：第 {exc.lineno} 行第 {exc.colno} 列格式错误"
        ) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise DomainError("GeoJSON 的最外层应为 FeatureCollection（要素集合）")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise DomainError("GeoJSON 中没有任何要素（features 为空）")
    codes: list[str] = []
    for i, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise DomainError(f"第 {i} 个要素格式错误")
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRIES:
            raise DomainError(f"第 {i} 个要素的几何类型应为 Polygon 或 MultiPolygon")
        if not isinstance(geometry.get("coordinates"), list):
            raise DomainError(f"第 {i} 个要素缺少坐标")
        code = feature_code(feature.get("properties"))
        if not code:
            raise DomainError(f"第 {i} 个要素缺少区划代码（properties.code）")
        codes.append(code)
        props = feature.get("properties")
        feature["properties"] = {**(props if isinstance(props, dict) else {}), "code": code}
    if len(set(codes)) != len(codes):
        dup = sorted({c for c in codes if codes.count(c) > 1})
        raise DomainError(f"区划代码重复：{'、'.join(dup[:10])}")
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise DomainError(
            f"以下区划代码在区划树中不存在：{'、'.join(unknown[:10])}"
            + ("等" if len(unknown) > 10 else "")
        )
    return doc, codes


def upload_boundaries(*, actor: User, data: bytes) -> Boundaries:
    require_capability(actor, Cap.REPORTS_MANAGE, "您的角色不能上传区划边界")
    doc, codes = parse(data)
    with transaction.atomic():
        row = Boundaries.objects.create(
            geojson=json.dumps(doc, ensure_ascii=False, separators=(",", ":")),
            features=len(codes),
            codes=codes,
            uploaded_at=timezone.now(),
            uploaded_by=actor,
        )
        audit.record(
            "cockpit_boundaries_uploaded",
            actor=actor,
            target=row,
            changes={"features": [None, len(codes)]},
        )
    return row


def current() -> Boundaries | None:
    return Boundaries.objects.only("pk", "features", "codes", "uploaded_at").first()


def features_within(row: Boundaries, path: str | None) -> dict[str, object]:
    """The stored FeatureCollection limited to the regions in the subtree at ``path``."""
    doc = json.loads(row.geojson)
    if path is None:
        return dict(doc)
    inside = set(
        Region.objects.filter(code__in=row.codes, path__startswith=path).values_list(
            "code", flat=True
        )
    )
    features = [f for f in doc.get("features", []) if f.get("properties", {}).get("code") in inside]
    return {"type": "FeatureCollection", "features": features}
