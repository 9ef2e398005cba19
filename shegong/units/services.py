"""The only writers of units (scoped load, rule check, write + audit, one transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.pii import plain
from shegong.core.roles import Cap
from shegong.core.scoping import Actor
from shegong.core.tabular import SAMPLE_COLUMN, Column, ImportReport, without_samples
from shegong.core.tree import assign_path
from shegong.lib.validators import ValidationFailure, validate_credit_code, validate_mobile
from shegong.regions.models import Region

from .choices import UnitKind
from .models import Unit

EDITABLE = (
    "name",
    "short_name",
    "kind",
    "is_handling_unit",
    "contact_person",
    "contact_phone",
    "office_phone",
    "address",
    "credit_code",
    "is_active",
)
EXPORT_COLUMNS = [
    "单位编码",
    "单位名称",
    "简称",
    "类别",
    "所属区划代码",
    "上级单位编码",
    "上级行政机关编码",
    "统一社会信用代码",
    "承办单位",
    "联系人",
    "联系人手机",
    "办公电话",
    "地址",
]


def _require(actor: Actor) -> None:
    if not actor.has_capability(Cap.UNITS_MANAGE):
        raise PermissionDenied("您的角色不能维护单位")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    if cleaned.get("credit_code"):
        try:
            cleaned["credit_code"] = validate_credit_code(cleaned["credit_code"])
        except ValidationFailure as exc:
            raise DomainError(f"统一社会信用代码{exc.message}") from exc
    if cleaned.get("contact_phone"):
        try:
            cleaned["contact_phone"] = validate_mobile(str(cleaned["contact_phone"]))
        except ValidationFailure as exc:
            raise DomainError(exc.message) from exc
    if "kind" in cleaned and cleaned["kind"] not in UnitKind.values:
        raise DomainError("单位类别无效")
    return cleaned


# One message for "no such unit" and "not a lawful superior of this unit": a unit manager
# must not learn through this field which unit codes or ids exist outside their scope.
SUPERIOR_NOT_ALLOWED = (
    "上级行政机关不存在，或不能作为本单位的上级行政机关"
    "（须是所属区划包含本单位所属区划的有效单位，如本级或上级人民政府、上级主管部门）"
)


def may_answer_to(unit_region_path: str, superior_region_path: str) -> bool:
    """The rule for a 上级行政机关: its region contains the unit's region (the same region or
    one above it — a street office answers to the district government, a district bureau to
    the city one), never a unit of a neighbouring or lower region."""
    return bool(superior_region_path) and unit_region_path.startswith(superior_region_path)


def _superior(unit: Unit | None, superior_id: int | None, *, region: Region) -> Unit | None:
    """Check a 上级行政机关 for a unit in ``region``: an existing active unit whose region
    contains ``region`` (:func:`may_answer_to`), not the unit itself, not below it in the
    unit tree and not reached again by following superiors up (no cycle). It may lie outside
    the actor's scope only in that way (a district's units answer to the city government):
    the choice decides who reads a 复查/复核 of the unit's decisions. An unknown id and a
    unit that may not be chosen give the same error (:data:`SUPERIOR_NOT_ALLOWED`)."""
    if superior_id is None:
        return None
    superior = Unit.objects.select_related("region").filter(pk=superior_id).first()
    if superior is None or not may_answer_to(region.path, superior.region.path):
        raise DomainError(SUPERIOR_NOT_ALLOWED)
    if unit is not None and superior.pk == unit.pk:
        raise DomainError("上级行政机关不能是本单位")
    if unit is not None and unit.path and superior.path.startswith(unit.path):
        raise DomainError(f"上级行政机关不能是本单位的下级单位（{superior.name}）")
    if not superior.is_active:
        raise DomainError(f"上级行政机关“{superior.name}”已停用")
    if unit is None:
        return superior
    seen = {unit.pk}
    current: Unit | None = superior
    while current is not None:
        if current.pk in seen:
            raise DomainError(f"上级行政机关“{superior.name}”的上级链又回到本单位，请检查设置")
        seen.add(current.pk)
        current = current.superior_body if current.superior_body_id else None
    return superior


def superior_id_for_code(code: str) -> int | None:
    """The id of the 上级行政机关 named by its unit code ("" → None), for the service to
    check (:func:`_superior`). An unknown code gives the same error as a unit that may not
    be chosen, so the form is no way to learn which codes exist."""
    code = (code or "").strip()
    if not code:
        return None
    pk = Unit.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        raise DomainError(SUPERIOR_NOT_ALLOWED)
    return int(pk)


def create_unit(
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    region_id: int,
    parent_id: int | None = None,
    superior_body_id: int | None = None,
    **values: Any,
) -> Unit:
    """``superior_body_id``: the 上级行政机关 (see :meth:`Unit.administrative_superior`)."""
    _require(actor)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise DomainError(f"未知字段：{', '.join(sorted(unknown))}")
    values = _clean({"kind": kind, **values})
    with transaction.atomic():
        region = Region.objects.visible_to(actor).filter(pk=region_id).first()
        if region is None:
            raise DomainError("所属区划不存在或不在您的管辖范围内")
        parent = None
        if parent_id is not None:
            parent = Unit.objects.visible_to(actor).filter(pk=parent_id).first()
            if parent is None:
                raise DomainError("上级单位不存在或不在您的管辖范围内")
        if not code.strip() or not name.strip():
            raise DomainError("单位编码和名称不能为空")
        if Unit.objects.filter(code=code.strip()).exists():
            raise DomainError(f"单位编码 {code} 已存在")
        superior = _superior(None, superior_body_id, region=region)
        unit = Unit.objects.create(
            code=code.strip(),
            name=name.strip(),
            region=region,
            parent=parent,
            superior_body=superior,
            **values,
        )
        assign_path(unit)
        audit.record(
            "unit_created", actor=actor, target=unit, changes=audit.diff({}, audit.snapshot(unit))
        )
    return unit


def update_unit(*, actor: Actor, unit_id: int, **values: Any) -> Unit:
    """Edit a unit in the actor's scope. ``superior_body_id=None`` clears the 上级行政机关
    (reviews then go to the tree parent); leaving the key out keeps it."""
    _require(actor)
    unknown = set(values) - set(EDITABLE) - {"region_id", "superior_body_id"}
    if unknown:
        raise DomainError(f"未知字段：{', '.join(sorted(unknown))}")
    values = _clean(values)
    with transaction.atomic():
        unit = Unit.objects.visible_to(actor).select_for_update().filter(pk=unit_id).first()
        if unit is None:
            raise DomainError("单位不存在或不在您的管辖范围内")
        before = audit.snapshot(unit)
        moved = "region_id" in values
        if "region_id" in values:
            region = Region.objects.visible_to(actor).filter(pk=values.pop("region_id")).first()
            if region is None:
                raise DomainError("所属区划不存在或不在您的管辖范围内")
            unit.region = region
        if "superior_body_id" in values:
            unit.superior_body = _superior(unit, values.pop("superior_body_id"), region=unit.region)
        elif moved and unit.superior_body_id is not None:
            # A move to another region must keep the 上级行政机关 lawful.
            _superior(unit, unit.superior_body_id, region=unit.region)
        for key, value in values.items():
            if key == "contact_phone" and not value:
                continue  # blank means "keep" for encrypted fields
            setattr(unit, key, value)
        unit.save()
        # An edit must not move the unit out of the actor's own scope.
        if not Unit.objects.visible_to(actor).filter(pk=unit.pk).exists():
            raise DomainError("修改后该单位将不在您的管辖范围内，已取消")
        audit.record(
            "unit_changed",
            actor=actor,
            target=unit,
            changes=audit.diff(before, audit.snapshot(unit)),
        )
    return unit


def export_rows(queryset: QuerySet[Unit], *, unmasked: bool = False) -> Iterable[list[Any]]:
    for unit in queryset.select_related("region", "parent", "superior_body").iterator(
        chunk_size=2000
    ):
        phone = unit.contact_phone
        yield [
            unit.code,
            unit.name,
            unit.short_name,
            unit.get_kind_display(),
            unit.region.code,
            unit.parent.code if unit.parent is not None else "",
            unit.superior_body.code if unit.superior_body is not None else "",
            unit.credit_code,
            "是" if unit.is_handling_unit else "否",
            unit.contact_person,
            plain(phone) if unmasked else str(phone),
            unit.office_phone,
            unit.address,
        ]


# --- import ---------------------------------------------------------------------------------

IMPORT_COLUMNS = EXPORT_COLUMNS  # an export can be edited and imported again
REQUIRED_COLUMNS = ["单位编码", "单位名称", "类别", "所属区划代码"]
# The declared columns the reader checks the header against (core/tabular.py): a column the
# import does not use is shown as a warning in the dry run, never silently dropped.
IMPORT_SPEC = (
    *(Column(c, required=c in REQUIRED_COLUMNS) for c in IMPORT_COLUMNS),
    SAMPLE_COLUMN,  # the template's sample row says 示例 there: never imported
)
TEMPLATE_COLUMNS = [c.name for c in IMPORT_SPEC]
KIND_NAMES: dict[str, str] = {
    **{str(label): str(value) for value, label in UnitKind.choices},
    **{str(value): str(value) for value in UnitKind.values},
}
YES_NO = {"是": True, "否": False, "": None}


@dataclass
class _ImportRow:
    number: int
    code: str
    values: dict[str, Any]  # EDITABLE fields present in the file
    region_code: str
    parent_code: str | None  # None: the column is not in the file (keep)
    superior_code: str | None
    # A cell of the row is bad: the row is not written, but its region, parent and
    # superior are still checked so that every bad cell is listed at once.
    bad: bool = False


def _parse_unit_row(number: int, raw: dict[str, str], report: ImportReport) -> _ImportRow:
    """One row's cells, every bad cell reported (not only the first)."""
    errors = len(report.errors)

    def cell(column: str) -> str:
        return (raw.get(column) or "").strip()

    code, name, kind_text = cell("单位编码"), cell("单位名称"), cell("类别")
    if not code:
        report.add(number, "单位编码", "单位编码不能为空")
    elif len(code) > 30:
        report.add(number, "单位编码", "单位编码不能超过30个字符")
    if not name:
        report.add(number, "单位名称", "单位名称不能为空")
    kind = KIND_NAMES.get(kind_text)
    if kind is None:
        names = "、".join(str(label) for label in UnitKind.labels)
        report.add(number, "类别", f"无法识别的类别“{kind_text}”，应为 {names}")
    if not cell("所属区划代码"):
        report.add(number, "所属区划代码", "所属区划代码不能为空")
    values: dict[str, Any] = {"name": name, "kind": kind}
    for column, key in (
        ("简称", "short_name"),
        ("联系人", "contact_person"),
        ("办公电话", "office_phone"),
        ("地址", "address"),
    ):
        if column in raw:
            values[key] = cell(column)
    credit = cell("统一社会信用代码")
    if credit:
        try:
            values["credit_code"] = validate_credit_code(credit)
        except ValidationFailure as exc:
            report.add(number, "统一社会信用代码", f"统一社会信用代码{exc.message}")
    phone = cell("联系人手机")
    if phone and "*" not in phone:  # a masked export value means "keep"
        try:
            values["contact_phone"] = validate_mobile(phone)
        except ValidationFailure as exc:
            report.add(number, "联系人手机", exc.message)
    handling = cell("承办单位")
    if handling not in YES_NO:
        report.add(number, "承办单位", "承办单位应填“是”或“否”")
    elif YES_NO[handling] is not None:
        values["is_handling_unit"] = YES_NO[handling]
    return _ImportRow(
        number,
        code,
        values,
        cell("所属区划代码"),
        cell("上级单位编码") if "上级单位编码" in raw else None,
        cell("上级行政机关编码") if "上级行政机关编码" in raw else None,
        bad=len(report.errors) > errors,
    )


