"""What the study services share: the current policy, the scope helpers, the year window."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from shegong.accounts.models import User
from shegong.core import audit
from shegong.core.exceptions import DomainError
from shegong.core.permissions import require_capability
from shegong.core.roles import Cap, Role
from shegong.lib.partyrules.study import StudyPolicy
from shegong.organizations.choices import OrgStatus
from shegong.organizations.models import PartyOrganization
from shegong.organizations.models.orgs import administered_paths
from shegong.units.choices import UnitKind

from ..models import StudySettings

MAX_SESSION_HOURS = Decimal(24)
MAX_RECORD_HOURS = Decimal(200)
MIN_YEAR, MAX_YEAR = 2000, 2100

# Roles whose jurisdiction makes them the superior body of every organization in it (the
# department, the street's 党工委) — as in the dues app's hardship approval.
SUPERIOR_ROLES = (Role.DEPT_ADMIN, Role.STREET_STAFF)


def study_settings() -> StudySettings:
    """The current requirement row (created with the documented defaults on first use)."""
    row, _ = StudySettings.objects.get_or_create(pk=1)
    return row


def current_policy() -> StudyPolicy:
    return study_settings().policy()


def year_window(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def require_manage(actor: User) -> None:
    require_capability(actor, Cap.STUDY_MANAGE, "您的角色不能维护理论学习")


def require_department(actor: User) -> None:
    """Plans, sessions and records of the department's own cadres: city-wide staff only."""
    require_manage(actor)
    if not (actor.is_superuser or actor.has_citywide_scope):
        raise PermissionDenied("部机关干部学习只能由市级人员维护")


def visible_orgs(actor: User) -> QuerySet[PartyOrganization]:
    return PartyOrganization.objects.visible_to(actor)


def is_superior(actor: User, org: PartyOrganization) -> bool:
    """Whether ``actor`` acts for a body strictly above ``org``: an administrator of an
    organization above it, or department/street staff whose scope covers it and who do not
    administer ``org`` itself. The organization's own secretary never is."""
    paths = administered_paths(actor)
    if any(org.path.startswith(p) and p != org.path for p in paths):
        return True
    if org.path in paths:
        return False
    if not (actor.is_superuser or actor.role in SUPERIOR_ROLES):
        return False
    return visible_orgs(actor).filter(pk=org.pk).exists()


def require_superior(actor: User, org: PartyOrganization, what: str) -> None:
    if not is_superior(actor, org):
        raise PermissionDenied(f"{what}须由上级党组织办理：您不是该党组织的上级")


def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(f"年度应在{MIN_YEAR}到{MAX_YEAR}之间")
    return year


def load_org(actor: User, org_id: int) -> PartyOrganization:
    org = visible_orgs(actor).filter(pk=org_id).first()
    if org is None:
        raise DomainError("党组织不存在或不在您的管辖范围内", code="not_found")
    if org.status != OrgStatus.ACTIVE:
        raise DomainError("已撤销或合并的党组织不能登记学习")
    return org


def cadres() -> QuerySet[User]:
    """The department's own cadres: active accounts of a 社会工作部 unit."""
    return User.objects.filter(is_active=True, unit__kind=UnitKind.DEPARTMENT)


def check_hours(hours: Decimal, *, limit: Decimal, what: str) -> Decimal:
    if hours <= 0:
        raise DomainError(f"{what}应大于0")
    if hours > limit:
        raise DomainError(f"{what}不能超过{limit}")
    if hours != hours.quantize(Decimal("0.1")):
        raise DomainError(f"{what}最多保留一位小数")
    return hours


def set_requirement(
    *, actor: User, member_hours: Decimal, leader_hours: Decimal, cadre_hours: Decimal
) -> StudySettings:
    """Change the yearly requirement (the department administrator: ``COMPLIANCE_POLICY``)."""
    require_capability(actor, Cap.COMPLIANCE_POLICY, "只有部管理员可以修改学时要求")
    for value in (member_hours, leader_hours, cadre_hours):
        if not Decimal(0) < value <= Decimal(500):
            raise DomainError("每年学时应大于0且不超过500")
    with transaction.atomic():
        row = study_settings()
        row = StudySettings.objects.select_for_update().get(pk=row.pk)
        before = (row.member_hours, row.leader_hours, row.cadre_hours)
        row.member_hours, row.leader_hours, row.cadre_hours = (
            member_hours,
            leader_hours,
            cadre_hours,
        )
        row.save(update_fields=["member_hours", "leader_hours", "cadre_hours", "updated_at"])
        audit.record(
            "study_requirement_changed",
            actor=actor,
            target=row,
            changes={
                "before": [str(v) for v in before],
                "after": [str(member_hours), str(leader_hours), str(cadre_hours)],
            },
        )
    return row
