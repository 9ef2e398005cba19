"""The 两新 registry: entities, their coverage, instructors and platform workforce (the
spreadsheet import is in ``imports.py``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap
from shegong.lib.validators import ValidationFailure, parse_credit_code, validate_mobile
from shegong.regions.choices import RegionLevel
from shegong.regions.models import Region

from ..choices import (
    CoverageMode,
    EntityKind,
    Industry,
    InstructorRole,
    OrgKind,
    OrgStatus,
    WorkerGroup,
    size_band_of,
)
from ..models import Entity, Instructor, PartyOrganization, PlatformWorkforce
from .common import check_counts, street_code_of, street_of
from .coverage import refresh_cells
from .findings import relocate_open_findings
from .rules import reevaluate_subjects


def _visible_regions(actor: User) -> Any:
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


def _load(actor: User, entity_id: int, *, lock: bool = False) -> Entity:
    qs = Entity.objects.visible_to(actor)
    if lock:
        qs = qs.select_for_update()
    entity = qs.filter(pk=entity_id).first()
    if entity is None:
        raise DomainError("两新组织不存在或不在您的管辖范围内")
    return entity


def create_entity(
    *,
    actor: User,
    credit_code: str,
    name: str,
    kind: str,
    region_id: int,
    industry: str = "",
    employees: int = 0,
    address: str = "",
    supervising_unit: str = "",
) -> Entity:
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护两新组织")
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
    check_counts(employees=("从业人员数", employees))
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
    actor: User,
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
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护两新组织")
    check_counts(employees=("从业人员数", employees))
    with transaction.atomic():
        entity = _load(actor, entity_id, lock=True)
        before = audit.snapshot(entity)
        old_street, old_region_path = entity.street_id, entity.region_path
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
        if entity.region_path != old_region_path:
            relocate_open_findings([entity.pk])
        reevaluate_subjects(actor=actor, entity_ids=[entity.pk])
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
    actor: User,
    entity_id: int,
    mode: str,
    organization_id: int | None = None,
    formal_members: int | None = None,
    probationary_members: int | None = None,
) -> Entity:
    """组织覆盖 of one entity: how (单独建/联合建/挂靠建) and by which organization, and the
    party members employed there (formal/probationary)."""
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护覆盖情况")
    check_counts(
        formal_members=("正式党员数", formal_members),
        probationary_members=("预备党员数", probationary_members),
    )
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
        old_org_id = entity.organization_id
        entity.coverage_mode = mode
        entity.organization = org
        if formal_members is not None:
            entity.formal_members = formal_members
        if probationary_members is not None:
            entity.probationary_members = probationary_members
        entity.save()
        refresh_cells([entity.street_id])
        # The entity's own findings and the old organization's (a 联合党支部 now covering one
        # unit fewer) close at once if their condition no longer holds.
        reevaluate_subjects(actor=actor, entity_ids=[entity.pk], org_ids=[old_org_id])
        changes = audit.diff(before, audit.snapshot(entity))
        changes.pop("updated_at", None)
        audit.record("entity_coverage_changed", actor=actor, target=entity, changes=changes)
    return entity


def assign_instructor(
    *,
    actor: User,
    entity_id: int,
    name: str,
    role: str = InstructorRole.INSTRUCTOR,
    phone: str = "",
    assigned_on: date | None = None,
    user_id: int | None = None,
) -> Instructor:
    """工作覆盖: send a 党建工作指导员 / 联络员 to an entity."""
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能选派党建指导员")
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
            reevaluate_subjects(actor=actor, entity_ids=[entity.pk])
        audit.record(
            "instructor_assigned",
            actor=actor,
            target=entity,
            changes={"name": instructor.name, "role": role, "phone": "***" if phone else ""},
        )
    return instructor


def end_instructor(*, actor: User, instructor_id: int, ended_on: date | None = None) -> Instructor:
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能调整党建指导员")
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
    actor: User,
    platform_id: int,
    region_id: int,
    group: str,
    workers: int,
    formal_members: int = 0,
    probationary_members: int = 0,
) -> PlatformWorkforce:
    """Workers of a platform in a region (新就业群体), with the party members among them."""
    require_capability(actor, Cap.ORGS_MANAGE, "您的角色不能维护新就业群体")
    if group not in WorkerGroup.values:
        raise DomainError("请选择新就业群体类别")
    check_counts(
        workers=("从业人数", workers),
        formal_members=("正式党员数", formal_members),
        probationary_members=("预备党员数", probationary_members),
    )
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