def _superior_cycle(code: str, superiors: dict[str, str]) -> bool:
    seen = {code}
    current = superiors.get(code, "")
    while current:
        if current in seen:
            return True
        seen.add(current)
        current = superiors.get(current, "")
    return False


def import_units(
    *, actor: Actor, rows: Iterable[tuple[int, dict[str, str]]], commit: bool
) -> ImportReport:
    """Create or update units by 单位编码 (the export's columns). A parent (上级单位) may be
    earlier or later in the file or existing; the 上级行政机关 likewise, and may lie outside the
    actor's scope. Existing units outside the scope and changes of an existing unit's parent
    are refused. All-or-nothing: any bad row → nothing is written, every error reported;
    the writes go through :func:`create_unit` / :func:`update_unit` (each audited)."""
    _require(actor)
    report = ImportReport()
    rows = without_samples(rows, report)
    report.total = len(report.samples)
    parsed: list[_ImportRow] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        report.total += 1
        row = _parse_unit_row(number, raw, report)
        if row.code in seen:
            report.add(number, "单位编码", f"与第 {seen[row.code]} 行重复")
            continue
        if row.code:
            seen[row.code] = number
        parsed.append(row)
    in_file = {row.code: row for row in parsed if row.code}
    codes = [*in_file, *(r.parent_code for r in parsed), *(r.superior_code for r in parsed)]
    existing = {
        u.code: u
        for u in Unit.objects.filter(code__in={c for c in codes if c}).select_related(
            "parent", "superior_body", "region"
        )
    }
    visible = set(
        Unit.objects.visible_to(actor)
        .filter(code__in=list(existing))
        .values_list("code", flat=True)
    )
    regions = {
        r.code: r
        for r in Region.objects.visible_to(actor).filter(
            code__in={row.region_code for row in parsed}
        )
    }
    superiors = {code: _superior_code(u) for code, u in existing.items()}
    superiors.update(
        {r.code: r.superior_code for r in parsed if r.code and r.superior_code is not None}
    )
    creates: list[_ImportRow] = []
    updates: list[tuple[_ImportRow, Unit, dict[str, Any]]] = []
    for row in parsed:
        bad = len(report.errors)
        current = existing.get(row.code)
        if current is not None and row.code not in visible:
            report.add(row.number, "单位编码", "该单位不在您的管辖范围内")
            continue
        region = regions.get(row.region_code)
        if region is None and row.region_code:  # blank: already reported
            report.add(row.number, "所属区划代码", "所属区划代码不存在或不在您的管辖范围内")
        if row.parent_code:
            if row.parent_code == row.code:
                report.add(row.number, "上级单位编码", "上级单位不能是本单位")
            elif row.parent_code not in in_file and row.parent_code not in visible:
                report.add(
                    row.number,
                    "上级单位编码",
                    f"上级单位编码“{row.parent_code}”不存在或不在您的管辖范围内",
                )
        if (
            current is not None
            and row.parent_code is not None
            and row.parent_code != (current.parent.code if current.parent is not None else "")
        ):
            report.add(row.number, "上级单位编码", "导入不能改变已有单位的上级单位")
        if row.superior_code:
            if row.superior_code == row.code:
                report.add(row.number, "上级行政机关编码", "上级行政机关不能是本单位")
            elif not _may_be_superior(row, region, in_file, existing, regions):
                report.add(
                    row.number,
                    "上级行政机关编码",
                    f"上级行政机关编码“{row.superior_code}”：{SUPERIOR_NOT_ALLOWED}",
                )
            elif _superior_cycle(row.code, superiors):
                report.add(
                    row.number, "上级行政机关编码", "上级行政机关的上级链又回到本单位，请检查设置"
                )
        if row.bad or len(report.errors) > bad or region is None:
            continue
        if current is None:
            creates.append(row)
            continue
        changes = {
            key: value
            for key, value in row.values.items()
            if key != "contact_phone" and getattr(current, key) != value
        }
        if (
            "contact_phone" in row.values
            and plain(current.contact_phone) != row.values["contact_phone"]
        ):
            changes["contact_phone"] = row.values["contact_phone"]
        if current.region_id != region.pk:
            changes["region_id"] = region.pk
        if row.superior_code is not None and row.superior_code != _superior_code(current):
            changes["superior_code"] = row.superior_code
        if changes:
            updates.append((row, current, changes))
        else:
            report.unchanged += 1
    # Parents first: a unit is created once its parent exists (in the system or created).
    ordered: list[_ImportRow] = []
    placed = set(existing)
    pending = list(creates)
    while pending:
        ready = [r for r in pending if not r.parent_code or r.parent_code in placed]
        if not ready:
            for row in pending:
                report.add(row.number, "上级单位编码", "上级单位之间形成循环，无法确定先后")
            break
        ordered += ready
        placed |= {r.code for r in ready}
        pending = [r for r in pending if r.code not in placed]
    report.errors.sort(key=lambda error: error.row)
    report.created, report.updated = len(creates), len(updates)
    if not report.ok or not commit:
        return report
    row_number = 0
    try:
        with transaction.atomic():
            made: dict[str, Unit] = {}
            for row in ordered:
                row_number = row.number
                parent_code = row.parent_code or ""
                parent = made.get(parent_code) or existing.get(parent_code)
                values = {k: v for k, v in row.values.items() if k not in {"name", "kind"}}
                made[row.code] = create_unit(
                    actor=actor,
                    code=row.code,
                    name=row.values["name"],
                    kind=row.values["kind"],
                    region_id=regions[row.region_code].pk,
                    parent_id=parent.pk if parent is not None else None,
                    **values,
                )
            for row, current, changes in updates:
                row_number = row.number
                superior = changes.pop("superior_code", None)
                if superior is not None:
                    target = made.get(superior) or existing.get(superior)
                    changes["superior_body_id"] = target.pk if target is not None else None
                update_unit(actor=actor, unit_id=current.pk, **changes)
            for row in ordered:
                if row.superior_code:
                    row_number = row.number
                    target = made.get(row.superior_code) or existing.get(row.superior_code)
                    assert target is not None
                    update_unit(actor=actor, unit_id=made[row.code].pk, superior_body_id=target.pk)
            audit.record(
                "units_imported",
                actor=actor,
                target_type="units.unit",
                target_repr=f"导入 {len(creates)} 新建 / {len(updates)} 更新",
                changes={
                    "created": len(creates),
                    "updated": len(updates),
                    "created_codes_sample": [r.code for r in ordered[:50]],
                    "updated_codes_sample": [r.code for r, _, _ in updates[:50]],
                },
            )
    except DomainError as exc:
        report.add(row_number, "", exc.message)
        return report
    report.committed = True
    return report


def _may_be_superior(
    row: _ImportRow,
    region: Region | None,
    in_file: dict[str, _ImportRow],
    existing: dict[str, Unit],
    regions: dict[str, Region],
) -> bool:
    """The row's 上级行政机关 exists (in the system or earlier/later in the file) and its
    region contains the row's region (:func:`may_answer_to`). Unknown and not allowed are
    one answer (no way to learn which codes exist)."""
    code = row.superior_code or ""
    if code in in_file:
        superior_region = regions.get(in_file[code].region_code)
        superior_path = superior_region.path if superior_region is not None else ""
    elif code in existing:
        superior_path = existing[code].region.path
    else:
        return False
    # Without a valid region of its own the row is already in error; judge the rest.
    return region is None or not superior_path or may_answer_to(region.path, superior_path)


def _superior_code(unit: Unit) -> str:
    return unit.superior_body.code if unit.superior_body is not None else ""
