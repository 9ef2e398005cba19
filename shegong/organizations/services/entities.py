"""The 两新 registry: entities, their coverage, instructors, platform workforce, and the
spreadsheet import (dry run reporting every bad row; all-or-nothing commit; incremental
re-import updates by 统一社会信用代码)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from shegong.accounts.roles import Cap
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.tabular import ImportReport
from shegong.lib.validators import ValidationFailure, parse_credit_code, validate_mobile
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region

from ..choices import (
    COVERAGE_MODE_ALIASES,
    ENTITY_KIND_ALIASES,
    CoverageMode,
    EntityKind,
    Industry,
    InstructorRole,
    OrgKind,
    OrgStatus,
    WorkerGroup,
    industry_from_text,
    size_band_of,
)
from ..models import Entity, Instructor, PartyOrganization, PlatformWorkforce
from .common import require, street_code_of, street_of
from .coverage import refresh_cells

IMPORT_COLUMNS = [
    "统一社会信用代码",
    "名称",
    "类型",
    "行业门类",
    "从业人员数",
    "地址",
    "所在区划代码",
    "业务主管单位",
    "覆盖方式",
    "覆盖党组织编码",
    "正式党员数",
    "预备党员数",
    "党建指导员",
]
REQUIRED_COLUMNS = ["统一社会信用代码", "名称", "类型", "所在区划代码"]
TEMPLATE_EXAMPLE = [
    [
        "91339901MA2H000015",
        "示范市某某科技有限公司",
        "企业",
        "I",
        "120",
        "示范市东城区人民路100号",
        "339901001001",
        "",
        "单独建",
        "ORG-339901001-001",
        "5",
        "1",
        "",
    ]
]
BATCH = 2000
MERGED_HINT = "（若该格是合并单元格，请取消合并并逐行填写）"


def _visible_regions(actor: Any) -> Any:
    return Region.objects.visible_to(actor)


def _check_region(region: Region | None) -> str | None:
    if region is None:
        return "所在区划不存在或不在您的管辖范围内"
    if region.level < RegionLevel.STREET:
        return "所在区划应为街道/乡镇、社区/村或网格，不能是区县或市"
    return None


def _place(entity: Entity, region: Region, street_ids: dict[str, int] | None = None) -> None:
    entity.region = region
    entity.region_path = region.path
    code = street_code_of(region.path)
    if street_ids is not None and code is not None:
        entity.street_id = street_ids.get(code)
    else:
        street = street_of(region)
        entity.street_id = street.pk if street else None


def _load(actor: Any, entity_id: int, *, lock: bool = False) -> Entity:
    qs = Entity.objects.visible_to(actor)
    if lock:
        qs = qs.select_for_update()
    entity = qs.filter(pk=entity_id).first()
    if entity is None:
        raise DomainError("两新组织不存在或不在您的管辖范围内")
    return entity


def create_entity(
    *,
    actor: Any,
    credit_code: str,
    name: str,
    kind: str,
    region_id: int,
    industry: str = "",
    employees: int = 0,
    address: str = "",
    supervising_unit: str = "",
) -> Entity:
    require(actor, Cap.ORGS_MANAGE, "您的角色不能维护两新组织")
    try:
        code = parse_credit_code(credit_code).code
    except ValidationFailure as exc:
        raise DomainError(f"统一社会信用代码{exc.message}") from exc
    if kind not in EntityKind.values:
        raise DomainError("请选择组织类型")
    if industry and industry not in Industry.values:
        raise DomainError("行业门类应为 GB/T 4754 的 A–T")
    if not name.strip():
        raise DomainError("名称不能为空")
    with transaction.atomic():
        region = _visible_regions(actor).filter(pk=region_id).first()
        problem = _check_region(region)
        if problem:
            raise DomainError(problem)
        assert region is not None
        if Entity.objects.filter(credit_code=code).exists():
            raise DomainError(f"统一社会信用代码 {code} 已登记")
        entity = Entity(
            credit_code=code,
            name=name.strip(),
            kind=kind,
            industry=industry,
            employees=employees,
            size_band=size_band_of(employees),
            address=address.strip(),
            supervising_unit=supervising_unit.strip(),
        )
        _place(entity, region)
        entity.save()
        refresh_cells([entity.street_id])
        audit.record(
            "entity_created",
            actor=actor,
            target=entity,
            changes=audit.diff({}, audit.snapshot(entity)),
        )
    return entity


def update_entity(
    *,
    actor: Any,
    entity_id: int,
    name: str | None = None,
    kind: str | None = None,
    industry: str | None = None,
    employees: int | None = None,
    address: str | None = None,
    region_id: int | None = None,
    supervising_unit: str | None = None,
    is_active: bool | None = None,
) -> Entity:
    require(actor, Cap.ORGS_MANAGE, "您的角色不能维护两新组织")
    with transaction.atomic():
        entity = _load(actor, entity_id, lock=True)
        before = audit.snapshot(entity)
        old_street = entity.street_id
        if name is not None:
            if not name.strip():
                raise DomainError("名称不能为空")
            entity.name = name.strip()
        if kind is not None:
            if kind not in EntityKind.values:
                raise DomainError("请选择组织类型")
            entity.kind = kind
        if industry is not None:
            if industry and industry not in Industry.values:
                raise DomainError("行业门类应为 GB/T 4754 的 A–T")
            entity.industry = industry
        if employees is not None:
            entity.employees = employees
            entity.size_band = size_band_of(employees)
        if address is not None:
            entity.address = address.strip()
        if supervising_unit is not None:
            entity.supervising_unit = supervising_unit.strip()
        if is_active is not None:
            entity.is_active = is_active
        if region_id is not None and region_id != entity.region_id:
            region = _visible_regions(actor).filter(pk=region_id).first()
            problem = _check_region(region)
            if problem:
                raise DomainError(problem)
            assert region is not None
            _place(entity, region)
        entity.save()
        if not Entity.objects.visible_to(actor).filter(pk=entity.pk).exists():
            raise DomainError("修改后该组织将不在您的管辖范围内，请联系上级管理员办理")
        refresh_cells([old_street, entity.street_id])
        changes = audit.diff(before, audit.snapshot(entity))
        changes.pop("updated_at", None)
        if changes:
            audit.record("entity_changed", actor=actor, target=entity, changes=changes)
    return entity


def _check_coverage(mode: str, org: PartyOrganization | None) -> str | None:
    if mode not in CoverageMode.values:
        return "无法识别的覆盖方式，应为 单独建/联合建/挂靠建/未建立"
    if mode == CoverageMode.NONE:
        return "覆盖方式为“未建立”时不应填写覆盖党组织" if org else None
    if org is None:
        return "请填写覆盖该组织的党组织（编码）"
    if org.status != OrgStatus.ACTIVE:
        return f"党组织 {org.code} 已撤销或合并"
    if mode == CoverageMode.SINGLE and org.kind == OrgKind.JOINT_BRANCH:
        return "单独建的党组织不能是联合党支部；联合党支部请选“联合建”"
    return None


def set_coverage(
    *,
    actor: Any,
    entity_id: int,
    mode: str,
    organization_id: int | None = None,
    formal_members: int | None = None,
    probationary_members: int | None = None,
) -> Entity:
    """组织覆盖 of one entity: how (单独建/联合建/挂靠建) and by which organization, and the
    party members employed there (formal/probationary)."""
    require(actor, Cap.ORGS_MANAGE, "您的角色不能维护覆盖情况")
    with transaction.atomic():
        entity = _load(actor, entity_id, lock=True)
        org = None
        if organization_id is not None:
            org = PartyOrganization.objects.visible_to(actor).filter(pk=organization_id).first()
            if org is None:
                raise DomainError("党组织不存在或不在您的管辖范围内")
        problem = _check_coverage(mode, org)
        if problem:
            raise DomainError(problem)
        before = audit.snapshot(entity)
        entity.coverage_mode = mode
        entity.organization = org
        if formal_members is not None:
            entity.formal_members = formal_members
        if probationary_members is not None:
            entity.probationary_members = probationary_members
        entity.save()
        refresh_cells([entity.street_id])
        changes = audit.diff(before, audit.snapshot(entity))
        changes.pop("updated_at", None)
        audit.record("entity_coverage_changed", actor=actor, target=entity, changes=changes)
    return entity


def assign_instructor(
    *,
    actor: Any,
    entity_id: int,
    name: str,
    role: str = InstructorRole.INSTRUCTOR,
    phone: str = "",
    assigned_on: date | None = None,
    user_id: int | None = None,
) -> Instructor:
    """工作覆盖: send a 党建工作指导员 / 联络员 to an entity."""
    require(actor, Cap.ORGS_MANAGE, "您的角色不能选派党建指导员")
    if not name.strip():
        raise DomainError("请填写指导员姓名")
    if role not in InstructorRole.values:
        raise DomainError("请选择指导员身份")
    if phone:
        try:
            phone = validate_mobile(phone)
        except ValidationFailure as exc:
            raise DomainError(f"手机号码{exc.message}") from exc
    with transaction.atomic():
        entity = _load(actor, entity_id, lock=True)
        user = None
        if user_id is not None:
            from shegong.accounts.models import User

            user = User.objects.visible_to(actor).filter(pk=user_id).first()
            if user is None:
                raise DomainError("账号不存在或不在您的管辖范围内")
        instructor = Instructor.objects.create(
            entity=entity,
            name=name.strip(),
            role=role,
            phone=phone,
            user=user,
            assigned_on=assigned_on or timezone.localdate(),
        )
        if not entity.has_instructor:
            entity.has_instructor = True
            entity.save(update_fields=["has_instructor", "updated_at"])
            refresh_cells([entity.street_id])
        audit.record(
            "instructor_assigned",
            actor=actor,
            target=entity,
            changes={"name": instructor.name, "role": role, "phone": "***" if phone else ""},
        )
    return instructor


def end_instructor(*, actor: Any, instructor_id: int, ended_on: date | None = None) -> Instructor:
    require(actor, Cap.ORGS_MANAGE, "您的角色不能调整党建指导员")
    ended_on = ended_on or timezone.localdate()
    with transaction.atomic():
        instructor = (
            Instructor.objects.visible_to(actor)
            .select_for_update()
            .filter(pk=instructor_id, ended_on__isnull=True)
            .first()
        )
        if instructor is None:
            raise DomainError("指导员不存在、已结束或不在您的管辖范围内")
        if ended_on < instructor.assigned_on:
            raise DomainError("结束日期不能早于选派日期")
        instructor.ended_on = ended_on
        instructor.save(update_fields=["ended_on"])
        entity = instructor.entity
        still = entity.instructors.filter(ended_on__isnull=True).exists()
        if entity.has_instructor != still:
            entity.has_instructor = still
            entity.save(update_fields=["has_instructor", "updated_at"])
            refresh_cells([entity.street_id])
        audit.record(
            "instructor_ended",
            actor=actor,
            target=entity,
            changes={"name": instructor.name, "ended_on": ended_on},
        )
    return instructor


def set_workforce(
    *,
    actor: Any,
    platform_id: int,
    region_id: int,
    group: str,
    workers: int,
    formal_members: int = 0,
    probationary_members: int = 0,
) -> PlatformWorkforce:
    """Workers of a platform in a region (新就业群体), with the party members among them."""
    require(actor, Cap.ORGS_MANAGE, "您的角色不能维护新就业群体")
    if group not in WorkerGroup.values:
        raise DomainError("请选择新就业群体类别")
    if formal_members + probationary_members > workers:
        raise DomainError("党员人数不能超过从业人数")
    with transaction.atomic():
        platform = _load(actor, platform_id)
        if platform.kind != EntityKind.PLATFORM:
            raise DomainError("只有“新就业群体平台企业”可以登记从业人员分布")
        region = _visible_regions(actor).filter(pk=region_id).first()
        if region is None:
            raise DomainError("区划不存在或不在您的管辖范围内")
        row, created = PlatformWorkforce.objects.select_for_update().get_or_create(
            platform=platform, region=region, group=group
        )
        before = [row.workers, row.formal_members, row.probationary_members]
        row.workers, row.formal_members, row.probationary_members = (
            workers,
            formal_members,
            probationary_members,
        )
        row.save()
        audit.record(
            "platform_workforce_set",
            actor=actor,
            target=platform,
            changes={
                "region": region.code,
                "group": group,
                "workers/formal/probationary": [
                    None if created else before,
                    [workers, formal_members, probationary_members],
                ],
            },
        )
    return row


# --- import ------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    code: str
    values: dict[str, Any] = field(default_factory=dict)
    region_code: str = ""
    org_code: str = ""
    instructor: str = ""


def _int(text: str) -> int | None:
    text = text.replace(",", "").replace("，", "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() else None


def _parse(rows: Iterable[tuple[int, dict[str, str]]], report: ImportReport) -> list[_Row]:
    parsed: list[_Row] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        report.total += 1
        errors_before = len(report.errors)

        def bad(column: str, message: str, _n: int = number) -> None:
            report.add(_n, column, message)

        text = {k: (v or "").strip() for k, v in raw.items()}
        code_text = text.get("统一社会信用代码", "")
        code = ""
        if not code_text:
            bad("统一社会信用代码", "统一社会信用代码不能为空" + MERGED_HINT)
        else:
            try:
                code = parse_credit_code(code_text).code
            except ValidationFailure as exc:
                bad("统一社会信用代码", f"统一社会信用代码“{code_text}”{exc.message}")
        if code and code in seen:
            bad("统一社会信用代码", f"与第 {seen[code]} 行重复（同一统一社会信用代码）")
        row = _Row(number, code)
        name = text.get("名称", "")
        if not name:
            bad("名称", "名称不能为空" + MERGED_HINT)
        elif len(name) > 200:
            bad("名称", "名称超过200字")
        row.values["name"] = name
        kind_text = text.get("类型", "")
        kind = ENTITY_KIND_ALIASES.get(kind_text) or (
            kind_text if kind_text in EntityKind.values else None
        )
        if kind is None:
            bad(
                "类型",
                (f"无法识别的类型“{kind_text}”" if kind_text else "类型不能为空" + MERGED_HINT)
                + "，应为 企业/社会组织/行业协会商会/平台企业",
            )
        row.values["kind"] = kind
        if "行业门类" in raw and text["行业门类"]:
            industry = industry_from_text(text["行业门类"])
            if industry is None:
                bad("行业门类", f"无法识别的行业门类“{text['行业门类']}”，应为 GB/T 4754 门类 A–T")
            row.values["industry"] = industry
        if "从业人员数" in raw and text["从业人员数"]:
            employees = _int(text["从业人员数"])
            if employees is None:
                bad("从业人员数", "从业人员数应为整数")
            row.values["employees"] = employees
        for column, key in (("地址", "address"), ("业务主管单位", "supervising_unit")):
            if column in raw and text[column]:
                row.values[key] = text[column][: 255 if key == "address" else 150]
        row.region_code = text.get("所在区划代码", "")
        if not row.region_code:
            bad("所在区划代码", "所在区划代码不能为空" + MERGED_HINT)
        if "覆盖方式" in raw and text["覆盖方式"]:
            mode = COVERAGE_MODE_ALIASES.get(text["覆盖方式"])
            if mode is None:
                bad(
                    "覆盖方式",
                    f"无法识别的覆盖方式“{text['覆盖方式']}”，应为 单独建/联合建/挂靠建/未建立",
                )
            row.values["coverage_mode"] = mode
        row.org_code = text.get("覆盖党组织编码", "")
        for column, key in (
            ("正式党员数", "formal_members"),
            ("预备党员数", "probationary_members"),
        ):
            if column in raw and text[column]:
                value = _int(text[column])
                if value is None:
                    bad(column, f"{column}应为整数")
                row.values[key] = value
        row.instructor = text.get("党建指导员", "")[:50]
        if len(report.errors) == errors_before:
            if code:
                seen[code] = number
            parsed.append(row)
        elif code and code not in seen:
            seen[code] = number
    return parsed


def _chunks(items: list[Any], size: int = 900) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def import_entities(
    *, actor: Any, rows: Iterable[tuple[int, dict[str, str]]], commit: bool
) -> ImportReport:
    """Create or update entities by 统一社会信用代码 (incremental; never duplicates).

    Columns missing from the file, and blank optional cells, leave the stored value as it
    is, so a market-register extract (no coverage columns) refreshes names, sizes and
    addresses without touching coverage. All-or-nothing: any bad row → nothing written.
    """
    require(actor, Cap.ORGS_IMPORT, "您的角色不能导入两新组织")
    report = ImportReport()
    parsed = _parse(rows, report)
    region_codes = sorted({r.region_code for r in parsed})
    regions: dict[str, Region] = {}
    visible = _visible_regions(actor)
    for chunk in _chunks(region_codes):
        for region in visible.filter(code__in=chunk).only("pk", "code", "path", "level"):
            regions[region.code] = region
    street_codes = sorted({c for c in (street_code_of(r.path) for r in regions.values()) if c})
    street_ids: dict[str, int] = {}
    for chunk in _chunks(street_codes):
        street_ids.update(Region.objects.filter(code__in=chunk).values_list("code", "pk"))
    org_codes = sorted({r.org_code for r in parsed if r.org_code})
    orgs: dict[str, PartyOrganization] = {}
    visible_orgs = PartyOrganization.objects.visible_to(actor)
    for chunk in _chunks(org_codes):
        for found in visible_orgs.filter(code__in=chunk):
            orgs[found.code] = found
    existing: dict[str, Entity] = {}
    for chunk in _chunks([r.code for r in parsed]):
        for entity in Entity.objects.filter(credit_code__in=chunk):
            existing[entity.credit_code] = entity
    scope_root = (
        None if (actor.is_superuser or actor.has_citywide_scope) else actor.scope_region_path
    )
    to_create: list[Entity] = []
    to_update: list[Entity] = []
    update_fields: set[str] = set()
    instructors: list[tuple[Entity, str]] = []
    touched_streets: set[int | None] = set()
    for row in parsed:
        region = regions.get(row.region_code)
        problem = _check_region(region)
        if problem:
            report.add(
                row.number,
                "所在区划代码",
                f"区划代码 {row.region_code} 不存在或不在您的管辖范围内"
                if region is None
                else problem,
            )
            continue
        assert region is not None
        current = existing.get(row.code)
        if current is not None and scope_root and not current.region_path.startswith(scope_root):
            report.add(
                row.number,
                "统一社会信用代码",
                "该统一社会信用代码已登记在您管辖范围以外，请联系上级管理员",
            )
            continue
        org: PartyOrganization | None = None
        if row.org_code:
            org = orgs.get(row.org_code)
            if org is None:
                report.add(
                    row.number,
                    "覆盖党组织编码",
                    f"党组织 {row.org_code} 不存在或不在您的管辖范围内",
                )
                continue
        values = dict(row.values)
        mode = values.pop("coverage_mode", None)
        if mode is None and org is not None:
            report.add(row.number, "覆盖方式", "填写了覆盖党组织，请同时填写覆盖方式")
            continue
        if mode is not None:
            problem = _check_coverage(mode, org)
            if problem:
                report.add(row.number, "覆盖方式", problem)
                continue
            values["coverage_mode"] = mode
            values["organization_id"] = org.pk if org else None
        if current is None:
            entity = Entity(
                credit_code=row.code,
                industry=values.pop("industry", "") or "",
                employees=values.pop("employees", 0) or 0,
                **{k: v for k, v in values.items() if v is not None},
            )
            entity.size_band = size_band_of(entity.employees)
            _place(entity, region, street_ids)
            to_create.append(entity)
            if row.instructor:
                instructors.append((entity, row.instructor))
            continue
        changed = False
        if current.region_id != region.pk:
            touched_streets.add(current.street_id)
            _place(current, region, street_ids)
            update_fields.update({"region", "region_path", "street"})
            changed = True
        for key, value in values.items():
            if value is not None and getattr(current, key) != value:
                setattr(current, key, value)
                update_fields.add(key)
                changed = True
        if "employees" in values and current.size_band != size_band_of(current.employees):
            current.size_band = size_band_of(current.employees)
            update_fields.add("size_band")
        if row.instructor and not current.has_instructor:
            instructors.append((current, row.instructor))
            changed = True
        if changed:
            to_update.append(current)
        else:
            report.unchanged += 1
    report.errors.sort(key=lambda e: e.row)
    report.created = len(to_create)
    report.updated = len(to_update)
    if not report.ok or not commit:
        return report
    now = timezone.now()
    with transaction.atomic():
        for entity in to_create:
            entity.created_at = entity.updated_at = now
        Entity.objects.bulk_create(to_create, batch_size=BATCH)
        if to_update:
            for entity in to_update:
                entity.updated_at = now
            fields = sorted(update_fields | {"updated_at"})
            Entity.objects.bulk_update(to_update, fields, batch_size=500)
        if instructors:
            created = {e.credit_code: e.pk for e in to_create}
            today = timezone.localdate()
            Instructor.objects.bulk_create(
                [
                    Instructor(
                        entity_id=e.pk or created[e.credit_code],
                        name=name,
                        role=InstructorRole.INSTRUCTOR,
                        phone="",
                        assigned_on=today,
                    )
                    for e, name in instructors
                ],
                batch_size=BATCH,
            )
            ids = [e.pk or created[e.credit_code] for e, _ in instructors]
            for chunk in _chunks(ids):
                Entity.objects.filter(pk__in=chunk).update(has_instructor=True)
        touched_streets.update(e.street_id for e in to_create)
        touched_streets.update(e.street_id for e in to_update)
        refresh_cells(touched_streets)
        audit.record(
            "entities_imported",
            actor=actor,
            target_type="organizations.entity",
            target_repr=f"导入 {len(to_create)} 新建 / {len(to_update)} 更新",
            changes={
                "created": len(to_create),
                "updated": len(to_update),
                "unchanged": report.unchanged,
                "instructors": len(instructors),
                "created_sample": [e.credit_code for e in to_create[:50]],
                "updated_sample": [e.credit_code for e in to_update[:50]],
            },
        )
        from ..tasks import run_coverage_rules

        transaction.on_commit(lambda: run_coverage_rules.enqueue())
    report.committed = True
    return report


def export_rows(queryset: Any) -> Iterable[list[Any]]:
    """Rows in the import format, so an export can be corrected and re-imported."""
    rows = queryset.select_related("region", "organization").order_by("credit_code")
    for e in rows.iterator(chunk_size=BATCH):
        yield [
            e.credit_code,
            e.name,
            EntityKind(e.kind).label,
            e.industry,
            e.employees,
            e.address,
            e.region.code,
            e.supervising_unit,
            CoverageMode(e.coverage_mode).label,
            e.organization.code if e.organization_id else "",
            e.formal_members,
            e.probationary_members,
            "是" if e.has_instructor else "",
        ]
