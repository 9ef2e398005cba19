"""The only writers of regions. Each call: scoped load, rule check, write + audit, one
transaction. Import is all-or-nothing: a dry run reports every bad row; a commit with any
bad row writes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.roles import Cap
from shegong.core.scoping import Actor
from shegong.core.tabular import Column, ImportReport, parse_count
from shegong.core.tree import child_path, depth_of, move_subtree
from shegong.lib import geo
from shegong.lib.text import parse_id

from .choices import CODE_LENGTHS, RegionLevel
from .models import Region, RegionBoundary

IMPORT_SPEC = (
    Column("区划代码", required=True, aliases=("行政区划代码", "统计用区划代码")),
    Column("名称", required=True, aliases=("区划名称",)),
    Column("层级", required=True, aliases=("区划层级",)),
    Column("上级区划代码", aliases=("上级代码",)),
    Column("常住人口", aliases=("常住人口数", "人口数")),
)
IMPORT_COLUMNS = [c.name for c in IMPORT_SPEC]
REQUIRED_COLUMNS = [c.name for c in IMPORT_SPEC if c.required]
LEVEL_NAMES: dict[str, int] = {
    "市": RegionLevel.CITY,
    "地级市": RegionLevel.CITY,
    "区": RegionLevel.DISTRICT,
    "县": RegionLevel.DISTRICT,
    "区县": RegionLevel.DISTRICT,
    "县级市": RegionLevel.DISTRICT,
    "街道": RegionLevel.STREET,
    "乡镇": RegionLevel.STREET,
    "镇": RegionLevel.STREET,
    "乡": RegionLevel.STREET,
    "街道/乡镇": RegionLevel.STREET,
    "社区": RegionLevel.COMMUNITY,
    "村": RegionLevel.COMMUNITY,
    "社区/村": RegionLevel.COMMUNITY,
    "网格": RegionLevel.GRID,
}
BATCH = 2000
MAX_POPULATION = 100_000_000  # 常住人口 of one division: a realistic cap (a dry-run error)


def _require(actor: Actor, capability: str = Cap.REGIONS_MANAGE) -> None:
    if not actor.has_capability(capability):
        raise PermissionDenied("您的角色不能维护行政区划")


def _check_code(level: int, code: str) -> str | None:
    if not code:
        return "区划代码不能为空"
    if level == RegionLevel.GRID:
        if len(code) > 20 or not code.replace("-", "").isalnum():
            return "网格编码应为不超过20位的字母或数字"
        return None
    if not (code.isascii() and code.isdecimal()):
        return "区划代码应全部为数字"
    lengths = CODE_LENGTHS[level]
    if len(code) not in lengths:
        return f"{RegionLevel(level).label}的区划代码应为{lengths[0]}位"
    return None


def _check_parent(level: int, code: str, parent: Region | None) -> str | None:
    if level == RegionLevel.CITY:
        return "市级区划不能有上级" if parent else None
    if parent is None:
        return "缺少上级区划"
    if parent.level != level - 1:
        return f"上级应为{RegionLevel(level - 1).label}，实际为{parent.level_label}"
    if level in (RegionLevel.STREET, RegionLevel.COMMUNITY) and not code.startswith(
        parent.code[: 6 if level == RegionLevel.STREET else 9]
    ):
        return "区划代码与上级区划代码不一致（统计用区划代码应以上级代码开头）"
    if level == RegionLevel.DISTRICT and code[:4] != parent.code[:4]:
        return "区县代码前4位应与所属市一致"
    return None


def _full_name(name: str, parent: Region | None) -> str:
    return f"{parent.full_name}{name}" if parent else name


def create_region(
    *,
    actor: Actor,
    code: str,
    name: str,
    level: int,
    parent_id: int | None = None,
    population: int | None = None,
) -> Region:
    _require(actor)
    code, name = code.strip(), name.strip()
    with transaction.atomic():
        parent = None
        if parent_id is not None:
            parent = Region.objects.visible_to(actor).filter(pk=parent_id).first()
            if parent is None:
                raise DomainError("上级区划不存在或不在您的管辖范围内")
        elif not actor.is_superuser and not actor.has_citywide_scope:
            raise DomainError("只有全市管理员可以新建市级区划")
        problem = _check_code(level, code) or _check_parent(level, code, parent)
        if problem:
            raise DomainError(problem)
        if not name:
            raise DomainError("名称不能为空")
        if Region.objects.filter(code=code).exists():
            raise DomainError(f"区划代码 {code} 已存在")
        path = child_path(parent.path if parent else "/", code)
        region = Region.objects.create(
            code=code,
            name=name,
            level=level,
            parent=parent,
            population=population,
            path=path,
            depth=depth_of(path),
            full_name=_full_name(name, parent),
        )
        audit.record(
            "region_created",
            actor=actor,
            target=region,
            changes=audit.diff({}, audit.snapshot(region)),
        )
    return region


def update_region(
    *,
    actor: Actor,
    region_id: int,
    name: str | None = None,
    population: int | None = None,
    is_active: bool | None = None,
) -> Region:
    _require(actor)
    with transaction.atomic():
        region = Region.objects.visible_to(actor).select_for_update().filter(pk=region_id).first()
        if region is None:
            raise DomainError("区划不存在或不在您的管辖范围内")
        before = audit.snapshot(region)
        fields = ["updated_at"]
        if name is not None and name.strip() and name.strip() != region.name:
            region.name = name.strip()
            region.full_name = _full_name(region.name, region.parent)
            fields += ["name", "full_name"]
        if population is not None:
            region.population = population
            fields.append("population")
        if is_active is not None:
            region.is_active = is_active
            fields.append("is_active")
        region.save(update_fields=fields)
        if "name" in fields:
            _refresh_full_names(region)
        audit.record(
            "region_changed",
            actor=actor,
            target=region,
            changes=audit.diff(before, audit.snapshot(region)),
        )
    return region


def move_region(*, actor: Actor, region_id: int, new_parent_id: int) -> Region:
    """Re-parent a region (e.g. a community transferred between streets)."""
    _require(actor)
    with transaction.atomic():
        visible = Region.objects.visible_to(actor)
        region = visible.select_for_update().filter(pk=region_id).first()
        new_parent = visible.filter(pk=new_parent_id).first()
        if region is None or new_parent is None:
            raise DomainError("区划不存在或不在您的管辖范围内")
        if new_parent.level != region.level - 1:
            raise DomainError(f"新的上级应为{RegionLevel(region.level - 1).label}")
        before = {"parent": region.parent_id, "path": region.path}
        try:
            move_subtree(region, new_parent)
        except ValueError as exc:
            raise DomainError("不能移动到自身的下级区划之下") from exc
        _refresh_full_names(region)
        audit.record(
            "region_moved",
            actor=actor,
            target=region,
            changes={
                "parent": [before["parent"], new_parent.pk],
                "path": [before["path"], region.path],
            },
        )
    return region


def _refresh_full_names(root: Region) -> None:
    """Recompute ``full_name`` below ``root`` (after a rename or a move)."""
    root.refresh_from_db()
    root.full_name = _full_name(root.name, root.parent)
    Region.objects.filter(pk=root.pk).update(full_name=root.full_name)
    names: dict[int | None, str] = {root.pk: root.full_name}
    for node in (
        Region.objects.descendants_of(root, include_self=False)
        .order_by("depth")
        .only("pk", "name", "parent_id")
        .iterator(chunk_size=BATCH)
    ):
        names[node.pk] = names.get(node.parent_id, "") + node.name
        Region.objects.filter(pk=node.pk).update(full_name=names[node.pk])


@dataclass
class _Row:
    number: int
    code: str
    name: str
    level: int
    parent_code: str
    population: int | None
    # A cell of the row is bad (name, population): its parent is still checked so the row's
    # every problem is listed, and it can still be a parent, but it is never written.
    bad: bool = False


def _parse_rows(rows: Iterable[tuple[int, dict[str, str]]], report: ImportReport) -> list[_Row]:
    """Cell checks of every row; a row's every bad cell is reported, not only the first."""
    parsed: list[_Row] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        report.total += 1
        problems: list[tuple[str, str]] = []
        code = raw.get("区划代码", "").strip()
        name = raw.get("名称", "").strip()
        level_text = raw.get("层级", "").strip()
        level = LEVEL_NAMES.get(level_text)
        if level is None and parse_id(level_text) in RegionLevel.values:
            level = parse_id(level_text)
        if level is None:
            problems.append(
                ("层级", f"无法识别的层级“{level_text}”，应为 市/区县/街道/乡镇/社区/村/网格")
            )
            code_problem = None if code else "区划代码不能为空"
        else:
            code_problem = _check_code(level, code)
        if code_problem:
            problems.append(("区划代码", code_problem))
        elif code in seen:
            problems.append(("区划代码", f"与第 {seen[code]} 行重复"))
        if not name:
            problems.append(("名称", "名称不能为空"))
        population, population_problem = parse_count(
            raw.get("常住人口", ""), "常住人口", max_value=MAX_POPULATION
        )
        if population_problem:
            problems.append(("常住人口", population_problem))
        for column, message in problems:
            report.add(number, column, message)
        if level is None or code_problem or code in seen:
            continue
        seen[code] = number
        parsed.append(
            _Row(
                number,
                code,
                name,
                level,
                raw.get("上级区划代码", "").strip(),
                population,
                bad=bool(problems),
            )
        )
    return parsed


