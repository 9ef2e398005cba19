"""Helpers shared by the members services (not services themselves)."""

from __future__ import annotations

from datetime import date

from shegong.accounts.models import User
from shegong.core.exceptions import DomainError
from shegong.core.roles import Role
from shegong.lib.validators import IdNumber, ValidationFailure, parse_id_number, validate_mobile
from shegong.organizations.choices import EntityKind, OrgStatus
from shegong.organizations.models import Entity, PartyOrganization, administered_paths

from ..models import Member


def parse_identity(id_number: str, *, today: date) -> IdNumber:
    """The 公民身份号码 read by the foundation's validator (birth date and sex come from it)."""
    try:
        return parse_id_number(id_number, today=today)
    except ValidationFailure as exc:
        raise DomainError(f"身份证号{exc.message}", code="id_number") from exc


def clean_phone(phone: str) -> str:
    if not phone.strip():
        return ""
    try:
        return validate_mobile(phone)
    except ValidationFailure as exc:
        raise DomainError(f"手机号码：{exc.message}", code="phone") from exc


def visible_member(actor: User, member_id: int, *, lock: bool = False) -> Member:
    """The member, if the actor may see it (scope at the queryset); else a 'not found'."""
    qs = Member.objects.visible_to(actor)
    if lock:
        qs = qs.select_for_update(of=("self",))
    member = qs.filter(pk=member_id).select_related("organization__region").first()
    if member is None:
        raise DomainError("人员不存在或不在您的管辖范围内", code="not_found")
    return member


def visible_organization(actor: User, org_id: int) -> PartyOrganization:
    org = (
        PartyOrganization.objects.visible_to(actor)
        .filter(pk=org_id, status=OrgStatus.ACTIVE)
        .select_related("region")
        .first()
    )
    if org is None:
        raise DomainError("党组织不存在、已撤销或不在您的管辖范围内", code="organization")
    return org


def platform_entity(platform_id: int | None) -> Entity | None:
    """A 新就业群体 platform from the 两新 registry (platforms are city-wide companies, so
    any registered platform may be chosen, whoever records the member)."""
    if platform_id is None:
        return None
    entity = Entity.objects.filter(pk=platform_id, kind=EntityKind.PLATFORM).first()
    if entity is None:
        raise DomainError("所属平台不在两新组织名录的平台企业中", code="platform")
    return entity


def employer_entity(actor: User, employer_id: int | None) -> Entity | None:
    if employer_id is None:
        return None
    entity = Entity.objects.visible_to(actor).filter(pk=employer_id).first()
    if entity is None:
        raise DomainError("工作单位不在两新组织名录中或不在您的管辖范围内", code="employer")
    return entity


def covers_above(actor: User, org: PartyOrganization) -> bool:
    """A 党委 decision (预审, 审批) is taken above the branch: staff of the department or the
    street whose scope holds the branch, or an administrator of an organization ABOVE it
    (a branch secretary approves nothing for their own branch)."""
    if actor.is_superuser or actor.role in (Role.DEPT_ADMIN, Role.STREET_STAFF):
        return PartyOrganization.objects.visible_to(actor).filter(pk=org.pk).exists()
    return any(org.path.startswith(path) and org.path != path for path in administered_paths(actor))


def platform_id_by_code(code: str) -> int | None:
    """The id of the 两新 registry's platform with this 统一社会信用代码, wherever it is
    registered: a courier's platform (美团, 顺丰 …) is usually outside the branch's region, and
    only its id is returned, for the member's ``platform`` link."""
    from shegong.organizations.choices import EntityKind
    from shegong.organizations.models import Entity

    found: int | None = (
        Entity.objects.filter(kind=EntityKind.PLATFORM, credit_code=code)
        .values_list("pk", flat=True)
        .first()
    )
    return found
