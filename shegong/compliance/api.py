"""The compliance API (django-ninja), scoped through ``visible_to`` like the pages."""

from datetime import datetime
from typing import Annotated

from django.db.models import QuerySet
from django.utils import timezone
from ninja import Path, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field, JsonValue

from shegong.accounts.http import AuthedHttpRequest
from shegong.core.api import require_capability
from shegong.core.pagination import CappedLimitOffsetPagination
from shegong.core.roles import Cap
from shegong.core.scoping import get_visible_or_404
from shegong.lib.text import MAX_ID
from shegong.organizations.choices import BRANCH_KINDS
from shegong.organizations.models import PartyOrganization

from .choices import OPEN_STATUSES, FindingStatus, Rule
from .models import BranchQuarter, ComplianceFinding
from .services import actions, overview
from .services.judge import quarter_of

router = Router(tags=["组织生活合规"])

# Out-of-range numbers are a 422, never a database overflow (500).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
OrgId = Annotated[int, Path(ge=1, le=MAX_ID)]


class ComplianceFindingOut(Schema):
    id: int
    rule: str
    subject_key: str
    period: str
    organization_id: int
    member_id: int | None
    meeting_id: int | None
    evidence: str
    basis: str
    status: str
    opened_at: datetime
    escalated_to_id: int | None
    closed_at: datetime | None
    close_note: str


class FindingFilter(Schema):
    rule: str | None = None
    status: str | None = None
    organization_id: Id | None = None


class HandleIn(Schema):
    finding_id: Id
    note: str


class TableRowOut(Schema):
    key: str
    label: str
    branches: int
    two_new: int
    compliant: int
    rate: str
    missing: int
    kinds_short: int
    quorum_failed: int
    minutes_missing: int
    minutes_late: int
    lapse_risks: int


class TableFilter(Schema):
    by: str = "district"
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    quarter: Annotated[int, Field(ge=1, le=4)] | None = None
    district: Id | None = None
    street: Id | None = None
    two_new: bool = False


class BranchQuarterOut(Schema):
    organization_id: int
    year: int
    q: int
    members: int
    expected: int
    held: int
    missing: int
    kinds_short: int
    compliant: bool
    quorum_failed: int
    low_attendance: int
    minutes_missing: int
    minutes_late: int
    lapse_risks: int
    detail: dict[str, JsonValue]
    computed_at: datetime


class ComplianceRunOut(Schema):
    branches: int
    opened: int
    refreshed: int
    auto_resolved: int
    escalated: int
    closed: int = 0


@router.get("/compliance/findings", response=list[ComplianceFindingOut])
@paginate(CappedLimitOffsetPagination)
def list_findings(
    request: AuthedHttpRequest, filters: Query[FindingFilter]
) -> QuerySet[ComplianceFinding]:
    require_capability(request, Cap.COMPLIANCE_VIEW)
    qs = ComplianceFinding.objects.visible_to(request.user)
    if filters.rule in Rule.values:
        qs = qs.filter(rule=filters.rule)
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status in FindingStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.organization_id is not None:
        qs = qs.filter(organization_id=filters.organization_id)
    return qs


@router.get("/compliance/table", response=list[TableRowOut])
def table(request: AuthedHttpRequest, filters: Query[TableFilter]) -> list[overview.TableRow]:
    """The department's table for a quarter (default: the current one), grouped by
    ``district``, ``street``, ``sector`` or ``branch``."""
    require_capability(request, Cap.COMPLIANCE_VIEW)
    quarter = quarter_of(timezone.localdate())
    if filters.year and filters.quarter:
        quarter = filters.year * 4 + filters.quarter - 1
    by = filters.by if filters.by in overview.GROUPS else "district"
    return overview.city_table(
        request.user,
        quarter,
        by,
        district=filters.district,
        street=filters.street,
        two_new_only=filters.two_new,
    )


@router.get("/compliance/branches/{org_id}", response=list[BranchQuarterOut])
def branch_quarters(request: AuthedHttpRequest, org_id: OrgId) -> QuerySet[BranchQuarter]:
    """The engine's quarters of one branch, newest first."""
    require_capability(request, Cap.COMPLIANCE_VIEW)
    org = get_visible_or_404(PartyOrganization, request.user, pk=org_id, kind__in=BRANCH_KINDS)
    return (
        BranchQuarter.objects.visible_to(request.user).filter(organization=org).order_by("-quarter")
    )


@router.post("/compliance/branches/{org_id}/recheck", response=ComplianceRunOut)
def recheck(request: AuthedHttpRequest, org_id: OrgId) -> dict[str, int]:
    require_capability(request, Cap.COMPLIANCE_VIEW)
    org = get_visible_or_404(PartyOrganization, request.user, pk=org_id, kind__in=BRANCH_KINDS)
    return actions.recheck(actor=request.user, org_id=org.pk).as_dict()


@router.get("/compliance/branches/{org_id}/findings", response=list[ComplianceFindingOut])
@paginate(CappedLimitOffsetPagination)
def branch_findings(request: AuthedHttpRequest, org_id: OrgId) -> QuerySet[ComplianceFinding]:
    """The findings of one branch (all statuses), newest first."""
    require_capability(request, Cap.COMPLIANCE_VIEW)
    org = get_visible_or_404(PartyOrganization, request.user, pk=org_id, kind__in=BRANCH_KINDS)
    return ComplianceFinding.objects.visible_to(request.user).filter(organization=org)


@router.post("/compliance/branches/{org_id}/findings/handle", response=ComplianceFindingOut)
def handle_finding(
    request: AuthedHttpRequest, org_id: OrgId, payload: HandleIn
) -> ComplianceFinding:
    """已处理 with a note: a finding of this branch."""
    require_capability(request, Cap.COMPLIANCE_VIEW)
    org = get_visible_or_404(PartyOrganization, request.user, pk=org_id, kind__in=BRANCH_KINDS)
    require_capability(request, actions.ACT)
    get_visible_or_404(ComplianceFinding, request.user, pk=payload.finding_id, organization=org)
    return actions.handle_finding(
        actor=request.user, finding_id=payload.finding_id, note=payload.note
    )