def template_example(*, actor: Actor) -> list[list[Any]]:
    """The template's sample row: a region the actor may import, as it stands (the most
    local one in scope), so the downloaded template passes its own dry run and confirming
    it unchanged changes nothing."""
    region = (
        Region.objects.visible_to(actor)
        .filter(level__lt=RegionLevel.GRID)
        .select_related("parent")
        .order_by("-level", "code")
        .first()
    )
    if region is None:
        return [["330102001", "示例街道", "街道", "330102", "52000"]]
    return [
        [
            region.code,
            region.name,
            RegionLevel(region.level).label,
            region.parent.code if region.parent else "",
            "" if region.population is None else region.population,
        ]
    ]


def import_regions(
    *, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]], commit: bool
) -> ImportReport:
    """Create or update regions by code. Parents may be earlier in the file or existing.

    All-or-nothing: if any row is bad, nothing is written and every error is reported.
    Existing regions outside the actor's scope are never touched (reported as errors).
    """
    _require(actor)
    report = ImportReport()
    parsed = sorted(_parse_rows(rows, report), key=lambda r: r.level)
    codes = {r.code for r in parsed} | {r.parent_code for r in parsed if r.parent_code}
    existing: dict[str, Region] = {}
    code_list = list(codes)
    for i in range(0, len(code_list), 900):
        for region in Region.objects.filter(code__in=code_list[i : i + 900]):
            existing[region.code] = region
    visible_paths_root = (
        None if (actor.is_superuser or actor.has_citywide_scope) else actor.scope_region_path
    )
    planned: dict[str, Region] = {}
    to_create: list[Region] = []
    to_update: list[tuple[Region, dict[str, Any]]] = []
    for row in parsed:
        parent = (
            (planned.get(row.parent_code) or existing.get(row.parent_code))
            if row.parent_code
            else None
        )
        if row.parent_code and parent is None:
            report.add(
                row.number,
                "上级区划代码",
                f"上级区划 {row.parent_code} 不存在（既不在系统中，也不在本文件中）",
            )
            continue
        problem = _check_parent(row.level, row.code, parent)
        if problem:
            report.add(row.number, "上级区划代码", problem)
            continue
        path = child_path(parent.path if parent else "/", row.code)
        if visible_paths_root and not path.startswith(visible_paths_root):
            report.add(row.number, "区划代码", "该区划不在您的管辖范围内")
            continue
        current = existing.get(row.code)
        full_name = _full_name(row.name, parent)
        if current is None:
            region = Region(
                code=row.code,
                name=row.name,
                level=row.level,
                parent=parent,
                population=row.population,
                path=path,
                depth=depth_of(path),
                full_name=full_name,
            )
            if not row.bad:
                to_create.append(region)
            planned[row.code] = region
            continue
        if current.level != row.level or current.path != path:
            report.add(
                row.number, "上级区划代码", "导入不能改变已有区划的层级或上级；请使用“调整上级”功能"
            )
            continue
        planned[row.code] = current
        if row.bad:
            continue
        changes: dict[str, list[Any]] = {}
        if current.name != row.name:
            changes["name"] = [current.name, row.name]
        if row.population is not None and current.population != row.population:
            changes["population"] = [current.population, row.population]
        if changes:
            to_update.append((current, changes))
        else:
            report.unchanged += 1
    report.errors.sort(key=lambda error: error.row)
    if not report.ok or not commit:
        report.created = len(to_create)
        report.updated = len(to_update)
        return report
    with transaction.atomic():
        # Level by level, so every parent has its pk before its children are inserted.
        for level in sorted({r.level for r in to_create}):
            of_level = [r for r in to_create if r.level == level]
            for i in range(0, len(of_level), BATCH):
                batch = of_level[i : i + BATCH]
                for region in batch:
                    if region.parent is not None:
                        region.parent_id = region.parent.pk
                Region.objects.bulk_create(batch, batch_size=BATCH)
        for region, changes in to_update:
            if "name" in changes:
                region.name = changes["name"][1]
            if "population" in changes:
                region.population = changes["population"][1]
            region.save(update_fields=["name", "population", "updated_at"])
            if "name" in changes:
                _refresh_full_names(region)
        audit.record(
            "regions_imported",
            actor=actor,
            target_type="regions.region",
            target_repr=f"导入 {len(to_create)} 新建 / {len(to_update)} 更新",
            changes={
                "created": len(to_create),
                "updated": len(to_update),
                "created_codes_sample": [r.code for r in to_create[:50]],
                "updates_sample": {r.code: c for r, c in to_update[:50]},
            },
        )
    report.created = len(to_create)
    report.updated = len(to_update)
    report.committed = True
    return report


def export_rows(queryset: QuerySet[Region]) -> Iterable[list[str | int]]:
    """Rows in the import format, so an export can be edited and re-imported."""
    rows = queryset.select_related("parent").order_by("level", "code")
    for region in rows.iterator(chunk_size=BATCH):
        yield [
            region.code,
            region.name,
            RegionLevel(region.level).label,
            region.parent.code if region.parent is not None else "",
            region.population if region.population is not None else "",
        ]


# --- boundaries ------------------------------------------------------------------------------

CODE_PROPERTIES = ("区划代码", "code", "adcode")


@dataclass
class BoundaryReport:
    """Outcome of loading boundaries: ``errors`` name the feature (1-based) and the problem."""

    loaded: int = 0
    errors: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def load_boundaries(
    *, actor: Actor, document: Any, code_property: str = "", commit: bool = True
) -> BoundaryReport:
    """Load region boundaries from a GeoJSON FeatureCollection (RFC 7946, ``[lon, lat]``).

    Each feature names its region by code in ``properties`` (``code_property``, else the
    first of 区划代码 / code / adcode) and carries a Polygon or MultiPolygon. All-or-nothing:
    any bad feature (no code, unknown or out-of-scope region, bad geometry, a region twice)
    is reported and nothing is written. A region's earlier boundary is replaced.
    """
    _require(actor)
    report = BoundaryReport()
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        report.errors.append("文件应为 GeoJSON 的 FeatureCollection")
        return report
    features = document.get("features")
    if not isinstance(features, list) or not features:
        report.errors.append("文件中没有任何要素（features）")
        return report
    names = (code_property,) if code_property else CODE_PROPERTIES
    parsed: dict[str, tuple[int, list[Any]]] = {}
    for number, feature in enumerate(features, start=1):
        where = f"第{number}个要素"
        properties = feature.get("properties") if isinstance(feature, dict) else None
        code = ""
        if isinstance(properties, dict):
            code = next((str(properties[n]).strip() for n in names if properties.get(n)), "")
        if not code:
            report.errors.append(f"{where}：属性中没有区划代码（{' / '.join(names)}）")
            continue
        where = f"{where}（区划代码 {code[:20]}）"
        if code in parsed:
            report.errors.append(f"{where}：与第{parsed[code][0]}个要素是同一区划")
            continue
        try:
            shapes = geo.polygons(feature.get("geometry"))
        except geo.GeometryError as exc:
            report.errors.append(f"{where}：{exc.message}")
            continue
        parsed[code] = (number, list(shapes))
    regions: dict[str, Region] = {}
    codes = list(parsed)
    for i in range(0, len(codes), 900):
        for region in Region.objects.visible_to(actor).filter(code__in=codes[i : i + 900]):
            regions[region.code] = region
    for code, (number, _shapes) in parsed.items():
        if code not in regions:
            report.errors.append(
                f"第{number}个要素（区划代码 {code[:20]}）：区划不存在或不在您的管辖范围内"
            )
    if report.errors or not commit:
        report.loaded = 0 if report.errors else len(parsed)
        return report
    with transaction.atomic():
        for code, (_number, shapes) in parsed.items():
            min_lon, min_lat, max_lon, max_lat = geo.bbox(shapes)
            RegionBoundary.objects.update_or_create(
                region=regions[code],
                defaults={
                    "geometry": {"type": "MultiPolygon", "coordinates": shapes},
                    "min_lon": min_lon,
                    "min_lat": min_lat,
                    "max_lon": max_lon,
                    "max_lat": max_lat,
                    "area": geo.area(shapes),
                },
            )
        audit.record(
            "region_boundaries_loaded",
            actor=actor,
            target_type="regions.regionboundary",
            target_repr=f"载入 {len(parsed)} 个区划的边界",
            changes={"loaded": len(parsed), "codes_sample": codes[:50]},
        )
    report.loaded = len(parsed)
    report.committed = True
    return report
